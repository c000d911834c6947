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
/* CSV (report/csv.c): one row per bench result; one row per estimate
 * (machine x scenario). Headers carry the units. */
int dlp_report_bench_csv(FILE *out, const json_t *doc, const struct dlp_style *st);
int dlp_report_estimate_csv(FILE *out, const json_t *doc, const struct dlp_style *st);
/* One self-contained HTML page (report/html.c) over n documents: rooflines
 * of every measured device, time and cost bars of every scenario. */
int dlp_report_html(FILE *out, const json_t *const *docs, size_t n, const struct dlp_style *st);
/* The default run's head: the machine in one line, its measured figures in
 * one line per device ("probe", "bench", "host" sections). */
int dlp_report_summary_text(FILE *out, const json_t *doc, const struct dlp_style *st);
/* "cluster" (dlprobe-cluster): nodes, the largest size each collective
 * reached across nodes, the slowest ring link, the findings. */
int dlp_report_cluster_text(FILE *out, const json_t *doc, const struct dlp_style *st);
/* "KVM" for the CPUID signature "KVMKVMKVM"; the signature when unknown. */
const char *dlp_report_hypervisor(const char *signature);
/* "models", "datasets" or "instances" (`dlprobe list`). */
int dlp_report_list_text(FILE *out, const json_t *doc, const struct dlp_style *st);

/* "12.3 GiB", "48 KiB" — binary units, as the kernel and hwloc count them. */
const char *dlp_report_bytes(long long b, char *buf, size_t len);
/* Two or three significant digits in a unit that fits the size (report/units.c):
 * "420 ms", "13 min", "5.1 h", "3.2 days", "4.0 years"; "?" for unknown. */
const char *dlp_report_duration(double s, char *buf, size_t len);
/* "8.8-20 min": both ends in the unit of the high end. */
const char *dlp_report_duration_range(double lo, double hi, char *buf, size_t len);
/* "$0.02", "<$0.01", "$173", "$2.5M", "$190B", "$130T", "over $1000T" (never an exponent), "-" for unknown. */
const char *dlp_report_usd(double v, char *buf, size_t len);
/* "74k", "11M", "2.5B"; "?" for unknown. */
const char *dlp_report_count(double v, char *buf, size_t len);
/* Write s wrapped at width columns, every line after the first indented by
 * indent spaces; first is what already stands on the first line. A
 * DLP_REPORT_NBSP is a space no line breaks at ("92.9 GFLOP/s" kept whole). */
#define DLP_REPORT_NBSP '\x1f'
#define DLP_REPORT_NBSP_S "\x1f"
void dlp_report_wrap(FILE *out, const char *s, int first, int indent, int width);

#endif
