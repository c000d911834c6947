/* The per-node work of a histogram GBDT level that does not depend on the
 * node's rows, as xgboost 1.7 hist does it (docs/estimator.md, "GBDT per
 * node"): the sibling's histogram by subtraction (SubtractionHist in
 * HistogramBuilder::SyncHistogramLocal) and every bin of every feature tried
 * as a split (HistEvaluator::EnumerateSplit), the gain of each valid one
 * computed by an out-of-line call as in the library's binary
 * (TreeEvaluator::SplitEvaluator::CalcSplitGain: both children's weights,
 * then both gains). */
#include <math.h>

#include "kernels/cpu/cpu.h"

static double threshold_l1(double w, double alpha)
{
	if (w > alpha)
		return w - alpha;
	if (w < -alpha)
		return w + alpha;
	return 0;
}

static double leaf_weight(const dlp_gbdt_param *p, double g, double h)
{
	double dw;

	if (h < p->min_child_weight || h <= 0)
		return 0;
	dw = -threshold_l1(g, p->alpha) / (h + p->lambda);
	if (p->max_delta_step != 0 && fabs(dw) > p->max_delta_step)
		dw = copysign(p->max_delta_step, dw);
	return dw;
}

static float gain_given_weight(const dlp_gbdt_param *p, double g, double h, float w)
{
	double t;

	if (h <= 0)
		return 0;
	if (p->max_delta_step == 0) {
		t = threshold_l1(g, p->alpha);
		return (float)(t * t / (h + p->lambda));
	}
	return (float)(-(2 * g * w + (h + p->lambda) * (double)w * w) - 2 * p->alpha * fabs((double)w));
}

__attribute__((noinline)) float dlp_gbdt_split_gain(const dlp_gbdt_param *p, double gl, double hl, double gr,
						    double hr)
{
	float wl = (float)leaf_weight(p, gl, hl), wr = (float)leaf_weight(p, gr, hr);

	return gain_given_weight(p, gl, hl, wl) + gain_given_weight(p, gr, hr, wr);
}

float dlp_gbdt_node_gain(const dlp_gbdt_param *p, const double stats[2])
{
	return gain_given_weight(p, stats[0], stats[1], (float)leaf_weight(p, stats[0], stats[1]));
}

/* SplitEntry::Update: a lower feature index wins a tie. */
static void split_update(dlp_gbdt_split *b, float loss, int f, int bin, int missing_left, const double *l,
			 const double *r)
{
	int take;

	if (isinf(loss))
		return;
	take = b->feature < 0 || b->feature <= f ? loss > b->loss : !(b->loss > loss);
	if (!take)
		return;
	b->loss = loss, b->feature = f, b->bin = bin, b->missing_left = missing_left;
	b->left[0] = l[0], b->left[1] = l[1], b->right[0] = r[0], b->right[1] = r[1];
}

void dlp_gbdt_split_merge(dlp_gbdt_split *b, const dlp_gbdt_split *s)
{
	if (s->feature >= 0)
		split_update(b, s->loss, s->feature, s->bin, s->missing_left, s->left, s->right);
}

void dlp_gbdt_split_init(dlp_gbdt_split *b)
{
	b->loss = 0, b->feature = -1, b->bin = -1, b->missing_left = 0;
	b->left[0] = b->left[1] = b->right[0] = b->right[1] = 0;
}

/* One direction: step +1 puts the rows not in the histogram (missing) on the
 * right, -1 on the left. Returns the histogram's total in *sum. */
static void scan(const dlp_gbdt_param *p, const double *fh, int nbins, const double node[2], float root_gain,
		 int f, int step, dlp_gbdt_split *b, double sum[2])
{
	double a[2] = { 0, 0 }, o[2];
	int i = step > 0 ? 0 : nbins - 1, end = step > 0 ? nbins : -1;

	for (; i != end; i += step) {
		a[0] += fh[2 * i], a[1] += fh[2 * i + 1];
		o[0] = node[0] - a[0], o[1] = node[1] - a[1];
		if (!(a[1] >= p->min_child_weight && o[1] >= p->min_child_weight))
			continue;
		if (step > 0)
			split_update(b, (float)(dlp_gbdt_split_gain(p, a[0], a[1], o[0], o[1]) - root_gain), f, i, 0,
				     a, o);
		else
			/* the split at the bin's lower edge: bins below it go left */
			split_update(b, (float)(dlp_gbdt_split_gain(p, o[0], o[1], a[0], a[1]) - root_gain), f, i - 1,
				     1, o, a);
	}
	sum[0] = a[0], sum[1] = a[1];
}

void dlp_gbdt_feature_split(const dlp_gbdt_param *p, const double *fh, int nbins, const double node[2],
			    float root_gain, int f, dlp_gbdt_split *best)
{
	double sum[2], none[2];

	scan(p, fh, nbins, node, root_gain, f, +1, best, sum);
	/* the backward scan only when rows are missing from this feature:
	 * xgboost compares the sums exactly (SplitContainsMissingValues) */
	if (sum[0] != node[0] || sum[1] != node[1])
		scan(p, fh, nbins, node, root_gain, f, -1, best, none);
}

void dlp_hist_subtract(double *sibling, const double *parent, const double *built, size_t i0, size_t i1)
{
	size_t i;

	for (i = i0; i < i1; i++)
		sibling[i] = parent[i] - built[i];
}
