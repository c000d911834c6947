/* The classical kernels (gathered histogram, row partition, sort, bin
 * sketch, CART split, logistic loss, X w / X^T r, fresh pages) against their serial
 * references, and each reference check catching a wrong output: what the
 * bench relies on before a classical rate counts. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernels/cpu/cpu.h"

static uint64_t rng = 88172645463325252ull;

static uint32_t next(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

enum { ROWS = 777, NF = 5, NB = 16 };

static void fill_bins(uint8_t *bins, float *g, float *h)
{
	size_t i;

	for (i = 0; i < (size_t)ROWS * NF; i++)
		bins[i] = (uint8_t)(next() % NB);
	for (i = 0; i < ROWS; i++) {
		g[i] = (float)(next() % 1000) / 100 - 5;
		h[i] = 0.25f + (float)(i & 3);
	}
}

static void test_hist_gather(void **state)
{
	uint8_t bins[ROWS * NF];
	float g[ROWS], h[ROWS];
	uint32_t rows[ROWS];
	double got[NF * NB * 2] = { 0 }, want[NF * NB * 2] = { 0 };
	size_t i, n = 0;

	fill_bins(bins, g, h);
	for (i = 0; i < ROWS; i++)
		if (next() % 3 == 0)
			rows[n++] = (uint32_t)i;
	dlp_hist_gather(bins, g, h, rows, n, NF, NB, got);
	dlp_hist_gather_ref(bins, g, h, rows, n, NF, NB, want);
	assert_true(dlp_hist_rel_err(got, want, NF * NB * 2) == 0);
	/* a row counted twice is caught */
	dlp_hist_gather(bins, g, h, rows, 1, NF, NB, got);
	assert_true(dlp_hist_rel_err(got, want, NF * NB * 2) > 1e-9);
	got[3] = NAN;
	assert_true(isinf(dlp_hist_rel_err(got, want, NF * NB * 2)));
}

static void test_partition(void **state)
{
	uint8_t bins[ROWS * NF];
	float g[ROWS], h[ROWS];
	uint32_t rows[ROWS], l[ROWS], r[ROWS], got[ROWS], want[ROWS];
	size_t i, n = 0, nl;

	fill_bins(bins, g, h);
	for (i = 0; i < ROWS; i++)
		if (next() % 2)
			rows[n++] = (uint32_t)i;
	nl = dlp_rows_partition(bins, NF, 2, NB / 2, rows, n, l, r);
	memcpy(got, l, nl * sizeof *got);
	memcpy(got + nl, r, (n - nl) * sizeof *got);
	dlp_rows_partition_ref(bins, NF, 2, NB / 2, rows, n, want);
	assert_memory_equal(got, want, n * sizeof *got);
	for (i = 0; i < nl; i++)
		assert_true(bins[(size_t)got[i] * NF + 2] <= NB / 2);
	/* stable: each side in its old order */
	for (i = 1; i < n; i++)
		if (i != nl)
			assert_true(got[i] > got[i - 1]);
	/* another split is another order */
	dlp_rows_partition_ref(bins, NF, 3, NB / 2, rows, n, want);
	assert_memory_not_equal(got, want, n * sizeof *got);
}

static void test_sort_pairs(void **state)
{
	static const size_t lens[] = { 0, 1, 2, 3, 17, 1000, 5000 };
	size_t li, i, n;
	int kind;

	for (li = 0; li < sizeof lens / sizeof lens[0]; li++)
		for (kind = 0; kind < 4; kind++) {
			n = lens[li];
			float *k = malloc((n + 1) * sizeof *k), *orig = malloc((n + 1) * sizeof *orig);
			uint32_t *v = malloc((n + 1) * sizeof *v);

			for (i = 0; i < n; i++) {
				/* random, few distinct values, ascending, descending */
				orig[i] = kind == 0 ? (float)(next() % 100000) : kind == 1 ? (float)(next() % 3)
					: kind == 2 ? (float)i : (float)(n - i);
				k[i] = orig[i];
				v[i] = (uint32_t)i;
			}
			dlp_sort_pairs(k, v, n);
			for (i = 0; i < n; i++) {
				assert_true(k[i] == orig[v[i]]);
				if (i)
					assert_true(k[i - 1] <= k[i]);
			}
			free(k);
			free(orig);
			free(v);
		}
}

