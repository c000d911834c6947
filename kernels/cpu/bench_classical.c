/* What remains of classical ML beside bench_gbdt.c, bench_sketch.c, bench_cart.c
 * and bench_linear.c: the plain GBDT histogram over all rows (the root
 * level) and dot/axpy. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "kernels/cpu/bench_cpu.h"

enum { HIST_NF = 32, HIST_BINS = 256, HIST_ROWS = 1 << 20 };

struct hist_rep {
	struct cpu *c;
	int threads;
	size_t rows;
	uint8_t *bins;
	float *grad, *hess;
	double *part;   /* threads x HIST_NF x HIST_BINS x 2 */
	double *out;
};

static void hist_thread(void *arg, int tid, int n)
{
	struct hist_rep *h = arg;
	const size_t cells = (size_t)HIST_NF * HIST_BINS * 2;
	size_t r0 = h->rows * (size_t)tid / (size_t)n, r1 = h->rows * (size_t)(tid + 1) / (size_t)n;
	double *mine = h->part + cells * (size_t)tid;

	memset(mine, 0, cells * sizeof *mine);
	dlp_hist_accumulate(h->bins, h->grad, h->hess, r0, r1, HIST_NF, HIST_BINS, mine);
	dlp_team_barrier(n > 1 ? h->c->team : NULL);
	dlp_hist_reduce(h->part, cells, tid, n, h->out);
}

static int hist_rep_fn(void *ctx, double *e)
{
	struct hist_rep *h = ctx;

	dlp_team_run(h->c->team, h->threads, hist_thread, h);
	return 0;
}

void dlp_cpu_hist_all(struct cpu *c)
{
	const size_t cells = (size_t)HIST_NF * HIST_BINS * 2;
	/* The same rows in --quick and --full, so both give the estimator the
	 * same rate: 2^20 rows x 32 features of bins (32 MiB, about a last-level
	 * cache, as the default scenario's 1M x 30 table). */
	struct hist_rep h = { .c = c, .rows = HIST_ROWS };
	double *ref = NULL, err = 0;
	uint64_t s = 88172645463325252ull;
	size_t i;
	int t;

	h.bins = malloc(h.rows * HIST_NF);
	h.grad = malloc(h.rows * sizeof *h.grad);
	h.hess = malloc(h.rows * sizeof *h.hess);
	h.part = malloc(cells * (size_t)c->T * sizeof *h.part);
	h.out = malloc(cells * sizeof *h.out);
	ref = calloc(cells, sizeof *ref);
	if (!h.bins || !h.grad || !h.hess || !h.part || !h.out || !ref) {
		json_t *res = dlp_result_new(DLP_KERNEL_HISTOGRAM, "dlprobe", "fp32");

		dlp_result_fail(res, DLP_STATUS_SKIPPED, "could not allocate the histogram data");
		json_array_append_new(c->results, res);
		goto out;
	}
	for (i = 0; i < h.rows * HIST_NF; i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		h.bins[i] = (uint8_t)(s >> 24);
	}
	dlp_fill_normal_f32(h.grad, h.rows, 5);
	for (i = 0; i < h.rows; i++)
		h.hess[i] = 0.25f + 0.5f * (float)(i & 1);
	dlp_hist_accumulate(h.bins, h.grad, h.hess, 0, h.rows, HIST_NF, HIST_BINS, ref);
	for (t = 1; t >= 0; t--) {
		json_t *res = dlp_result_new(DLP_KERNEL_HISTOGRAM, "dlprobe", "fp32");
		dlp_stats st = { 0 };

		if (t == 0 && c->T == 1)
			continue;
		h.threads = t ? c->T : 1;
		dlp_cpu_note(c, "cpu: histogram %d thread(s)", h.threads);
		dlp_cpu_set_int(res, "threads", h.threads);
		dlp_cpu_set_int(res, "m", (long long)h.rows);
		dlp_cpu_set_int(res, "n", HIST_NF);
		json_object_set_new(res, "bins", json_integer(HIST_BINS));
		dlp_cpu_set_int(res, "bytes", (long long)(h.rows * (HIST_NF + 8)));
		hist_rep_fn(&h, NULL);
		err = 0;
		for (i = 0; i < cells; i++) {
			double e = fabs(h.out[i] - ref[i]) / (fabs(ref[i]) + 1.0);

			if (!(e <= err))
				err = isnan(e) ? INFINITY : e;
		}
		json_object_set_new(res, "max_rel_err", dlp_json_real(err));
		if (!(err <= 1e-9))
			dlp_result_fail(res, DLP_STATUS_ERROR, "verification failed: histograms differ from the serial reference");
		else if (dlp_measure(hist_rep_fn, &h, &c->bud, &st) != 0)
			dlp_result_fail(res, DLP_STATUS_ERROR, dlp_error_message());
		else {
			json_object_set_new(res, "verified", json_true());
			dlp_result_set_stats(res, &st, DLP_RATE_GUPDATES, 1e-9 * (double)h.rows * HIST_NF);
		}
		dlp_stats_free(&st);
		json_array_append_new(c->results, res);
	}
out:
	free(h.bins);
	free(h.grad);
	free(h.hess);
	free(h.part);
	free(h.out);
	free(ref);
}

