/* The per-node work of a histogram GBDT level, as xgboost 1.7 hist runs it
 * after the smaller children's histograms are built: one parallel region
 * over (node, block of 1024 bins) that zeroes the histogram a build fills
 * and makes each sibling's by subtraction (SyncHistogramLocal), then one
 * over (node, features / threads) that tries every bin of every feature as
 * a split, each thread keeping its own best per node, merged after
 * (HistEvaluator::EvaluateSplits). Both split their blocks statically, as
 * ParallelFor2d does. */
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "kernels/cpu/bench_cpu.h"

/* A level of N_PAIRS built children and their siblings (a deep level:
 * about 400 rows a node), 16 features x 256 bins (64 KiB a histogram). */
enum { N_NF = 16, N_BINS = 256, N_PAIRS = 16, N_NODES = 2 * N_PAIRS, N_ROWS = N_NODES * 400, N_BLOCK = 1024 };
#define N_CELLS ((size_t)N_NF * N_BINS * 2)

/* xgboost's defaults (reg_lambda 1, reg_alpha 0, min_child_weight 1,
 * max_delta_step 0) */
static const dlp_gbdt_param xgb_defaults = { 1, 0, 1, 0 };

struct node_rep {
	struct cpu *c;
	int threads;
	const double *parent, *built;   /* N_PAIRS histograms each */
	double *sibling, *target;       /* made by subtraction; zeroed for a build */
	double stats[N_NODES][2];       /* each node's {grad, hess} sums */
	float root_gain[N_NODES];
	dlp_gbdt_split tloc[N_NODES * DLP_TEAM_MAX], best[N_NODES];
};

static const double *node_hist(const struct node_rep *g, int node)
{
	return (node & 1 ? g->sibling : g->built) + N_CELLS * (size_t)(node / 2);
}

/* A thread's contiguous share of n blocks: ParallelFor2d's static chunks. */
static void chunk(size_t n, int tid, int nt, size_t *b0, size_t *b1)
{
	size_t per = n / (size_t)nt + !!(n % (size_t)nt);

	*b0 = per * (size_t)tid < n ? per * (size_t)tid : n;
	*b1 = *b0 + per < n ? *b0 + per : n;
}

static void sync_thread(void *arg, int tid, int nt)
{
	struct node_rep *g = arg;
	const size_t per_node = (N_CELLS / 2 + N_BLOCK - 1) / N_BLOCK;
	size_t b, b0, b1;

	chunk(N_PAIRS * per_node, tid, nt, &b0, &b1);
	for (b = b0; b < b1; b++) {
		size_t k = b / per_node, i0 = 2 * (b % per_node) * N_BLOCK, i1 = i0 + 2 * N_BLOCK;
		size_t at = N_CELLS * k;

		i1 = i1 < N_CELLS ? i1 : N_CELLS;
		memset(g->target + at + i0, 0, (i1 - i0) * sizeof *g->target);
		dlp_hist_subtract(g->sibling + at, g->parent + at, g->built + at, i0, i1);
	}
}

static void eval_thread(void *arg, int tid, int nt)
{
	struct node_rep *g = arg;
	size_t grain = N_NF / nt > 0 ? (size_t)(N_NF / nt) : 1, per_node = (N_NF + grain - 1) / grain, b, b0, b1;

	chunk(N_NODES * per_node, tid, nt, &b0, &b1);
	for (b = b0; b < b1; b++) {
		int node = (int)(b / per_node), f0 = (int)((b % per_node) * grain), f;
		int f1 = f0 + (int)grain < N_NF ? f0 + (int)grain : N_NF;
		const double *h = node_hist(g, node);

		for (f = f0; f < f1; f++)
			dlp_gbdt_feature_split(&xgb_defaults, h + 2 * (size_t)f * N_BINS, N_BINS, g->stats[node],
					       g->root_gain[node], f, &g->tloc[node * nt + tid]);
	}
}

static int node_rep(void *ctx, double *e)
{
	struct node_rep *g = ctx;
	int n, t, nt = g->threads;

	dlp_team_run(g->c->team, nt, sync_thread, g);
	for (n = 0; n < N_NODES * nt; n++)
		dlp_gbdt_split_init(&g->tloc[n]);
	dlp_team_run(g->c->team, nt, eval_thread, g);
	for (n = 0; n < N_NODES; n++) {
		dlp_gbdt_split_init(&g->best[n]);
		for (t = 0; t < nt; t++)
			dlp_gbdt_split_merge(&g->best[n], &g->tloc[n * nt + t]);
	}
	return 0;
}

/* Rows with bins and gradients a logistic loss gives (p - y, p (1 - p), p
 * on a 1/256 grid so that every sum is exact: every feature's histogram of
 * a node then sums to the node's stats, as on dense data), each row in a
 * random node; every node's histogram, the parents' as the pairs' sums. */
