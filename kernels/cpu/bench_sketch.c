/* The quantile sketch of a histogram GBDT, once per training: each
 * feature's bin edges from a summary of its column sorted a buffer at a
 * time (sketch.c), then every value's bin.
 * xgboost and LightGBM spread the features over their threads. */
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "kernels/cpu/bench_cpu.h"

/* 2^13 rows x 8 features of float32, row-major as the libraries get them. */
enum { S_ROWS = 1 << 13, S_NF = 8, S_BINS = 256 };

struct sketch_rep {
	struct cpu *c;
	int threads;
	const float *x;
	size_t scratch;         /* entries of sorted and idx per thread */
	float *sorted, *cuts;   /* per thread: scratch values, S_BINS edges */
	uint32_t *idx;          /* per thread: scratch */
	uint8_t *out;           /* S_ROWS x S_NF bins, row-major */
};

static void sketch_thread(void *arg, int tid, int n)
{
	struct sketch_rep *s = arg;
	size_t off = (size_t)tid * s->scratch;
	int f;

	for (f = tid; f < S_NF; f += n)
		dlp_sketch_column(s->x + f, S_NF, S_ROWS, S_BINS, s->sorted + off, s->idx + off,
				  s->cuts + (size_t)tid * S_BINS, s->out + f, S_NF);
}

static int sketch_rep_fn(void *ctx, double *e)
{
	struct sketch_rep *s = ctx;

	dlp_team_run(s->c->team, s->threads, sketch_thread, s);
	return 0;
}

/* The binned values that differ from the reference's (classical_check.c). */
static size_t sketch_bad(const struct sketch_rep *s)
{
	size_t bad = 0;
	int f;

	for (f = 0; f < S_NF; f++)
		bad += dlp_sketch_check(s->x + f, S_NF, S_ROWS, S_BINS, s->out + f, S_NF, s->sorted);
	return bad;
}

void dlp_cpu_sketch_all(struct cpu *c)
{
	struct sketch_rep s = { .c = c };
	float *x = malloc((size_t)S_ROWS * S_NF * sizeof *x);
	int t;

	s.scratch = dlp_sketch_scratch(S_ROWS, S_BINS);
	s.sorted = malloc(s.scratch * (size_t)c->T * sizeof *s.sorted);
	s.idx = malloc(s.scratch * (size_t)c->T * sizeof *s.idx);
	s.cuts = malloc((size_t)S_BINS * (size_t)c->T * sizeof *s.cuts);
	s.out = malloc((size_t)S_ROWS * S_NF);
	if (!x || !s.sorted || !s.idx || !s.cuts || !s.out) {
		dlp_cpu_skip(c, DLP_KERNEL_QUANTILE_SKETCH, "fp32", "could not allocate the sketch's data");
		goto out;
	}
	dlp_fill_normal_f32(x, (size_t)S_ROWS * S_NF, 31);
	s.x = x;
	for (t = 1; t >= 0; t--) {
		json_t *res;

		if (t == 0 && c->T == 1)
			continue;
		res = dlp_result_new(DLP_KERNEL_QUANTILE_SKETCH, "dlprobe", "fp32");
		s.threads = t ? c->T : 1;
		dlp_cpu_note(c, "cpu: quantile sketch %d thread(s)", s.threads);
		dlp_cpu_set_int(res, "threads", s.threads);
		dlp_cpu_set_int(res, "m", S_ROWS);
		dlp_cpu_set_int(res, "n", S_NF);
		json_object_set_new(res, "bins", json_integer(S_BINS));
		memset(s.out, 0xff, (size_t)S_ROWS * S_NF);
		sketch_rep_fn(&s, NULL);
		dlp_cpu_check_time(c, res, sketch_bad(&s) ? 1 : 0, 0, "the binned values",
				   sketch_rep_fn, &s, DLP_RATE_GVALUES, 1e-9 * S_ROWS * S_NF);
	}
out:
	free(x);
	free(s.sorted);
	free(s.idx);
	free(s.cuts);
	free(s.out);
}
