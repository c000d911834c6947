/* What estimator/profile.c (catalog, rates at a shape) and
 * estimator/profile_bench.c (bench documents) share; not a public API. */
#ifndef DLPROBE_ESTIMATOR_PROFILE_IMPL_H
#define DLPROBE_ESTIMATOR_PROFILE_IMPL_H

#include "estimator/estimator.h"

/* A flag: what was assumed or missing, said in the estimate. */
void dlp_profile_flag(dlp_profile *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Where a figure came from. */
void dlp_profile_source(dlp_profile *p, const char *key, const char *src);
/* An empty profile with its flags, sources and assumed classical costs. */
int dlp_profile_init(dlp_profile *p, const char *name, const char *kind);
/* One measured GEMM point into a rate set. */
int dlp_rates_add(dlp_rateset *rs, enum dlp_dtype dt, double m, double n, double k, double g);

#endif
