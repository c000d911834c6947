/* One loss/gradient evaluation of an lbfgs linear model, as scikit-learn's
 * LinearModelLoss makes it: z = X w, the per-row logistic loss and
 * gradient (HalfBinomialLoss, float64), and X^T r; and the fresh memory
 * its new row-length arrays are (numpy's allocations above glibc's mmap
 * threshold come back from the kernel as new, unfaulted pages). */
#include <math.h>
#include <stdint.h>
#include <sys/mman.h>

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
	size_t i = r0, j;

	/* four rows at a time, as a BLAS dgemv_t does: four independent sums
	 * in flight rather than one chain of dependent adds; each row's own
	 * sum keeps its order */
	for (; i + 4 <= r1; i += 4) {
		const double *a = x + i * cols, *b = a + cols, *c = b + cols, *d = c + cols;
		double s0 = 0, s1 = 0, s2 = 0, s3 = 0;

		for (j = 0; j < cols; j++) {
			s0 += a[j] * w[j];
			s1 += b[j] * w[j];
			s2 += c[j] * w[j];
			s3 += d[j] * w[j];
		}
		z[i] = s0, z[i + 1] = s1, z[i + 2] = s2, z[i + 3] = s3;
	}
	for (; i < r1; i++) {
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

double *dlp_fresh_map(size_t bytes)
{
	void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return m == MAP_FAILED ? NULL : m;
}

double *dlp_fresh_map_huge(size_t bytes, void **base, size_t *len)
{
	char *m, *a;

	*len = bytes + DLP_HUGE_PAGE;
	m = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		*base = NULL;
		return NULL;
	}
	*base = m;
	a = (char *)(((uintptr_t)m + DLP_HUGE_PAGE - 1) & ~(uintptr_t)(DLP_HUGE_PAGE - 1));
	/* as numpy advises its large arrays; where transparent huge pages are
	 * off the advice does nothing and this measures small pages again */
	(void)madvise(a, bytes, MADV_HUGEPAGE);
	return (double *)a;
}

void dlp_fresh_touch(double *mem, size_t bytes, size_t page)
{
	size_t words = page / sizeof *mem, k;

	/* one word per page, a different one in each: the first write of a
	 * new array faults its pages in whichever word it writes first */
	for (k = 0; k < bytes / page; k++)
		mem[k * words + k % words] = (double)(k + 1);
}

void dlp_fresh_unmap(double *mem, size_t bytes)
{
	if (mem)
		munmap(mem, bytes);
}
