/* The serial references the classical kernels are checked against before
 * their time counts (bench_gbdt.c, bench_sketch.c, bench_cart.c,
 * bench_linear.c). Each is written another way than the kernel it checks:
 * a bug shared by both would otherwise pass. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/cpu/cpu.h"

static double worst(double err, double e)
{
	if (isnan(e))
		return INFINITY;
	return e > err ? e : err;
}

double dlp_hist_rel_err(const double *got, const double *want, size_t n)
{
	double err = 0;
	size_t i;

	for (i = 0; i < n; i++)
		err = worst(err, fabs(got[i] - want[i]) / (fabs(want[i]) + 1.0));
	return err;
}

void dlp_hist_gather_ref(const uint8_t *bins, const float *grad, const float *hess, const uint32_t *rows,
			 size_t n, size_t nf, size_t nbins, double *hist)
{
	size_t i;

	/* the whole-table kernel, one row at a time */
	for (i = 0; i < n; i++)
		dlp_hist_accumulate(bins, grad, hess, rows[i], (size_t)rows[i] + 1, nf, nbins, hist);
}

void dlp_rows_partition_ref(const uint8_t *bins, size_t nf, size_t f, unsigned split, const uint32_t *rows,
			    size_t n, uint32_t *out)
{
	size_t i, k = 0;
	int side;

	/* one pass per side, in order */
	for (side = 0; side < 2; side++)
		for (i = 0; i < n; i++)
			if ((bins[(size_t)rows[i] * nf + f] > split) == side)
				out[k++] = rows[i];
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

/* Equal-rank picks of v[0..n) sorted by libc into out. */
static size_t ref_ranks(float *v, size_t n, size_t k, float *out)
{
	size_t b;

	qsort(v, n, sizeof *v, cmp_float);
	k = k < n ? k : n;
	for (b = 0; b < k; b++)
		out[b] = v[(b + 1) * n / k - 1];
	return k;
}

size_t dlp_sketch_check(const float *x, size_t xstride, size_t n, size_t nbins, const uint8_t *got, size_t stride,
			float *scratch)
{
	float *sum = scratch + n, cuts[256];
	size_t i, b, ns = 0, nc, bad = 0;

	if (n == 0 || nbins < 2 || nbins > 256)
		return n;
	for (i = 0; i < n; i++)
		scratch[i] = x[i * xstride];
	for (b = 0; b < n; b += DLP_SKETCH_BLOCK)
		ns += ref_ranks(scratch + b, n - b < DLP_SKETCH_BLOCK ? n - b : DLP_SKETCH_BLOCK, nbins, sum + ns);
	nc = ref_ranks(sum, ns, nbins - 1, cuts);
	for (i = 0; i < n; i++) {
		unsigned k = 0;

		/* a linear count of the edges below the value */
		while (k < nc && cuts[k] < x[i * xstride])
			k++;
		bad += got[i * stride] != k;
	}
	return bad;
}

struct vl {
	float v;
	int y;
	double w;
};

static int cmp_vl(const void *a, const void *b)
{
	return cmp_float(&((const struct vl *)a)->v, &((const struct vl *)b)->v);
}

/* scikit-learn's proxy, -n_r gini_r - n_l gini_l, is the sum of squares
 * over counts above less the node's weight. */
static double cart_proxy_err(const double *tot, double best, const dlp_cart_split *got)
{
	double want = best - (tot[0] + tot[1]);

	return fabs(want - got->improvement) / fabs(want);
}

/* impurity_improvement with the node as the whole tree: the parent's Gini
 * less the children's, each weighted by its share. A Gini decrease lies in
 * [0, 1): its absolute error (a pure node's is 0). */
static double cart_gain_err(const double *tot, const double *l, const dlp_cart_split *got)
{
	double n = tot[0] + tot[1], nl = l[0] + l[1], nr = n - nl, r0 = tot[0] - l[0], r1 = tot[1] - l[1];
	double parent = 1 - (tot[0] * tot[0] + tot[1] * tot[1]) / (n * n);
	double gl = 1 - (l[0] * l[0] + l[1] * l[1]) / (nl * nl), gr = 1 - (r0 * r0 + r1 * r1) / (nr * nr);
	double want = parent - nl / n * gl - nr / n * gr;

	return fabs(want - got->gain);
}

double dlp_cart_split_check(const float *x, size_t ld, const double *y, const double *w, const intptr_t *samples,
			    size_t n, const int *feats, int nfeats, const dlp_cart_split *got)
{
	struct vl *p = malloc((n ? n : 1) * sizeof *p);
	double best = -1, tot[2] = { 0, 0 }, bl[2] = { 0, 0 }, err = INFINITY;
	float thr = 0;
	int bf = -1, j;
	size_t i, left = 0;

	if (!p)
		return INFINITY;
	for (i = 0; i < n; i++)
		tot[(int)y[samples[i]] & 1] += w ? w[samples[i]] : 1;
	for (j = 0; j < nfeats; j++) {
		double l[2] = { 0, 0 };

		for (i = 0; i < n; i++)
			p[i] = (struct vl){ x[(size_t)samples[i] * ld + (size_t)feats[j]], (int)y[samples[i]] & 1,
					    w ? w[samples[i]] : 1 };
		qsort(p, n, sizeof *p, cmp_vl);
		/* the two children's sums at every boundary between values */
		for (i = 1; i < n; i++) {
			double nl, nr, g;

			l[p[i - 1].y] += p[i - 1].w;
			if (p[i].v <= p[i - 1].v + 1e-7f)
				continue;
			nl = l[0] + l[1], nr = tot[0] + tot[1] - nl;
			g = (l[0] * l[0] + l[1] * l[1]) / nl +
			    ((tot[0] - l[0]) * (tot[0] - l[0]) + (tot[1] - l[1]) * (tot[1] - l[1])) / nr;
			if (bf < 0 || g > best) {
				best = g, bf = feats[j], thr = p[i - 1].v / 2.0f + p[i].v / 2.0f;
				bl[0] = l[0], bl[1] = l[1];
			}
		}
	}
	if (bf == got->feature) {
		err = bf < 0 ? 0 : fmax(cart_proxy_err(tot, best, got), cart_gain_err(tot, bl, got));
		if (bf >= 0 && fabs(thr - got->threshold) > 1e-6 * (1 + fabs(thr)))
			err = INFINITY;
		for (i = 0; bf >= 0 && i < n; i++)
			left += x[(size_t)samples[i] * ld + (size_t)bf] <= got->threshold;
		if (bf >= 0 && left != got->left)
			err = INFINITY;
	}
	free(p);
	return err;
}

/* The closed-form gain of a candidate, children's sums given (an empty
 * right child adds nothing). */
static double ref_gain(const dlp_gbdt_param *p, double gl, double hl, double gr, double hr)
{
	double tl = fabs(gl) > p->alpha ? fabs(gl) - p->alpha : 0, tr = fabs(gr) > p->alpha ? fabs(gr) - p->alpha : 0;

	return tl * tl / (hl + p->lambda) + tr * tr / (hr + p->lambda);
}

/* Candidate b of feature f from the prefix sums pre (pre[2 (b+1)]: bins
 * 0..b): its gain over the node's, or -INFINITY when a child is too light. */
static double ref_candidate(const dlp_gbdt_param *p, const double *pre, int nbins, const double node[2], int b,
			    int missing_left)
{
	double l[2] = { pre[2 * (b + 1)], pre[2 * (b + 1) + 1] }, r[2];
	double tn = fabs(node[0]) > p->alpha ? fabs(node[0]) - p->alpha : 0;

	if (missing_left)
		l[0] += node[0] - pre[2 * nbins], l[1] += node[1] - pre[2 * nbins + 1];
	r[0] = node[0] - l[0], r[1] = node[1] - l[1];
	if (!(l[1] >= p->min_child_weight && r[1] >= p->min_child_weight))
		return -INFINITY;
	return ref_gain(p, l[0], l[1], r[0], r[1]) - tn * tn / (node[1] + p->lambda);
}

double dlp_gbdt_split_check(const dlp_gbdt_param *p, const double *hist, int nf, int nbins, const double node[2],
			    const dlp_gbdt_split *got)
{
	double *pre = malloc(2 * ((size_t)nbins + 1) * sizeof *pre), best = 0, at = -INFINITY, err = INFINITY;
	int f, b, m;

	if (!pre || p->max_delta_step != 0)
		goto out;
	for (f = 0; f < nf; f++) {
		const double *fh = hist + 2 * (size_t)f * (size_t)nbins;

		pre[0] = pre[1] = 0;
		for (b = 0; b < nbins; b++)
			pre[2 * (b + 1)] = pre[2 * b] + fh[2 * b], pre[2 * (b + 1) + 1] = pre[2 * b + 1] + fh[2 * b + 1];
		/* missing on the left is a candidate only where rows are missing */
		for (m = 0; m < 1 + (pre[2 * nbins] != node[0] || pre[2 * nbins + 1] != node[1]); m++)
			for (b = m ? -1 : 0; b < nbins - (m ? 1 : 0); b++) {
				double g = ref_candidate(p, pre, nbins, node, b, m);

				best = fmax(best, g);
				if (f == got->feature && b == got->bin && m == got->missing_left)
					at = g;
			}
	}
	if (got->feature < 0)
		err = best > 0 ? INFINITY : 0;
	else if (isfinite(at) && best > 0)
		/* the float loss is a difference of the children's and the node's
		 * gains, each rounded: relative to their sum */
		err = fmax(fabs(got->loss - at), best - at) / (best + ref_gain(p, node[0], node[1], 0, 0));
out:
	free(pre);
	return err;
}

double dlp_logistic_check(const double *y, const double *raw, size_t n, const double *grad, double loss)
{
	long double s = 0;
	double err = 0;
	size_t i;

	/* the textbook forms, in long double where they would overflow */
	for (i = 0; i < n; i++) {
		s += log1pl(expl(raw[i])) - (long double)y[i] * raw[i];
		err = worst(err, fabs(grad[i] - (1 / (1 + exp(-raw[i])) - y[i])));
	}
	return worst(err, fabs(loss - (double)s) / (fabs((double)s) + 1e-300));
}

double dlp_gemv_check(const double *x, size_t rows, size_t cols, const double *w, const double *r, const double *z,
		      const double *xtr)
{
	double err = 0;
	size_t i, j;

	for (i = 0; i < rows; i++) {
		long double s = 0, m = 0;

		for (j = 0; j < cols; j++) {
			s += (long double)x[i * cols + j] * w[j];
			m += fabsl((long double)x[i * cols + j] * w[j]);
		}
		err = worst(err, fabs(z[i] - (double)s) / ((double)m + 1e-300));
	}
	for (j = 0; j < cols; j++) {
		long double s = 0, m = 0;

		for (i = 0; i < rows; i++) {
			s += (long double)x[i * cols + j] * r[i];
			m += fabsl((long double)x[i * cols + j] * r[i]);
		}
		err = worst(err, fabs(xtr[j] - (double)s) / ((double)m + 1e-300));
	}
	return err;
}

double dlp_gemv_check_sampled(const double *x, size_t rows, size_t cols, const double *w, const double *r,
			      const double *z, const double *xtr, size_t stride)
{
	long double s, m, rz = 0, rzm = 0, wx = 0, wxm = 0;
	double err = 0;
	size_t i, j;

	for (i = 0; i < rows; i += stride ? stride : 1) {
		for (s = 0, m = 0, j = 0; j < cols; j++) {
			s += (long double)x[i * cols + j] * w[j];
			m += fabsl((long double)x[i * cols + j] * w[j]);
		}
		err = worst(err, fabs(z[i] - (double)s) / ((double)m + 1e-300));
	}
	for (i = 0; i < rows; i++) {
		rz += (long double)r[i] * z[i];
		rzm += fabsl((long double)r[i] * z[i]);
	}
	for (j = 0; j < cols; j++) {
		wx += (long double)w[j] * xtr[j];
		wxm += fabsl((long double)w[j] * xtr[j]);
	}
	return worst(err, (double)(fabsl(rz - wx) / (rzm + wxm + 1e-300L)));
}

size_t dlp_fresh_check(const double *mem, size_t bytes, size_t page)
{
	size_t words = page / sizeof *mem, i, bad = 0;

	/* word by word: the page's own number where its mark belongs, the
	 * kernel's zero fill everywhere else */
	for (i = 0; i < bytes / sizeof *mem; i++) {
		size_t pg = i / words;
		double want = i % words == pg % words ? (double)(pg + 1) : 0.0;

		bad += mem[i] != want;
	}
	return bad;
}