static void test_sketch(void **state)
{
	const size_t n = 5000;
	size_t nbins[] = { 4, 256 }, b, i, sc = dlp_sketch_scratch(n, 256);
	float *x = malloc(n * sizeof *x), *scratch = malloc(sc * sizeof *scratch), cuts[256];
	uint32_t *idx = malloc(sc * sizeof *idx);
	uint8_t *out = malloc(n);

	dlp_fill_normal_f32(x, n, 7);
	for (b = 0; b < 2; b++) {
		dlp_sketch_column(x, 1, n, nbins[b], scratch, idx, cuts, out, 1);
		assert_int_equal(dlp_sketch_check(x, 1, n, nbins[b], out, 1, scratch), 0);
		/* bins follow the values */
		for (i = 1; i < n; i++)
			if (x[i] > x[i - 1])
				assert_true(out[i] >= out[i - 1]);
			else if (x[i] < x[i - 1])
				assert_true(out[i] <= out[i - 1]);
		/* every bin holds values: the edges are quantiles */
		for (i = 0; i < n; i++)
			assert_true(out[i] < nbins[b]);
		out[10] ^= 1;
		assert_int_equal(dlp_sketch_check(x, 1, n, nbins[b], out, 1, scratch), 1);
	}
	free(x);
	free(scratch);
	free(idx);
	free(out);
}

static void test_cart_split(void **state)
{
	enum { N = 300, LD = 6 };
	float x[N * LD], xf[N];
	double y[N], w[N];
	intptr_t s[N], orig[N];
	int feats[] = { 0, 2, 5 }, weighted;
	dlp_cart_split got, bad;
	size_t i;

	dlp_fill_normal_f32(x, N * LD, 9);
	for (i = 0; i < N; i++) {
		y[i] = x[i * LD + 2] + 0.3f * x[i * LD] > 0.1f;
		w[i] = 1 + next() % 3;
	}
	for (weighted = 0; weighted < 2; weighted++) {
		const double *wp = weighted ? w : NULL;

		for (i = 0; i < N; i++)
			orig[i] = s[i] = (intptr_t)((i * 7) % N);
		dlp_cart_node_split(x, LD, y, wp, s, N, feats, 3, xf, &got);
		assert_int_equal(got.feature, 2);
		assert_true(dlp_cart_split_check(x, LD, y, wp, orig, N, feats, 3, &got) <= 1e-12);
		/* the samples are partitioned by the split */
		for (i = 0; i < N; i++)
			assert_true((x[(size_t)s[i] * LD + 2] <= got.threshold) == (i < got.left));
		bad = got, bad.improvement *= 1.01;
		assert_true(dlp_cart_split_check(x, LD, y, wp, orig, N, feats, 3, &bad) > 1e-12);
		bad = got, bad.gain += 1e-6;
		assert_true(dlp_cart_split_check(x, LD, y, wp, orig, N, feats, 3, &bad) > 1e-12);
		assert_true(got.gain > 0 && got.improvement < 0);
		bad = got, bad.feature = 5;
		assert_true(isinf(dlp_cart_split_check(x, LD, y, wp, orig, N, feats, 3, &bad)));
		bad = got, bad.threshold += 0.5f;
		assert_true(isinf(dlp_cart_split_check(x, LD, y, wp, orig, N, feats, 3, &bad)));
	}
	/* the weights count: checked without them, the weighted split fails */
	assert_true(dlp_cart_split_check(x, LD, y, NULL, orig, N, feats, 3, &got) > 1e-12);
	/* all values equal: no split */
	for (i = 0; i < N; i++)
		x[i * LD] = 1;
	dlp_cart_node_split(x, LD, y, NULL, s, N, feats, 1, xf, &got);
	assert_int_equal(got.feature, -1);
	assert_true(dlp_cart_split_check(x, LD, y, NULL, orig, N, feats, 1, &got) == 0);
}

