/* Human renderings of dlprobe documents. Each takes the JSON section the
 * library produced (fastfetch style: detection and JSON apart from printing)
 * and writes text to the stream the front end gives it. */
#ifndef DLPROBE_REPORT_H
#define DLPROBE_REPORT_H

#include <stdio.h>
#include <jansson.h>

struct dlp_style {
	const char *bold, *reset;
	int verbose;
};

void dlp_report_probe_text(FILE *out, const json_t *probe, const struct dlp_style *st);
/* "12.3 GiB", "48 KiB" — binary units, as the kernel and hwloc count them. */
const char *dlp_report_bytes(long long b, char *buf, size_t len);

#endif
