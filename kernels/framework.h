/* The installed ML frameworks as configured (issue 9, `bench --framework`):
 * data/framework_probe.py runs in a child python with a time limit and
 * reports versions, BLAS and threading, per-op dispatch time, GEMM rates
 * through the framework, one reference MLP step, one xgboost hist fit, and
 * what slows them (oversubscription, a BLAS below the hardware, one thread
 * where several are allowed). */
#ifndef DLPROBE_KERNELS_FRAMEWORK_H
#define DLPROBE_KERNELS_FRAMEWORK_H

#include <jansson.h>

/* Whole-probe limit, seconds (python start and imports included); the
 * text is the same literal, for --help. */
#define DLP_FRAMEWORK_TIMEOUT_S 9.5
#define DLP_FRAMEWORK_STR_(x) #x
#define DLP_FRAMEWORK_STR(x) DLP_FRAMEWORK_STR_(x)
#define DLP_FRAMEWORK_TIMEOUT_TEXT DLP_FRAMEWORK_STR(DLP_FRAMEWORK_TIMEOUT_S)

/* The "framework" section: {"status", "reason", "python", "elapsed_s",
 * "frameworks": {"torch"|"xgboost"|"sklearn"|"lightgbm": {"status", ...}},
 * "threadpools", "findings"}. The interpreter is DLPROBE_PYTHON, else
 * /usr/bin/python3 (Debian's frameworks), else python3 on PATH. A python
 * that is missing is "unavailable"; one that hangs past timeout_s, crashes,
 * exits non-zero or prints no JSON is "error" with the reason, and keeps
 * the parts it printed before (each with its own status; the probe skips
 * a part, with the reason, once its budget is spent). isa_best
 * (e.g. "avx2") lets the probe say when a BLAS runs below it. Never NULL
 * (out of memory aside). */
json_t *dlp_framework_probe(double timeout_s, const char *isa_best);

/* The script's own budget, of the hard limit: the rest lets the interpreter
 * print and exit before it is killed. */
#define DLP_FW_BUDGET_SHARE 0.75
/* The variable that names the file holding a conv request, for the child. */
#define DLP_FW_CONV_FILE_ENV "DLPROBE_FW_CONV_FILE"
/* What python and torch's import take, beyond a conv request's budget. */
#define DLP_FRAMEWORK_IMPORT_S 2.5

/* A workload's own convolutions and activations timed through torch
 * (estimate --measure): convs is a request's "conv" list
 * (estimator/shapes.c), acts its activation sizes ([{"op", "elements"}]),
 * batch the step's. Returns {"status", "reason", "python", "elapsed_s",
 * "torch": {"status", "version", "threads"}, "conv": [the entries with
 * "status", "verified", "max_rel_err", "timed_batch", "threads",
 * "fwd_bwd_s" and "fwd_bwd_median_s" (per sample: the fastest and the
 * median call), "reps", "windows"; or a reason], "activation": [the entries
 * with "status", "verified", "timed_elements", "fwd_bwd_s_per_elem",
 * "fwd_bwd_median_s_per_elem", "reps"]}: the activations first, then the
 * convolutions, the most work first, within budget_s plus what the import
 * leaves of DLP_FRAMEWORK_IMPORT_S (the activations in a quarter of it; a
 * convolution is not started where its check's time says it would not
 * fit), the rest "skipped". The child and its failures as for
 * dlp_framework_probe. NULL only on out of memory. */
json_t *dlp_framework_conv(const json_t *convs, const json_t *acts, int batch, double budget_s);

#endif