static void test_logistic(void **state)
{
	enum { N = 1001 };
	double y[N], raw[N], grad[N], loss;
	size_t i;

	dlp_fill_normal_f64(raw, N, 3);
	for (i = 0; i < N; i++) {
		raw[i] *= 8;
		y[i] = (double)(next() & 1);
	}
	raw[0] = 40, raw[1] = -40, raw[2] = 0;
	loss = dlp_logistic_loss_grad(y, raw, N, grad);
	assert_true(dlp_logistic_check(y, raw, N, grad, loss) <= 1e-12);
	assert_true(dlp_logistic_check(y, raw, N, grad, loss * (1 + 1e-9)) > 1e-12);
	grad[500] += 1e-9;
	assert_true(dlp_logistic_check(y, raw, N, grad, loss) > 1e-12);
}

static void test_gemv(void **state)
{
	enum { R = 203, C = 7 };
	double x[R * C], w[C], r[R], z[R], xtr[C] = { 0 };

	dlp_fill_normal_f64(x, R * C, 4);
	dlp_fill_normal_f64(w, C, 5);
	dlp_fill_normal_f64(r, R, 6);
	dlp_gemv_f64(x, C, w, 0, 100, z);
	dlp_gemv_f64(x, C, w, 100, R, z);
	dlp_gemv_t_f64(x, C, r, 0, 50, xtr);
	dlp_gemv_t_f64(x, C, r, 50, R, xtr);
	assert_true(dlp_gemv_check(x, R, C, w, r, z, xtr) <= 1e-12);
	xtr[6] *= 1 + 1e-6;
	assert_true(dlp_gemv_check(x, R, C, w, r, z, xtr) > 1e-12);
	xtr[6] /= 1 + 1e-6;
	z[100] = -z[100];
	assert_true(dlp_gemv_check(x, R, C, w, r, z, xtr) > 1e-12);
	/* the sampled check: z on every 4th row, X^T r through r . z */
	z[100] = -z[100];
	assert_true(dlp_gemv_check_sampled(x, R, C, w, r, z, xtr, 4) <= 1e-12);
	xtr[2] += 1e-3;
	assert_true(dlp_gemv_check_sampled(x, R, C, w, r, z, xtr, 4) > 1e-12);
	xtr[2] -= 1e-3;
	z[8] = -z[8];
	assert_true(dlp_gemv_check_sampled(x, R, C, w, r, z, xtr, 4) > 1e-12);
}

static void test_fresh_touch(void **state)
{
	enum { PAGE = 4096, PAGES = 9 };
	const size_t bytes = (size_t)PAGE * PAGES;
	double *m = dlp_fresh_map(bytes);

	assert_non_null(m);
	dlp_fresh_touch(m, bytes, PAGE);
	assert_int_equal(dlp_fresh_check(m, bytes, PAGE), 0);
	/* a page left unwritten, a mark in the wrong word, a page not zeroed */
	m[3 * PAGE / 8 + 3] = 0;
	assert_int_equal(dlp_fresh_check(m, bytes, PAGE), 1);
	m[3 * PAGE / 8 + 4] = 4;
	assert_int_equal(dlp_fresh_check(m, bytes, PAGE), 2);
	m[3 * PAGE / 8 + 3] = 4, m[3 * PAGE / 8 + 4] = 0;
	m[8 * PAGE / 8 + 100] = 1e-300;
	assert_int_equal(dlp_fresh_check(m, bytes, PAGE), 1);
	dlp_fresh_unmap(m, bytes);
}

