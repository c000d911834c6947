/* The classical models from the measured classical kernels
 * (classical_measured.c), for classical.c. Private to estimator/. */
#ifndef DLPROBE_ESTIMATOR_CLASSICAL_IMPL_H
#define DLPROBE_ESTIMATOR_CLASSICAL_IMPL_H

#include "estimator/estimator.h"

/* Seconds for the model and its terms into out (terms, measured, formula);
 * NaN, out's terms untouched, when a kernel it needs was not measured. */
double dlp_classical_gbdt_measured(const dlp_profile *p, const dlp_classical *c, double rows, double feats,
				   dlp_classical_estimate *out);
double dlp_classical_forest_measured(const dlp_profile *p, const dlp_classical *c, double rows, double feats,
				     dlp_classical_estimate *out);
double dlp_classical_linear_measured(const dlp_profile *p, const dlp_classical *c, double rows, double feats,
				     dlp_classical_estimate *out);
/* A sized rate (a CART node of n rows, X of n bytes): linear in log2 n
 * between the measured sizes, the nearest outside them; at = 0 one thread,
 * 1 the whole CPU. 0 when none was measured. */
double dlp_sized_rate(const dlp_sized_rates *s, double n, int at);

#endif
