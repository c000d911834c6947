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

/* The framework probe's section of a bench document (bench --framework)
 * into a CPU profile: torch's dispatch time and GEMMs as the "as
 * configured" figures, its reference step, its pooling, and the bench's
 * figures at torch's thread count (cpu_dev: the CPU device's results).
 * estimator/fw_reference.c. 0, or -1 (out of memory). */
int dlp_profile_read_framework(dlp_profile *p, const json_t *fw, const json_t *cpu_dev);
/* The framework's reference training step (fw_ref_*) turned into the
 * per-step overhead of p: its measured time less the step the model
 * computes for it without overhead and less its operators at the measured
 * dispatch time. Call once every other figure is read. 0 (done, or a flag
 * says why not), or -1 (out of memory). */
int dlp_profile_fw_reference(dlp_profile *p);
/* torch's reference convolution (fw_conv_*) turned into fw_conv_factor:
 * its measured rate over the rate p's "as configured" fp32 GEMMs give its
 * im2col GEMMs here. Call once every rate is read. Always 0: what it cannot
 * use is flagged. */
int dlp_profile_fw_conv(dlp_profile *p);
/* One ReLU forward + backward record through the framework (bench
 * --framework's "act", or an --measure answer's): 1 with its fastest time
 * per element, its median over that (at least 1) and the elements timed,
 * when it is ok, verified and in range; else 0. */
int dlp_fw_act_read(const json_t *a, double *s, double *spread, double *elements);

#endif
