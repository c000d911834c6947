/* Human renderings of dlprobe documents, one interface for all: the whole
 * document in (each renderer finds its section by key), text out to the
 * stream the front end gives. The library produces the JSON (fastfetch
 * style: detection and JSON apart from printing); these only read it, and
 * never print anywhere else. Each returns 0, or -1 when writing to out
 * failed (its error indicator is set). */
#ifndef DLPROBE_REPORT_H
#define DLPROBE_REPORT_H

#include <stdio.h>
#include <jansson.h>

struct dlp_style {
	const char *bold, *reset;
	int verbose;    /* estimates: per-phase breakdown, dominant layers, hardware notes */
};

typedef int (*dlp_report_fn)(FILE *out, const json_t *doc, const struct dlp_style *st);

/* "probe": the machine, its resources and GPUs. */
int dlp_report_probe_text(FILE *out, const json_t *doc, const struct dlp_style *st);
/* "bench": one block per device: kernel, dtype, shape, threads, rate, % of
 * measured peak, vs system BLAS; failed results with their reason; findings. */
int dlp_report_bench_text(FILE *out, const json_t *doc, const struct dlp_style *st);
/* "estimates", "verdict" and "reference_verdicts". */
int dlp_report_estimate_text(FILE *out, const json_t *doc, const struct dlp_style *st);
/* "models", "datasets" or "instances" (`dlprobe list`). */
int dlp_report_list_text(FILE *out, const json_t *doc, const struct dlp_style *st);

/* "12.3 GiB", "48 KiB" — binary units, as the kernel and hwloc count them. */
const char *dlp_report_bytes(long long b, char *buf, size_t len);

#endif