static void node_fill(double *hist, double *parent)
{
	uint64_t s = 0x2545f4914f6cdd1dull;
	size_t r, f, i, k;

	for (r = 0; r < N_ROWS; r++) {
		double p, y, *h;

		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		p = (double)(1 + (s >> 8) % 254) / 256;
		y = (double)((s >> 20) % 256) / 256 < p;
		h = hist + N_CELLS * (size_t)((s >> 32) % N_NODES);
		for (f = 0; f < N_NF; f++) {
			s ^= s << 13, s ^= s >> 7, s ^= s << 17;
			h[2 * (f * N_BINS + (s >> 40) % N_BINS)] += p - y;
			h[2 * (f * N_BINS + (s >> 40) % N_BINS) + 1] += p * (1 - p);
		}
	}
	for (k = 0; k < N_PAIRS; k++)
		for (i = 0; i < N_CELLS; i++)
			parent[N_CELLS * k + i] = hist[N_CELLS * 2 * k + i] + hist[N_CELLS * (2 * k + 1) + i];
}

static double node_check(struct node_rep *g, const double *hist)
{
	double err = 0, e;
	int n, k;

	for (k = 0; k < N_PAIRS; k++) {
		e = dlp_hist_rel_err(g->sibling + N_CELLS * (size_t)k, hist + N_CELLS * (size_t)(2 * k + 1), N_CELLS);
		err = e > err || e != e ? e : err;
	}
	for (n = 0; n < N_NODES; n++) {
		e = dlp_gbdt_split_check(&xgb_defaults, hist + N_CELLS * (size_t)n, N_NF, N_BINS, g->stats[n],
					 &g->best[n]);
		err = e > err || e != e ? e : err;
	}
	return err;
}

static void node_results(struct cpu *c, struct node_rep *g, const double *hist)
{
	int t;

	for (t = 1; t >= 0; t--) {
		json_t *res;

		if (t == 0 && c->T == 1)
			continue;
		res = dlp_result_new(DLP_KERNEL_GBDT_NODE, "dlprobe", "fp64");
		g->threads = t ? (c->T < DLP_TEAM_MAX ? c->T : DLP_TEAM_MAX) : 1;
		dlp_cpu_note(c, "cpu: GBDT per-node split search %d thread(s)", g->threads);
		dlp_cpu_set_int(res, "threads", g->threads);
		dlp_cpu_set_int(res, "m", N_NODES);
		dlp_cpu_set_int(res, "n", N_NF);
		json_object_set_new(res, "bins", json_integer(N_BINS));
		memset(g->sibling, 0, N_PAIRS * N_CELLS * sizeof *g->sibling);
		node_rep(g, NULL);
		dlp_cpu_check_time(c, res, node_check(g, hist), 1e-5, "the level's splits and siblings", node_rep, g,
				   DLP_RATE_GVALUES, 1e-9 * N_NODES * N_NF * N_BINS);
	}
}

void dlp_cpu_gbdt_node_all(struct cpu *c)
{
	struct node_rep *g = calloc(1, sizeof *g);
	double *hist = calloc(N_NODES * N_CELLS, sizeof *hist), *parent = malloc(N_PAIRS * N_CELLS * sizeof *parent);
	double *sibling = malloc(N_PAIRS * N_CELLS * sizeof *sibling), *target = malloc(N_PAIRS * N_CELLS * sizeof *target);
	double *built = malloc(N_PAIRS * N_CELLS * sizeof *built);
	int n, k;

	if (!g || !hist || !parent || !sibling || !target || !built) {
		dlp_cpu_skip(c, DLP_KERNEL_GBDT_NODE, "fp64", "could not allocate the GBDT level's histograms");
		goto out;
	}
	node_fill(hist, parent);
	for (k = 0; k < N_PAIRS; k++)
		memcpy(built + N_CELLS * (size_t)k, hist + N_CELLS * (size_t)(2 * k), N_CELLS * sizeof *built);
	g->c = c, g->parent = parent, g->built = built, g->sibling = sibling, g->target = target;
	/* a node's stats: its first feature's sum (xgboost's root on dense data) */
	for (n = 0; n < N_NODES; n++) {
		const double *h = hist + N_CELLS * (size_t)n;
		size_t b;

		for (b = 0; b < N_BINS; b++)
			g->stats[n][0] += h[2 * b], g->stats[n][1] += h[2 * b + 1];
		g->root_gain[n] = dlp_gbdt_node_gain(&xgb_defaults, g->stats[n]);
	}
	node_results(c, g, hist);
out:
	free(g);
	free(hist);
	free(parent);
	free(sibling);
	free(target);
	free(built);
}
