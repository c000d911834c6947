/* One loss/gradient evaluation of lbfgs logistic regression, in its two
 * parts: the logistic loss and gradient per row (exp, log1p and a division
 * in float64; scikit-learn runs it on one thread, xgboost's gradients run
 * on all), and the X w and X^T r passes over float64 X (a threaded BLAS in
 * numpy). X here stays in cache: the estimator bounds the passes by the
 * measured memory bandwidth as well. And the fresh pages of the row-length
 * arrays an evaluation allocates: numpy takes them from malloc, which maps
 * blocks above its threshold anew, so each is faulted in and zeroed by the
 * kernel at its first write (one thread: the loss writes its outputs on
 * one). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlprobe/json.h"
#include "kernels/cpu/bench_cpu.h"

enum { L_ROWS = 1 << 16, X_ROWS = 1 << 14, X_COLS = 32 };
/* Fresh memory per run: 3 MiB, below the 4 MiB from which numpy asks for
 * huge pages (madvise), as the arrays of up to 393,216 float64 rows; and
 * 8 MiB advised as numpy advises larger arrays (DLP_VARIANT_HUGEPAGE). */
#define FT_BYTES ((size_t)3 << 20)
#define FT_HUGE_BYTES ((size_t)8 << 20)

struct lin_rep {
	struct cpu *c;
	int threads, pass;       /* pass: X w and X^T r, else the loss */
	const double *y, *raw, *x, *w, *r;
	double *grad, *loss;     /* loss: per thread */
	double *z, *acc, *out;   /* acc: per thread X_COLS */
};

static void lin_thread(void *arg, int tid, int n)
{
	struct lin_rep *l = arg;
	size_t rows = l->pass ? X_ROWS : L_ROWS;
	size_t i0 = rows * (size_t)tid / (size_t)n, i1 = rows * (size_t)(tid + 1) / (size_t)n;
	double *acc = l->acc + (size_t)tid * X_COLS;
	size_t j;
	int t;

	if (!l->pass) {
		l->loss[tid] = dlp_logistic_loss_grad(l->y + i0, l->raw + i0, i1 - i0, l->grad + i0);
		return;
	}
	dlp_gemv_f64(l->x, X_COLS, l->w, i0, i1, l->z);
	memset(acc, 0, X_COLS * sizeof *acc);
	dlp_gemv_t_f64(l->x, X_COLS, l->r, i0, i1, acc);
	dlp_team_barrier(n > 1 ? l->c->team : NULL);
	if (tid == 0)
		for (j = 0; j < X_COLS; j++)
			for (l->out[j] = 0, t = 0; t < n; t++)
				l->out[j] += l->acc[(size_t)t * X_COLS + j];
}

static int lin_rep_fn(void *ctx, double *e)
{
	struct lin_rep *l = ctx;

	dlp_team_run(l->c->team, l->threads, lin_thread, l);
	return 0;
}

/* This run's output against the references (classical_check.c). */
static double lin_err(const struct lin_rep *l)
{
	double loss = 0;
	int t;

	if (l->pass)
		return dlp_gemv_check(l->x, X_ROWS, X_COLS, l->w, l->r, l->z, l->out);
	for (t = 0; t < l->threads; t++)
		loss += l->loss[t];
	return dlp_logistic_check(l->y, l->raw, L_ROWS, l->grad, loss);
}

static void lin_results(struct cpu *c, struct lin_rep *l)
{
	int t;

	for (l->pass = 0; l->pass < 2; l->pass++)
		for (t = 1; t >= 0; t--) {
			json_t *res;

			if (t == 0 && c->T == 1)
				continue;
			res = dlp_result_new(l->pass ? DLP_KERNEL_LINEAR_PASS : DLP_KERNEL_LOGISTIC_LOSS, "dlprobe",
					     "fp64");
			l->threads = t ? c->T : 1;
			dlp_cpu_note(c, "cpu: %s %d thread(s)", l->pass ? "X w, X^T r" : "logistic loss", l->threads);
			dlp_cpu_set_int(res, "threads", l->threads);
			dlp_cpu_set_int(res, "m", l->pass ? X_ROWS : L_ROWS);
			if (l->pass)
				dlp_cpu_set_int(res, "n", X_COLS);
			lin_rep_fn(l, NULL);
			if (l->pass)
				dlp_cpu_check_time(c, res, lin_err(l), 1e-12, "X w or X^T r", lin_rep_fn, l,
						   DLP_RATE_GFLOPS, 4e-9 * X_ROWS * X_COLS);
			else
				dlp_cpu_check_time(c, res, lin_err(l), 1e-12, "the loss or gradient", lin_rep_fn, l,
						   DLP_RATE_GROWS, 1e-9 * L_ROWS);
		}
}

