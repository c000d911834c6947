/* The workload's own shapes timed on this machine (issue 9, `estimate
 * --measure`): the request estimator/shapes.c builds from a model, answered
 * with the system BLAS and dlprobe's kernels inside a time budget. */
#ifndef DLPROBE_KERNELS_MEASURE_H
#define DLPROBE_KERNELS_MEASURE_H

#include <jansson.h>

/* Default budget of one request, seconds. */
#define DLP_MEASURE_BUDGET_S 4.0

/* The request's convolutions ("conv") are timed through the framework its
 * "conv_through" names (DLP_MEASURE_CONV_TORCH: kernels/framework.h), in
 * this share of the budget (the rest is the GEMMs' and operators'), plus
 * the framework's import; without one they are "skipped", with
 * DLP_MEASURE_NO_FRAMEWORK. */
#define DLP_MEASURE_CONV_SHARE 0.5
/* A request's batch beyond this is refused (the framework gets an int). */
#define DLP_MEASURE_MAX_BATCH 1e7
#define DLP_MEASURE_CONV_TORCH "torch"
#define DLP_MEASURE_NO_FRAMEWORK "not timed: the bench document measured no framework to run them (bench " \
	"--framework)"

/* A copy of request with, per GEMM entry, "timed_as" {m,n,k} (the largest
 * dimension cut to keep one call under a GFLOP; the rate is flat in it
 * past a few hundred rows) and "results" [{impl, status, reason, verified,
 * max_rel_err, rate_gflops}] for "blas" and "dlprobe"; per elementwise entry
 * "timed_elements", "status" and "rate_gbps" (input + output bytes, fp32).
 * Shapes left when the budget is spent are "skipped" with the reason. Each
 * "conv" entry gets the framework's answer (dlp_framework_conv) or a status
 * saying why not, and "conv_probe" the framework child's own status.
 * threads <= 0: every CPU this process may use. NULL only on out of memory. */
json_t *dlp_measure_workload(const json_t *request, double budget_s, int threads);

#endif
