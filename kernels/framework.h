/* The installed ML frameworks as configured (issue 9, `bench --framework`):
 * data/framework_probe.py runs in a child python with a time limit and
 * reports versions, BLAS and threading, per-op dispatch time, GEMM rates
 * through the framework, one reference MLP step, one xgboost hist fit, and
 * what slows them (oversubscription, a BLAS below the hardware, one thread
 * where several are allowed). */
#ifndef DLPROBE_KERNELS_FRAMEWORK_H
#define DLPROBE_KERNELS_FRAMEWORK_H

#include <jansson.h>

/* Whole-probe limit, seconds (python start and imports included). */
#define DLP_FRAMEWORK_TIMEOUT_S 9.5

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

#endif