struct touch_rep {
	size_t page, bytes;
	int huge;
};

/* Fresh memory of t's size and kind, touched once per page; the pages'
 * contents checked when bad is given. */
static int touch_once(const struct touch_rep *t, double *bad)
{
	void *base = NULL;
	size_t len = t->bytes;
	double *m = t->huge ? dlp_fresh_map_huge(t->bytes, &base, &len) : dlp_fresh_map(t->bytes);

	if (!m)
		return dlp_error_set("could not map %zu bytes of fresh memory", t->bytes);
	dlp_fresh_touch(m, t->bytes, t->page);
	if (bad)
		*bad = (double)dlp_fresh_check(m, t->bytes, t->page);
	dlp_fresh_unmap(t->huge ? base : m, len);
	return 0;
}

static int touch_rep_fn(void *ctx, double *e)
{
	(void)e;
	return touch_once(ctx, NULL);
}

/* One thread: map, fault in, unmap; checked once before it is timed. With
 * huge, the memory advised for huge pages as numpy advises arrays from 4
 * MiB: on the Zen 5 VM (transparent huge pages "madvise") its faults
 * zeroed 2 MiB at a time, more than 10x the small pages' rate. */
static void touch_result(struct cpu *c, int huge)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct touch_rep t = { .page = pg > 0 && FT_BYTES % (size_t)pg == 0 ? (size_t)pg : 4096,
			       .bytes = huge ? FT_HUGE_BYTES : FT_BYTES, .huge = huge };
	json_t *res = dlp_result_new(DLP_KERNEL_FIRST_TOUCH, "dlprobe", NULL);
	double bad = INFINITY;

	dlp_cpu_note(c, "cpu: first touch of fresh memory%s, 1 thread", huge ? " advised for huge pages" : "");
	if (huge)
		json_object_set_new(res, "variant", json_string(DLP_VARIANT_HUGEPAGE));
	dlp_cpu_set_int(res, "threads", 1);
	dlp_cpu_set_int(res, "bytes", (long long)t.bytes);
	(void)touch_once(&t, &bad);
	dlp_cpu_check_time(c, res, bad, 0, "a fresh page's contents", touch_rep_fn, &t, DLP_RATE_GBPS,
			   1e-9 * (double)t.bytes);
}

void dlp_cpu_linear_all(struct cpu *c)
{
	struct lin_rep l = { .c = c };
	double *y = malloc(L_ROWS * sizeof *y), *raw = malloc(L_ROWS * sizeof *raw);
	double *x = malloc((size_t)X_ROWS * X_COLS * sizeof *x), *w = malloc(X_COLS * sizeof *w);
	double *r = malloc(X_ROWS * sizeof *r);
	size_t i;

	l.grad = malloc(L_ROWS * sizeof *l.grad);
	l.loss = calloc((size_t)c->T, sizeof *l.loss);
	l.z = malloc(X_ROWS * sizeof *l.z);
	l.acc = malloc((size_t)c->T * X_COLS * sizeof *l.acc);
	l.out = malloc(X_COLS * sizeof *l.out);
	if (!y || !raw || !x || !w || !r || !l.grad || !l.loss || !l.z || !l.acc || !l.out) {
		dlp_cpu_skip(c, DLP_KERNEL_LOGISTIC_LOSS, "fp64", "could not allocate the linear model's data");
		goto out;
	}
	dlp_fill_normal_f64(raw, L_ROWS, 51);
	for (i = 0; i < L_ROWS; i++)
		y[i] = raw[i] + 0.5 * sin((double)i) > 0;
	dlp_fill_normal_f64(x, (size_t)X_ROWS * X_COLS, 52);
	dlp_fill_normal_f64(w, X_COLS, 53);
	dlp_fill_normal_f64(r, X_ROWS, 54);
	l.y = y, l.raw = raw, l.x = x, l.w = w, l.r = r;
	lin_results(c, &l);
	touch_result(c, 0);
	touch_result(c, 1);
out:
	free(y);
	free(raw);
	free(x);
	free(w);
	free(r);
	free(l.grad);
	free(l.loss);
	free(l.z);
	free(l.acc);
	free(l.out);
}
