/* One loss/gradient evaluation of an lbfgs linear model, as scikit-learn's
 * LinearModelLoss makes it: z = X w, the per-row logistic loss and
 * gradient (HalfBinomialLoss, float64), and X^T r. */
#include <math.h>

#include "kernels/cpu/cpu.h"

double dlp_logistic_loss_grad(const double *y, const double *raw, size_t n, double *grad)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		/* exp of -|raw| only: neither branch overflows */
		double z = raw[i], e = exp(-fabs(z));

		sum += (z > 0 ? z : 0) + log1p(e) - y[i] * z;
		grad[i] = (z > 0 ? 1 / (1 + e) : e / (1 + e)) - y[i];
	}
	return sum;
}

void dlp_gemv_f64(const double *x, size_t cols, const double *w, size_t r0, size_t r1, double *z)
{
	size_t i, j;

	for (i = r0; i < r1; i++) {
		const double *row = x + i * cols;
		double s = 0;

		for (j = 0; j < cols; j++)
			s += row[j] * w[j];
		z[i] = s;
	}
}

void dlp_gemv_t_f64(const double *x, size_t cols, const double *r, size_t r0, size_t r1, double *acc)
{
	size_t i, j;

	for (i = r0; i < r1; i++) {
		const double *row = x + i * cols;

		for (j = 0; j < cols; j++)
			acc[j] += row[j] * r[i];
	}
}
