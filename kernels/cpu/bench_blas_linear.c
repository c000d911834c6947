/* The linear model's passes as scikit-learn really runs them: X w and
 * X^T r through the system BLAS's cblas_dgemv, in the BLAS child, at
 * three sizes of float64 X: one in the caches (dlprobe's own linear_pass
 * shape), one the size of the last-level cache (which a VM shares with
 * its neighbours: on the Zen 5 VM scikit-learn's passes over a 32 MiB X
 * already ran at the rate from memory), and one several times it, where
 * the passes stream X from memory at whatever rate this library's gemv
 * reaches (there 24-27 GB/s, where the stream triad read 25-44). */
#include <math.h>
#include <stdlib.h>

#include "dlprobe/json.h"
#include "kernels/cpu/bench_cpu.h"

enum { LB_COLS = 32, LB_CACHE_ROWS = 1 << 14, LB_Z_STRIDE = 16 };
/* The size out of the caches: LB_LLC_TIMES the last-level cache, within
 * [LB_MIN_BYTES, LB_MAX_BYTES], and at most a quarter of the memory the
 * process may use. */
#define LB_LLC_TIMES 4
#define LB_MIN_BYTES ((long long)64 << 20)
#define LB_MAX_BYTES ((long long)256 << 20)
/* A wrong pass is off by O(1); a right one by the rounding of a sum over
 * millions of rows in the library's own order (rows x eps at worst). */
#define LB_TOL 1e-8

struct lb_rep {
	dlp_blas *b;
	size_t rows;
	const double *x, *w, *r;
	double *z, *xtr;
};

static int lb_rep_fn(void *ctx, double *e)
{
	struct lb_rep *l = ctx;

	(void)e;
	return dlp_blas_dgemv_pair(l->b, l->rows, LB_COLS, l->x, l->w, l->r, l->z, l->xtr);
}

static long long lb_big_bytes(const struct cpu *c)
{
	long long bytes = c->l3 > 0 ? LB_LLC_TIMES * c->l3 : LB_MIN_BYTES;

	if (bytes < LB_MIN_BYTES)
		bytes = LB_MIN_BYTES;
	if (bytes > LB_MAX_BYTES)
		bytes = LB_MAX_BYTES;
	if (c->mem > 0 && bytes > c->mem / 4)
		return -1;
	return bytes;
}

static size_t lb_rows_max(const struct cpu *c)
{
	long long big = lb_big_bytes(c), row = LB_COLS * (long long)sizeof(double);

	return (size_t)((big > 0 ? big : c->l3 > 0 ? c->l3 : LB_CACHE_ROWS * row) / row);
}

long long dlp_cpu_blas_linear_bytes(const struct cpu *c)
{
	size_t rows = lb_rows_max(c);

	return (long long)((rows * LB_COLS + 2 * rows + 2 * LB_COLS) * sizeof(double));
}

/* One size at 1 and at T threads into out; a size that cannot be allocated
 * is a skipped result that says so. */
static void lb_size(struct cpu *c, dlp_blas *b, size_t rows, json_t *out)
{
	struct lb_rep l = { .b = b, .rows = rows };
	double *x = malloc(rows * LB_COLS * sizeof *x), *w = malloc(LB_COLS * sizeof *w);
	double *r = malloc(rows * sizeof *r), *z = malloc(rows * sizeof *z), *xtr = malloc(LB_COLS * sizeof *xtr);
	json_t *keep = c->results;
	int t;

	if (!x || !w || !r || !z || !xtr) {
		json_t *res = dlp_result_new(DLP_KERNEL_LINEAR_PASS, "blas", "fp64");

		dlp_cpu_set_int(res, "m", (long long)rows);
		dlp_result_fail(res, DLP_STATUS_SKIPPED, "could not allocate the linear model's data");
		json_array_append_new(out, res);
		goto out;
	}
	dlp_fill_uniform_f64(x, rows * LB_COLS, 61);
	dlp_fill_uniform_f64(w, LB_COLS, 62);
	dlp_fill_uniform_f64(r, rows, 63);
	l.x = x, l.w = w, l.r = r, l.z = z, l.xtr = xtr;
	/* dlp_cpu_check_time appends to c->results: here, to the answer */
	c->results = out;
	for (t = 0; t < 2; t++) {
		int threads = t ? c->T : 1;
		json_t *res;
		double err = INFINITY;

		if (t && c->T == 1)
			break;
		res = dlp_result_new(DLP_KERNEL_LINEAR_PASS, "blas", "fp64");
		dlp_cpu_set_int(res, "threads", threads);
		dlp_cpu_set_int(res, "m", (long long)rows);
		dlp_cpu_set_int(res, "n", LB_COLS);
		dlp_cpu_set_int(res, "bytes", (long long)(rows * LB_COLS * sizeof *x));
		(void)dlp_cpu_blas_threads(b, threads, res);
		if (lb_rep_fn(&l, NULL) == 0)
			err = dlp_gemv_check_sampled(l.x, rows, LB_COLS, l.w, l.r, l.z, l.xtr, LB_Z_STRIDE);
		dlp_cpu_check_time(c, res, err, LB_TOL, "the BLAS's X w or X^T r", lb_rep_fn, &l, DLP_RATE_GFLOPS,
				   4e-9 * (double)rows * LB_COLS);
	}
out:
	c->results = keep;
	free(x);
	free(w);
	free(r);
	free(z);
	free(xtr);
}

void dlp_cpu_blas_linear(struct cpu *c, dlp_blas *b, json_t *out)
{
	long long big = lb_big_bytes(c), row = LB_COLS * (long long)sizeof(double);
	double one = 1, z, xtr;

	/* no scenario of the default run reads them (scripts/
	 * noise_sensitivity.py): a focused re-run leaves them be */
	if (c->o->focus)
		return;
	/* a library without cblas_dgemv: said once, nothing timed */
	if (dlp_blas_dgemv_pair(b, 1, 1, &one, &one, &one, &z, &xtr) != 0) {
		json_t *res = dlp_result_new(DLP_KERNEL_LINEAR_PASS, "blas", "fp64");

		dlp_result_fail(res, DLP_STATUS_UNAVAILABLE, dlp_error_message());
		json_array_append_new(out, res);
		return;
	}
	lb_size(c, b, LB_CACHE_ROWS, out);
	if (c->l3 > 2 * LB_CACHE_ROWS * row && (big < 0 || c->l3 < big))
		lb_size(c, b, (size_t)(c->l3 / row), out);
	if (big > 0)
		lb_size(c, b, (size_t)(big / row), out);
}
