/* dlprobe's GEMM against OpenBLAS (libblas.so.3) and BLIS (libblis.so.4) in
 * one process, call by call in a rotating order, so that a loaded machine's
 * slow moments fall on all three alike. The rate is from the median call
 * (what `dlprobe bench` reports) and from the best. Each call of the
 * libraries is checked against dlprobe's result. A benchmark tool, not part
 * of the library: built and run by scripts/gemm_pair.sh.
 * Usage: gemm_pair M N K THREADS REPS s|d */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/order.h"
#include "kernels/cpu/cpu.h"

enum { CBLAS_COL_MAJOR = 102, CBLAS_NO_TRANS = 111, NLIB = 3, MAX_REPS = 1000 };

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *,
			 int, float, float *, int);
typedef void (*dgemm_fn)(int, int, int, int, int, int, double, const double *, int,
			 const double *, int, double, double *, int);

static const char *const lib_name[NLIB] = { "dlprobe", "openblas", "blis" };

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Over 100 lines on purpose: a benchmark tool's parse, setup, timed loop and report, read in order. */
int main(int argc, char **argv)
{
	static double ts[NLIB][MAX_REPS];
	void *hlib[NLIB] = { NULL }, *fn[NLIB] = { NULL }, *a = NULL, *b = NULL, *c = NULL, *r = NULL;
	dlp_team *team = NULL;
	dlp_gemm_plan *plan = NULL;
	dlp_gemm_blocking bl;
	dlp_cpu_isa isa = dlp_cpu_isa_best();
	size_t m, n, k, es, i;
	int th, reps, dbl, rep, w, rc = 1;
	double med[NLIB], best[NLIB], flop;

	if (argc != 7 || (argv[6][0] != 's' && argv[6][0] != 'd')) {
		fprintf(stderr, "usage: gemm_pair M N K THREADS REPS s|d\n");
		return 2;
	}
	m = strtoul(argv[1], NULL, 10);
	n = strtoul(argv[2], NULL, 10);
	k = strtoul(argv[3], NULL, 10);
	th = atoi(argv[4]);
	reps = atoi(argv[5]);
	dbl = argv[6][0] == 'd';
	es = dbl ? 8 : 4;
	if (!m || !n || !k || th < 1 || reps < 1 || reps > MAX_REPS) {
		fprintf(stderr, "gemm_pair: bad size, thread count or repetitions\n");
		return 2;
	}
	a = malloc(m * k * es);
	b = malloc(k * n * es);
	c = malloc(m * n * es);
	r = malloc(m * n * es);
	if (!a || !b || !c || !r)
		goto out;
	for (i = 0; i < m * k; i++)
		dbl ? (((double *)a)[i] = (double)(rand() % 100) / 50 - 1)
		    : (((float *)a)[i] = (float)(rand() % 100) / 50 - 1);
	for (i = 0; i < k * n; i++)
		dbl ? (((double *)b)[i] = (double)(rand() % 100) / 50 - 1)
		    : (((float *)b)[i] = (float)(rand() % 100) / 50 - 1);
	hlib[1] = dlopen("libblas.so.3", RTLD_NOW | RTLD_LOCAL);
	hlib[2] = dlopen("libblis.so.4", RTLD_NOW | RTLD_LOCAL);
	for (w = 1; w < NLIB; w++) {
		void (*set_threads)(int);
		void (*set_threads_l)(long);

		if (!hlib[w]) {
			fprintf(stderr, "gemm_pair: %s\n", dlerror());
			goto out;
		}
		fn[w] = dlsym(hlib[w], dbl ? "cblas_dgemm" : "cblas_sgemm");
		if (!fn[w]) {
			fprintf(stderr, "gemm_pair: no cblas GEMM in %s\n", lib_name[w]);
			goto out;
		}
		if (w == 1 && (*(void **)&set_threads = dlsym(hlib[w], "openblas_set_num_threads")))
			set_threads(th);
		if (w == 2 && (*(void **)&set_threads_l = dlsym(hlib[w], "bli_thread_set_num_threads")))
			set_threads_l(th);
	}
	team = dlp_team_new(th);
	if (!team)
		goto out;
	/* The Zen 3 VM's caches (docs/bench-cpu.md), as the probe reports them. */
	dlp_gemm_blocking_from_caches(dlp_gemm_ukr_get(isa, (int)es), (int)es, 32 << 10, 512 << 10,
				      32 << 20, &bl);
	plan = dlp_gemm_plan_new(isa, (int)es, &bl, team, th);
	if (!plan)
		goto out;
	for (rep = 0; rep < reps; rep++) {
		int j;

		for (j = 0; j < NLIB; j++) {
			double t0;

			w = (rep + j) % NLIB;
			t0 = now_s();
			if (w == 0 && dbl)
				dlp_dgemm(plan, m, n, k, a, m, b, k, c, m);
			else if (w == 0)
				dlp_sgemm(plan, m, n, k, a, m, b, k, c, m);
			else if (dbl)
				((dgemm_fn)fn[w])(CBLAS_COL_MAJOR, CBLAS_NO_TRANS, CBLAS_NO_TRANS, (int)m, (int)n,
						  (int)k, 1, a, (int)m, b, (int)k, 0, r, (int)m);
			else
				((sgemm_fn)fn[w])(CBLAS_COL_MAJOR, CBLAS_NO_TRANS, CBLAS_NO_TRANS, (int)m, (int)n,
						  (int)k, 1, a, (int)m, b, (int)k, 0, r, (int)m);
			ts[w][rep] = now_s() - t0;
			if (w == 0 || rep == 0)
				continue;
			/* Inputs are multiples of 1/50 in [-1, 1): the sums are
			 * exact enough that any real error is far above this. */
			for (i = 0; i < m * n; i++) {
				double d = dbl ? ((double *)c)[i] - ((double *)r)[i]
					       : (double)((float *)c)[i] - ((float *)r)[i];

				if (fabs(d) > 1e-2 * sqrt((double)k)) {
					fprintf(stderr, "gemm_pair: %s and dlprobe differ at %zu\n", lib_name[w], i);
					goto out;
				}
			}
		}
	}
	flop = 2.0 * (double)m * (double)n * (double)k;
	for (w = 0; w < NLIB; w++) {
		qsort(ts[w], (size_t)reps, sizeof ts[w][0], dlp_cmp_double);
		med[w] = ts[w][reps / 2];
		best[w] = ts[w][0];
	}
	printf("%zux%zux%zu %s %dT GFLOP/s median: dlprobe %.1f openblas %.1f blis %.1f, dlprobe/best %.2f;"
	       " best call: %.1f %.1f %.1f, %.2f\n",
	       m, n, k, dbl ? "fp64" : "fp32", th, flop / med[0] * 1e-9, flop / med[1] * 1e-9,
	       flop / med[2] * 1e-9, fmin(med[1], med[2]) / med[0], flop / best[0] * 1e-9,
	       flop / best[1] * 1e-9, flop / best[2] * 1e-9, fmin(best[1], best[2]) / best[0]);
	rc = 0;
out:
	dlp_gemm_plan_free(plan);
	dlp_team_free(team);
	for (w = 1; w < NLIB; w++)
		if (hlib[w])
			dlclose(hlib[w]);
	free(a);
	free(b);
	free(c);
	free(r);
	return rc;
}