/* Memory advised for huge pages starts at a huge-page boundary and reads
 * as fresh memory whether or not the kernel honours the advice. */
static void test_fresh_touch_huge(void **state)
{
	const size_t bytes = 2 * DLP_HUGE_PAGE;
	void *base;
	size_t len;
	double *m = dlp_fresh_map_huge(bytes, &base, &len);

	assert_non_null(m);
	assert_int_equal((uintptr_t)m % DLP_HUGE_PAGE, 0);
	assert_true((char *)m >= (char *)base && (char *)m + bytes <= (char *)base + len);
	dlp_fresh_touch(m, bytes, 4096);
	assert_int_equal(dlp_fresh_check(m, bytes, 4096), 0);
	dlp_fresh_unmap(base, len);
}

/* A node's best split over every bin of every feature: dense (each
 * feature sums to the node: one scan), then with rows missing (the node
 * heavier than the features: the backward scan too); a wrong bin, a wrong
 * loss and a missed split are caught. The sibling by subtraction. */
static void test_gbdt_node(void **state)
{
	enum { F = 4, B = 32 };
	const dlp_gbdt_param prm = { 1, 0, 1, 0 };
	double hist[F * B * 2] = { 0 }, node[2] = { 0, 0 }, par[F * B * 2], sib[F * B * 2];
	dlp_gbdt_split s, w;
	int f, b, k;

	for (k = 0; k < 600; k++) {
		double p = (double)(1 + next() % 254) / 256, y = next() % 256 < p * 256;

		for (f = 0; f < F; f++) {
			b = f * B + (int)(next() % B) / (1 + (f == 2) * (y > 0)); /* feature 2 informative */
			hist[2 * b] += p - y, hist[2 * b + 1] += p * (1 - p);
		}
		node[0] += p - y, node[1] += p * (1 - p);
	}
	for (k = 0; k < 2; k++) {
		if (k) /* rows missing from every feature, on the right of the node */
			node[0] += 3, node[1] += 2;
		dlp_gbdt_split_init(&s);
		for (f = 0; f < F; f++)
			dlp_gbdt_feature_split(&prm, hist + 2 * f * B, B, node, dlp_gbdt_node_gain(&prm, node), f, &s);
		assert_true(s.feature == 2);
		assert_true(dlp_gbdt_split_check(&prm, hist, F, B, node, &s) <= 1e-5);
		w = s, w.bin += 1;
		assert_true(dlp_gbdt_split_check(&prm, hist, F, B, node, &w) > 1e-5);
		w = s, w.loss *= 1.01f;
		assert_true(dlp_gbdt_split_check(&prm, hist, F, B, node, &w) > 1e-5);
		w = s, w.missing_left = !w.missing_left;
		assert_true(dlp_gbdt_split_check(&prm, hist, F, B, node, &w) > 1e-5);
		dlp_gbdt_split_init(&w);
		assert_true(isinf(dlp_gbdt_split_check(&prm, hist, F, B, node, &w)));
	}
	for (k = 0; k < F * B * 2; k++)
		par[k] = hist[k] + (double)(next() % 100);
	dlp_hist_subtract(sib, par, hist, 0, F * B);
	dlp_hist_subtract(sib, par, hist, F * B, F * B * 2);
	for (k = 0; k < F * B * 2; k++)
		assert_true(sib[k] + hist[k] == par[k]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_gather),
		cmocka_unit_test(test_partition),
		cmocka_unit_test(test_sort_pairs),
		cmocka_unit_test(test_sketch),
		cmocka_unit_test(test_cart_split),
		cmocka_unit_test(test_logistic),
		cmocka_unit_test(test_gemv),
		cmocka_unit_test(test_fresh_touch),
		cmocka_unit_test(test_fresh_touch_huge),
		cmocka_unit_test(test_gbdt_node),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
