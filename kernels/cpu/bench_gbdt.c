/* A histogram GBDT level below the root, as xgboost hist and LightGBM run
 * it: the smaller child's histogram built over its gathered row list (the
 * sibling's comes by subtraction), and every row moved to its child by the
 * level's splits, stably. Both run threaded in the libraries. */
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "kernels/cpu/bench_cpu.h"

/* 2^16 rows x 32 features of bins (2 MiB); the node holds a quarter of
 * them, scattered in row order (a node two levels down). */
enum { G_NF = 32, G_BINS = 256, G_ROWS = 1 << 16, G_LEVELS = 8 };

/* The feature level lv splits on. */
static size_t split_feature(int lv)
{
	return (size_t)(3 + 5 * lv) % G_NF;
}

/* Its split: bins <= it go left. The partition branches on the split, so
 * its cost grows with the share of rows on the smaller side (the branch
 * mispredicted that often); a library's splits have any share, so the
 * levels take 1/16, 2/16 ... 8/16 of the (uniform) bins to the left. */
static unsigned split_bin(int lv)
{
	return (unsigned)(G_BINS / 16 * (lv % 8 + 1) - 1);
}

struct gbdt_rep {
	struct cpu *c;
	int threads;
	const uint8_t *bins;
	const float *grad, *hess;
	const uint32_t *node;   /* the node's rows */
	size_t n_node;
	double *part, *out;     /* per-thread histograms, the reduced one */
	const uint32_t *rows;   /* the partition's input: every row */
	uint32_t *l, *r, *dst;  /* per-thread children, the partitioned list */
	uint32_t *tmp;          /* the list between levels */
	size_t nl[DLP_TEAM_MAX];
};

static void ghist_thread(void *arg, int tid, int n)
{
	struct gbdt_rep *g = arg;
	const size_t cells = (size_t)G_NF * G_BINS * 2;
	size_t i0 = g->n_node * (size_t)tid / (size_t)n, i1 = g->n_node * (size_t)(tid + 1) / (size_t)n;
	double *mine = g->part + cells * (size_t)tid;

	memset(mine, 0, cells * sizeof *mine);
	dlp_hist_gather(g->bins, g->grad, g->hess, g->node + i0, i1 - i0, G_NF, G_BINS, mine);
	dlp_team_barrier(n > 1 ? g->c->team : NULL);
	dlp_hist_reduce(g->part, cells, tid, n, g->out);
}

static int ghist_rep(void *ctx, double *e)
{
	struct gbdt_rep *g = ctx;

	dlp_team_run(g->c->team, g->threads, ghist_thread, g);
	return 0;
}

/* One level: each thread splits its block of src into its own left and
 * right lists, then, once every block's count is known, copies them to
 * their places in dst, the lefts of all blocks first, in block order
 * (xgboost's partition builder). */
static void part_level(struct gbdt_rep *g, int tid, int n, size_t f, unsigned split, const uint32_t *src,
		       uint32_t *dst)
{
	size_t i0 = (size_t)G_ROWS * (size_t)tid / (size_t)n, i1 = (size_t)G_ROWS * (size_t)(tid + 1) / (size_t)n;
	size_t lo = 0, ro = 0, nl_all = 0, nl;
	int t;

	g->nl[tid] = dlp_rows_partition(g->bins, G_NF, f, split, src + i0, i1 - i0, g->l + i0, g->r + i0);
	dlp_team_barrier(n > 1 ? g->c->team : NULL);
	for (t = 0; t < n; t++) {
		size_t b0 = (size_t)G_ROWS * (size_t)t / (size_t)n;

		nl_all += g->nl[t];
		if (t < tid) {
			lo += g->nl[t];
			ro += (size_t)G_ROWS * (size_t)(t + 1) / (size_t)n - b0 - g->nl[t];
		}
	}
	nl = g->nl[tid];
	memcpy(dst + lo, g->l + i0, nl * sizeof *dst);
	memcpy(dst + nl_all + ro, g->r + i0, (i1 - i0 - nl) * sizeof *dst);
	dlp_team_barrier(n > 1 ? g->c->team : NULL);
}

/* G_LEVELS levels, each on the order the last one left (the whole list
 * taken as one node: the work per row is the same). */
static void part_thread(void *arg, int tid, int n)
{
	struct gbdt_rep *g = arg;
	const uint32_t *src = g->rows;
	int lv;

	/* alternate between the buffers so that the last level ends in dst */
	for (lv = 0; lv < G_LEVELS; lv++) {
		uint32_t *out = (G_LEVELS - 1 - lv) % 2 ? g->tmp : g->dst;

		part_level(g, tid, n, split_feature(lv), split_bin(lv), src, out);
		src = out;
	}
}

static int part_rep(void *ctx, double *e)
{
	struct gbdt_rep *g = ctx;

	dlp_team_run(g->c->team, g->threads, part_thread, g);
	return 0;
}

