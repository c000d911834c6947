/* scikit-learn's exact CART splitter (random forest, decision tree) at a
 * few node sizes: per node the criterion's init, and per candidate feature
 * a gather of the node's values, a sort with the sample indices and one
 * weighted Gini scan, then the node's partition (cart.c, as scikit-learn
 * 1.2 does each step). The weights are a bootstrap's counts, and the nodes
 * hold only the rows it drew, as in a forest's tree. A forest builds its
 * trees on all threads, one tree per thread: the all-thread result runs
 * independent nodes on every thread. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "kernels/cpu/bench_cpu.h"

/* 2^16 rows x 16 float32 features (4 MiB, row-major as scikit-learn reads
 * them); 4 candidate features per node (max_features="sqrt" of 16). Node
 * sizes from a leaf's neighbourhood to a root's; each run covers at least
 * C_WORK node rows. */
enum { C_ROWS = 1 << 16, C_NF = 16, C_MTRY = 4, C_WORK = 1 << 13 };
static const size_t node_sizes[] = { 32, 512, 8192 };
#define N_SIZES (sizeof node_sizes / sizeof node_sizes[0])

struct cart_rep {
	struct cpu *c;
	int threads;
	size_t size, nodes;      /* node rows, nodes per run (over all threads) */
	const float *x;
	const double *y, *w;     /* class, bootstrap count */
	const intptr_t *perm;    /* the drawn rows in random order */
	size_t drawn;
	size_t round;            /* runs so far: each run's nodes are new rows */
	intptr_t *samples;       /* per thread: one node's */
	float *xf;               /* per thread: size */
	dlp_cart_split *best;    /* per node */
};

static void node_feats(size_t k, int *feats)
{
	int j;

	for (j = 0; j < C_MTRY; j++)
		feats[j] = (int)((k * 5 + (size_t)j * 3) % C_NF);
}

/* Node k's rows in run `round`: a slice of the drawn rows, never past their
 * end. Each run takes the slices after the last run's, so a node's rows are
 * not the ones the previous run just left in the cache: in a tree the
 * upper levels' nodes gather rows their parent touched too long ago (more
 * rows than the caches hold), and the deep ones' are one slice of them. */
static const intptr_t *node_rows(const struct cart_rep *r, size_t k, size_t round)
{
	return r->perm + ((k + round * r->nodes) * r->size) % (r->drawn - r->size + 1);
}

static void cart_thread(void *arg, int tid, int n)
{
	struct cart_rep *r = arg;
	intptr_t *s = r->samples + node_sizes[N_SIZES - 1] * (size_t)tid;
	size_t k;
	float *xf = r->xf + r->size * (size_t)tid;
	int feats[C_MTRY];

	for (k = (size_t)tid; k < r->nodes; k += (size_t)n) {
		memcpy(s, node_rows(r, k, r->round), r->size * sizeof *s);
		node_feats(k, feats);
		dlp_cart_node_split(r->x, C_NF, r->y, r->w, s, r->size, feats, C_MTRY, xf, &r->best[k]);
	}
}

static int cart_rep_fn(void *ctx, double *e)
{
	struct cart_rep *r = ctx;

	dlp_team_run(r->c->team, r->threads, cart_thread, r);
	r->round++;
	return 0;
}

static void cart_one(struct cpu *c, struct cart_rep *r)
{
	json_t *res = dlp_result_new(DLP_KERNEL_CART_SPLIT, "dlprobe", "fp32");
	double err = 0, units;
	size_t k;

	r->nodes = C_WORK / r->size > (size_t)r->threads ? C_WORK / r->size : (size_t)r->threads;
	dlp_cpu_note(c, "cpu: CART split, %zu-row nodes, %d thread(s)", r->size, r->threads);
	dlp_cpu_set_int(res, "threads", r->threads);
	dlp_cpu_set_int(res, "m", (long long)r->size);
	dlp_cpu_set_int(res, "n", C_MTRY);
	dlp_cpu_set_int(res, "k", (long long)r->nodes);
	r->round = 0;
	cart_rep_fn(r, NULL);
	for (k = 0; k < r->nodes; k++) {
		int feats[C_MTRY];
		double e;

		node_feats(k, feats);
		e = dlp_cart_split_check(r->x, C_NF, r->y, r->w, node_rows(r, k, 0), r->size, feats, C_MTRY, &r->best[k]);

		if (!(e <= err))
			err = isnan(e) ? INFINITY : e;
	}
	units = (double)r->nodes * C_MTRY * (double)r->size * log2((double)r->size);
	dlp_cpu_check_time(c, res, err, 1e-12, "the best split", cart_rep_fn, r, DLP_RATE_GNLOGN, 1e-9 * units);
}

void dlp_cpu_cart_all(struct cpu *c)
{
	const size_t biggest = node_sizes[N_SIZES - 1], max_nodes = C_WORK / node_sizes[0] + (size_t)c->T;
	struct cart_rep r = { .c = c };
	float *x = malloc((size_t)C_ROWS * C_NF * sizeof *x);
	double *y = malloc(C_ROWS * sizeof *y), *w = calloc(C_ROWS, sizeof *w);
	intptr_t *perm = malloc(C_ROWS * sizeof *perm);
	uint64_t s = 0x2545f4914f6cdd1dull;
	size_t i, z;
	int t;

	r.samples = malloc(biggest * (size_t)c->T * sizeof *r.samples);
	r.xf = malloc(biggest * (size_t)c->T * sizeof *r.xf);
	r.best = malloc(max_nodes * sizeof *r.best);
	if (!x || !y || !w || !perm || !r.samples || !r.xf || !r.best) {
		dlp_cpu_skip(c, DLP_KERNEL_CART_SPLIT, "fp32", "could not allocate the CART data");
		goto out;
	}
	dlp_fill_normal_f32(x, (size_t)C_ROWS * C_NF, 41);
	/* the bootstrap: C_ROWS draws with replacement */
	for (i = 0; i < C_ROWS; i++) {
		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		w[s % C_ROWS] += 1;
		y[i] = x[i * C_NF] - x[i * C_NF + 3] * x[i * C_NF + 5] > 0;
	}
	for (r.drawn = 0, i = 0; i < C_ROWS; i++)
		if (w[i] > 0)
			perm[r.drawn++] = (intptr_t)i;
	for (i = r.drawn; i-- > 1;) {
		intptr_t tmp;

		s ^= s << 13, s ^= s >> 7, s ^= s << 17;
		z = (size_t)(s % (i + 1));
		tmp = perm[i], perm[i] = perm[z], perm[z] = tmp;
	}
	r.x = x, r.y = y, r.w = w, r.perm = perm;
	for (i = 0; i < N_SIZES; i++)
		for (t = 1; t >= 0; t--) {
			if (t == 0 && c->T == 1)
				continue;
			r.size = node_sizes[i];
			r.threads = t ? c->T : 1;
			cart_one(c, &r);
		}
out:
	free(x);
	free(y);
	free(w);
	free(perm);
	free(r.samples);
	free(r.xf);
	free(r.best);
}
