/* The compact bench table (report/bench_text.c). */
#ifndef DLPROBE_REPORT_BENCH_TEXT_H
#define DLPROBE_REPORT_BENCH_TEXT_H

#include <stdio.h>
#include <jansson.h>

#include "report/report.h"

/* One block per device: kernel, dtype, shape, threads, rate, % of measured
 * peak, vs system BLAS; failed results with their reason; findings. */
void dlp_report_bench_text(FILE *out, const json_t *bench, const struct dlp_style *st);

#endif