/* The inputs: random bins, gradients, the node's rows and every row. */
static void gbdt_fill(uint8_t *bins, float *grad, float *hess, uint32_t *node, size_t *n_node, uint32_t *rows)
{
	uint64_t s = 0x9e3779b97f4a7c15ull;
	size_t i, k = 0;

	for (i = 0; i < (size_t)G_ROWS * G_NF; i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		bins[i] = (uint8_t)(s >> 24);
	}
	dlp_fill_normal_f32(grad, G_ROWS, 21);
	for (i = 0; i < G_ROWS; i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		hess[i] = 0.25f + 0.5f * (float)(i & 1);
		rows[i] = (uint32_t)i;
		if ((s >> 40 & 3) == 0)
			node[k++] = (uint32_t)i;
	}
	*n_node = k;
}

static void gbdt_results(struct cpu *c, struct gbdt_rep *g, const double *ref, const uint32_t *want)
{
	const size_t cells = (size_t)G_NF * G_BINS * 2;
	int t, k;

	for (k = 0; k < 2; k++)
		for (t = 1; t >= 0; t--) {
			json_t *res = dlp_result_new(k ? DLP_KERNEL_ROW_PARTITION : DLP_KERNEL_HIST_GATHER, "dlprobe",
						     k ? NULL : "fp32");
			double err;

			if (t == 0 && c->T == 1) {
				json_decref(res);
				continue;
			}
			g->threads = t ? c->T : 1;
			dlp_cpu_note(c, "cpu: %s %d thread(s)", k ? "row partition" : "gathered histogram", g->threads);
			dlp_cpu_set_int(res, "threads", g->threads);
			dlp_cpu_set_int(res, "m", (long long)(k ? G_ROWS : g->n_node));
			dlp_cpu_set_int(res, "n", G_NF);
			if (k) {
				memset(g->dst, 0, (size_t)G_ROWS * sizeof *g->dst);
				part_rep(g, NULL);
				err = memcmp(g->dst, want, (size_t)G_ROWS * sizeof *want) ? 1 : 0;
				dlp_cpu_check_time(c, res, err, 0, "the partitioned rows", part_rep, g, DLP_RATE_GROWS,
						   1e-9 * G_ROWS * G_LEVELS);
			} else {
				json_object_set_new(res, "bins", json_integer(G_BINS));
				ghist_rep(g, NULL);
				err = dlp_hist_rel_err(g->out, ref, cells);
				dlp_cpu_check_time(c, res, err, 1e-9, "the gathered histogram", ghist_rep, g,
						   DLP_RATE_GUPDATES, 1e-9 * (double)g->n_node * G_NF);
			}
		}
}

void dlp_cpu_gbdt_all(struct cpu *c)
{
	const size_t cells = (size_t)G_NF * G_BINS * 2;
	struct gbdt_rep g = { .c = c };
	uint8_t *bins = malloc((size_t)G_ROWS * G_NF);
	float *grad = malloc(G_ROWS * sizeof *grad), *hess = malloc(G_ROWS * sizeof *hess);
	uint32_t *node = malloc(G_ROWS * sizeof *node), *rows = malloc(G_ROWS * sizeof *rows);
	uint32_t *want = malloc(G_ROWS * sizeof *want);
	double *ref = calloc(cells, sizeof *ref);
	int lv;

	g.part = malloc(cells * (size_t)c->T * sizeof *g.part);
	g.out = malloc(cells * sizeof *g.out);
	g.l = malloc(G_ROWS * sizeof *g.l);
	g.r = malloc(G_ROWS * sizeof *g.r);
	g.dst = malloc(G_ROWS * sizeof *g.dst);
	g.tmp = malloc(G_ROWS * sizeof *g.tmp);
	if (!bins || !grad || !hess || !node || !rows || !want || !ref || !g.part || !g.out || !g.l || !g.r ||
	    !g.dst || !g.tmp) {
		dlp_cpu_skip(c, DLP_KERNEL_HIST_GATHER, "fp32", "could not allocate the GBDT level's data");
		goto out;
	}
	gbdt_fill(bins, grad, hess, node, &g.n_node, rows);
	g.bins = bins, g.grad = grad, g.hess = hess, g.node = node, g.rows = rows;
	/* the serial references: the node's histogram, the levels' splits */
	dlp_hist_gather_ref(bins, grad, hess, node, g.n_node, G_NF, G_BINS, ref);
	memcpy(g.tmp, rows, G_ROWS * sizeof *want);
	for (lv = 0; lv < G_LEVELS; lv++) {
		dlp_rows_partition_ref(bins, G_NF, split_feature(lv), split_bin(lv), g.tmp, G_ROWS, want);
		memcpy(g.tmp, want, G_ROWS * sizeof *want);
	}
	gbdt_results(c, &g, ref, want);
out:
	free(bins);
	free(grad);
	free(hess);
	free(node);
	free(rows);
	free(want);
	free(ref);
	free(g.part);
	free(g.out);
	free(g.l);
	free(g.r);
	free(g.dst);
	free(g.tmp);
}