struct vec_rep {
	dlp_team *team;
	int threads, axpy;
	size_t n;
	float *x, *y;
	double *part;  /* one per thread */
	double sum;
};

static void vec_thread(void *arg, int tid, int n)
{
	struct vec_rep *v = arg;
	size_t i0 = v->n * (size_t)tid / (size_t)n, i1 = v->n * (size_t)(tid + 1) / (size_t)n;

	if (v->axpy)
		dlp_axpy(1.0f / 1024, v->x + i0, v->y + i0, i1 - i0);
	else
		v->part[tid] = dlp_dot(v->x + i0, v->y + i0, i1 - i0);
}

static int vec_rep_fn(void *ctx, double *e)
{
	struct vec_rep *v = ctx;
	int t;

	dlp_team_run(v->team, v->threads, vec_thread, v);
	if (!v->axpy)
		for (v->sum = 0, t = 0; t < v->threads; t++)
			v->sum += v->part[t];
	return 0;
}

void dlp_cpu_vec_all(struct cpu *c)
{
	struct vec_rep v = { .team = c->team, .n = c->o->full ? 1u << 25 : 1u << 23 };
	float *y0 = NULL;
	double ref = 0, mag = 0;
	size_t i;
	int t, ax;

	v.x = dlp_cpu_alloc(v.n * sizeof *v.x);
	v.y = dlp_cpu_alloc(v.n * sizeof *v.y);
	y0 = malloc(v.n * sizeof *y0);
	v.part = calloc((size_t)c->T, sizeof *v.part);
	if (!v.x || !v.y || !y0 || !v.part) {
		json_t *res = dlp_result_new(DLP_KERNEL_DOT, "dlprobe", "fp32");

		dlp_result_fail(res, DLP_STATUS_SKIPPED, "could not allocate the vectors");
		json_array_append_new(c->results, res);
		goto out;
	}
	dlp_fill_normal_f32(v.x, v.n, 11);
	dlp_fill_normal_f32(y0, v.n, 12);
	for (i = 0; i < v.n; i++) {
		ref += (double)v.x[i] * y0[i];
		mag += fabs((double)v.x[i] * y0[i]);
	}
	for (ax = 0; ax < 2; ax++) {
		for (t = 1; t >= 0; t--) {
			json_t *res = dlp_result_new(ax ? DLP_KERNEL_AXPY : DLP_KERNEL_DOT, "dlprobe", "fp32");
			dlp_stats st = { 0 };
			double err = 0, bytes = (ax ? 3.0 : 2.0) * v.n * sizeof(float);

			if (t == 0 && c->T == 1)
				continue;
			v.axpy = ax;
			v.threads = t ? c->T : 1;
			dlp_cpu_note(c, "cpu: %s %d thread(s)", ax ? "axpy" : "dot", v.threads);
			dlp_cpu_set_int(res, "n", (long long)v.n);
			dlp_cpu_set_int(res, "threads", v.threads);
			dlp_cpu_set_int(res, "bytes", (long long)bytes);
			memcpy(v.y, y0, v.n * sizeof *y0);
			vec_rep_fn(&v, NULL);
			if (ax) {
				for (i = 0; i < v.n; i++) {
					double want = (double)y0[i] + (double)v.x[i] / 1024;
					double e = fabs(v.y[i] - want) / (fabs(want) + 1.0);

					if (!(e <= err))
						err = isnan(e) ? INFINITY : e;
				}
			} else {
				err = fabs(v.sum - ref) / (mag + 1e-30);
			}
			json_object_set_new(res, "max_rel_err", dlp_json_real(err));
			if (!(err <= 1e-5))
				dlp_result_fail(res, DLP_STATUS_ERROR, "verification failed against the double-precision reference");
			else if (dlp_measure(vec_rep_fn, &v, &c->bud, &st) != 0)
				dlp_result_fail(res, DLP_STATUS_ERROR, dlp_error_message());
			else {
				json_object_set_new(res, "verified", json_true());
				dlp_result_set_stats(res, &st, DLP_RATE_GFLOPS, 2e-9 * (double)v.n);
				json_object_set_new(res, DLP_RATE_GBPS, dlp_json_real(1e-9 * bytes / st.median_s));
			}
			dlp_stats_free(&st);
			json_array_append_new(c->results, res);
		}
	}
out:
	free(v.x);
	free(v.y);
	free(y0);
	free(v.part);
}

