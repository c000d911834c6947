/* The GEMM plan around the micro-kernels: cache blocking per kernel,
 * leading dimensions beyond the matrices, the barrier-free schedule of 2+
 * threads and the team that runs it, and the DLPROBE_CPU_ISA override. The
 * kernels on edge shapes are test_cpu_gemm.c's. */
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dlprobe/probe.h"
#include "kernels/cpu/bench_cpu.h"
#include "kernels/cpu/cpu.h"
#include "support/testutil.h"

/* A focused re-run (kernels/bench.c) keeps to the shapes marked focus, a
 * subset of what --quick runs, and among them the point the MLP's "as
 * configured" rate comes from: sgemm 1024 on 1 and all threads, the BLAS
 * beside it. */
static void test_focus_shapes(void **state)
{
	dlp_bench_opts quick = { 0 }, focus = { .focus = 1 };
	struct cpu cq = { .o = &quick, .T = 2 }, cf = { .o = &focus, .T = 2 };
	size_t i, nq = 0, nf = 0;
	int t, sgemm1024 = 0;

	(void)state;
	for (i = 0; i < dlp_cpu_nshapes; i++) {
		const struct dlp_cpu_shape *sh = &dlp_cpu_shapes[i];

		for (t = 0; t < 2; t++) {
			nq += dlp_cpu_shape_runs(&cq, sh, t);
			nf += dlp_cpu_shape_runs(&cf, sh, t);
			/* never a shape --quick would not run */
			if (dlp_cpu_shape_runs(&cf, sh, t))
				assert_true(dlp_cpu_shape_runs(&cq, sh, t));
			if (dlp_cpu_shape_runs(&cf, sh, t) && sh->m == 1024 && sh->n == 1024 && sh->k == 1024 &&
			    sh->dt == DLP_FP32 && sh->blas)
				sgemm1024++;
		}
	}
	assert_int_equal(sgemm1024, 2);
	assert_true(nf > 0 && nf < nq);
}

static void test_isa_override(void **state)
{
	setenv("DLPROBE_CPU_ISA", "generic", 1);
	assert_int_equal(dlp_cpu_isa_best(), DLP_CPU_GENERIC);
	assert_false(dlp_cpu_isa_ok(DLP_CPU_AVX2));
	setenv("DLPROBE_CPU_ISA", "avx2", 1);
	assert_false(dlp_cpu_isa_ok(DLP_CPU_AVX512));
	assert_false(dlp_cpu_bf16_ok());
	assert_non_null(dlp_cpu_bf16_why());
	/* "avx512" keeps fp32 AVX-512 but forbids the bf16 paths above it. */
	setenv("DLPROBE_CPU_ISA", "avx512", 1);
	assert_false(dlp_cpu_bf16_ok());
	assert_false(dlp_cpu_amx_ok());
	assert_true(dlp_cpu_amx_forbidden());
	if (dlp_cpu_isa_usable() & DLP_ISA_AVX512BF16)
		assert_non_null(strstr(dlp_cpu_bf16_why(), "DLPROBE_CPU_ISA"));
	setenv("DLPROBE_CPU_ISA", "avx512_bf16", 1);
	assert_true(dlp_cpu_amx_forbidden());
	if (dlp_cpu_isa_usable() & DLP_ISA_AVX512BF16)
		assert_true(dlp_cpu_bf16_ok());
	unsetenv("DLPROBE_CPU_ISA");
	assert_false(dlp_cpu_amx_forbidden());
	assert_true(dlp_cpu_isa_ok(DLP_CPU_GENERIC));
}

static void test_blocking(void **state)
{
	const dlp_gemm_ukr *u = dlp_gemm_ukr_get(DLP_CPU_AVX512, 4);
	dlp_gemm_blocking b;

	dlp_gemm_blocking_from_caches(u, 4, -1, -1, -1, &b);
	assert_true(b.kc >= 64 && b.kc <= 384);
	assert_int_equal(b.mc % u->mr, 0);
	assert_int_equal(b.nc % u->nr, 0);
	/* The A block stays within half of L2. */
	dlp_gemm_blocking_from_caches(u, 4, 48 << 10, 1 << 20, 32 << 20, &b);
	assert_true((long long)b.mc * b.kc * 4 <= (1 << 19));
	/* Per-kernel rules: the AVX-512 tiles keep KC 256 (Zen 5); on the Zen 3
	 * caches the AVX2 SGEMM tile takes KC 1024 (3/4 of L1), its A block in
	 * half of L2 and NC at the 4080 cap (n = 2048 in one block), AVX2 DGEMM
	 * keeps the BLIS rule; with a 256 KiB L2 the SGEMM KC shrinks so that
	 * an A block keeps 4 MR panels. */
	assert_int_equal(b.kc, 256);
	assert_int_equal(b.nc, 4080 / 12 * 12);
	dlp_gemm_blocking_from_caches(dlp_gemm_ukr_get(DLP_CPU_AVX2, 4), 4, 32 << 10, 512 << 10,
				      32 << 20, &b);
	assert_int_equal(b.kc, 1024);
	assert_int_equal(b.mc, 64);
	assert_int_equal(b.nc, 4080 / 6 * 6);
	dlp_gemm_blocking_from_caches(dlp_gemm_ukr_get(DLP_CPU_AVX2, 4), 4, 32 << 10, 256 << 10,
				      8 << 20, &b);
	assert_int_equal(b.kc, 512);
	assert_int_equal(b.mc, 64);
	/* Zen 2's 16 MiB L3 per CCX: n = 2048 still in one NC block. */
	dlp_gemm_blocking_from_caches(dlp_gemm_ukr_get(DLP_CPU_AVX2, 4), 4, 32 << 10, 512 << 10,
				      16 << 20, &b);
	assert_true(b.nc >= 2048);
	dlp_gemm_blocking_from_caches(dlp_gemm_ukr_get(DLP_CPU_AVX2, 8), 8, 32 << 10, 512 << 10,
				      32 << 20, &b);
	assert_int_equal(b.kc, 256);
	assert_int_equal(b.mc, 128);
}

/* Leading dimensions larger than the matrices: packing reads A column by
 * column (lda) and B in 16 x NR transposed chunks (ldb), and C's padding
 * must stay untouched. Sizes cross the 16-k chunks, full and partial MR/NR
 * panels and (tiny blocking) every block edge. */
static void check_sgemm_ld(dlp_cpu_isa isa, int threads, const dlp_gemm_blocking *bl, dlp_team *team)
{
	const size_t m = 70, n = 29, k = 67, lda = m + 5, ldb = k + 3, ldc = m + 7;
	float *a = malloc(lda * k * sizeof *a), *b = malloc(ldb * n * sizeof *b);
	float *c = malloc(ldc * n * sizeof *c), *ad = malloc(m * k * sizeof *ad);
	float *bd = malloc(k * n * sizeof *bd), *cd = malloc(m * n * sizeof *cd);
	double *r = malloc(m * n * sizeof *r);
	dlp_gemm_plan *p = dlp_gemm_plan_new(isa, 4, bl, team, threads);
	size_t i, j;

	assert_non_null(p);
	assert_true(a && b && c && ad && bd && cd && r);
	dlp_fill_normal_f32(a, lda * k, 3);
	dlp_fill_normal_f32(b, ldb * n, 4);
	for (i = 0; i < ldc * n; i++)
		c[i] = 12345.0f;
	for (j = 0; j < k; j++)
		memcpy(ad + j * m, a + j * lda, m * sizeof *ad);
	for (j = 0; j < n; j++)
		memcpy(bd + j * k, b + j * ldb, k * sizeof *bd);
	dlp_sgemm(p, m, n, k, a, lda, b, ldb, c, ldc);
	dlp_gemm_ref_f32(m, n, k, ad, bd, r);
	for (j = 0; j < n; j++) {
		memcpy(cd + j * m, c + j * ldc, m * sizeof *cd);
		for (i = m; i < ldc; i++)
			assert_true(c[i + j * ldc] == 12345.0f);
	}
	if (dlp_max_rel_err_f32(m * n, cd, r, k) > 1e-5)
		fail_msg("sgemm ld %s %dT err %g", dlp_cpu_isa_name(isa), threads,
			 dlp_max_rel_err_f32(m * n, cd, r, k));
	dlp_gemm_plan_free(p);
	free(a);
	free(b);
	free(c);
	free(ad);
	free(bd);
	free(cd);
	free(r);
}

static void test_leading_dims(void **state)
{
	dlp_gemm_blocking tiny = { 40, 16, 30 };
	dlp_team *team = dlp_team_new(2);
	int isa;

	assert_non_null(team);
	for (isa = DLP_CPU_GENERIC; isa < DLP_CPU_NISA; isa++) {
		dlp_gemm_blocking real;

		if (!dlp_cpu_isa_ok((dlp_cpu_isa)isa))
			continue;
		dlp_gemm_blocking_from_caches(dlp_gemm_ukr_get((dlp_cpu_isa)isa, 4), 4, 48 << 10, 1 << 20,
					      32 << 20, &real);
		check_sgemm_ld((dlp_cpu_isa)isa, 1, &tiny, team);
		check_sgemm_ld((dlp_cpu_isa)isa, 2, &tiny, team);
		check_sgemm_ld((dlp_cpu_isa)isa, 2, &real, team);
	}
	dlp_team_free(team);
}

/* The 2+ thread schedule without barriers: B panels and A blocks taken
 * dynamically with per-panel ready/used flags and per-block round counts
 * when M is split, private B panels when N is. Three threads on a team that
 * may have fewer CPUs, every shape called three times on one plan (the flags
 * restart per call, a stale count would let a panel be read before it is
 * repacked); shapes split M by rounds (several jc blocks and a short last KC;
 * 10300 rows: more A blocks than block counters, which then share them), M
 * with all of B packed at once (48x31x16, 100x8x50, 333x5x31 with the tiny
 * blocking), split N, and leave a thread without rows or without panels. */
static void test_gemm_flags(void **state)
{
	static const size_t sh[][3] = {
		{ 200, 70, 45 }, { 97, 95, 33 }, { 16, 80, 40 }, { 16, 5, 19 }, { 2, 1, 3 }, { 48, 31, 16 },
		{ 100, 8, 50 }, { 333, 5, 31 }, { 100, 12, 50 }, { 300, 30, 40 }, { 10300, 40, 20 },
	};
	/* The AVX2 tile (MR 16) as well, with 64-row blocks. */
	static const struct {
		dlp_cpu_isa isa;
		dlp_gemm_blocking bl;
	} paths[] = { { DLP_CPU_GENERIC, { 40, 16, 30 } }, { DLP_CPU_AVX2, { 40, 64, 30 } } };
	dlp_team *team = dlp_team_new(3);
	size_t s, pi;
	int rep, th;

	assert_non_null(team);
	for (pi = 0; pi < sizeof paths / sizeof paths[0]; pi++) {
		if (!dlp_cpu_isa_ok(paths[pi].isa))
			continue;
		for (th = 2; th <= 3; th++)
			for (s = 0; s < sizeof sh / sizeof sh[0]; s++) {
				size_t m = sh[s][0], n = sh[s][1], k = sh[s][2];
				float *a = malloc(m * k * sizeof *a), *b = malloc(k * n * sizeof *b);
				float *c = malloc(m * n * sizeof *c);
				double *r = malloc(m * n * sizeof *r);
				dlp_gemm_plan *p = dlp_gemm_plan_new(paths[pi].isa, 4, &paths[pi].bl, team, th);

				assert_non_null(p);
				assert_true(a && b && c && r);
				dlp_fill_normal_f32(a, m * k, 11 + s);
				dlp_fill_normal_f32(b, k * n, 21 + s);
				dlp_gemm_ref_f32(m, n, k, a, b, r);
				for (rep = 0; rep < 3; rep++) {
					dlp_fill_normal_f32(c, m * n, 7 + rep);
					dlp_sgemm(p, m, n, k, a, m, b, k, c, m);
					if (dlp_max_rel_err_f32(m * n, c, r, k) > 1e-5)
						fail_msg("sgemm flags %s %dT %zux%zux%zu call %d err %g",
							 dlp_cpu_isa_name(paths[pi].isa), th, m, n, k, rep,
							 dlp_max_rel_err_f32(m * n, c, r, k));
				}
				dlp_gemm_plan_free(p);
				free(a);
				free(b);
				free(c);
				free(r);
			}
	}
	dlp_team_free(team);
}

/* dlp_team_run_dynamic may skip a worker that has not started, but one that
 * did start must have finished when it returns (its fn reads the caller's
 * stack). Workers sleep inside fn so that a missing wait shows. */
struct dyn_probe {
	atomic_int started[3], finished[3];
};

static void dyn_fn(void *arg, int tid, int nthreads)
{
	struct dyn_probe *d = arg;
	struct timespec ts = { 0, 2000000 };

	atomic_fetch_add(&d->started[tid], 1);
	if (tid > 0)
		nanosleep(&ts, NULL);
	atomic_fetch_add(&d->finished[tid], 1);
}

static void test_team_run_dynamic(void **state)
{
	dlp_team *team = dlp_team_new(3);
	int rep, i;

	assert_non_null(team);
	for (rep = 0; rep < 20; rep++) {
		struct dyn_probe d;

		for (i = 0; i < 3; i++) {
			atomic_init(&d.started[i], 0);
			atomic_init(&d.finished[i], 0);
		}
		dlp_team_run_dynamic(team, 3, dyn_fn, &d);
		assert_int_equal(atomic_load(&d.started[0]), 1);
		for (i = 0; i < 3; i++) {
			assert_true(atomic_load(&d.started[i]) <= 1);
			assert_int_equal(atomic_load(&d.finished[i]), atomic_load(&d.started[i]));
		}
	}
	dlp_team_free(team);
}

/* Time off the CPU inside fn (here a sleep; on a busy machine a run queue):
 * a static run is held up by its longest, a dynamic one by the mean (the
 * other threads take over the work), and only while tracked. */
struct held_probe {
	atomic_int worker_done;
};

static void held_fn(void *arg, int tid, int nthreads)
{
	struct held_probe *h = arg;
	struct timespec ts = { 0, 20000000 };

	if (tid > 0 || nthreads == 1) {
		nanosleep(&ts, NULL);
		atomic_store(&h->worker_done, 1);
	}
}

/* dynamic: thread 0 stays on its CPU until the worker has slept */
static void held_dyn_fn(void *arg, int tid, int nthreads)
{
	struct held_probe *h = arg;
	struct timespec t0, t;

	if (tid > 0) {
		held_fn(arg, tid, nthreads);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while (!atomic_load(&h->worker_done) && t.tv_sec - t0.tv_sec < 5);
}

static void test_team_wait(void **state)
{
	dlp_team *team = dlp_team_new(2);
	struct held_probe h;
	int whole;

	(void)state;
	assert_non_null(team);
	whole = dlp_team_whole_cores(team);
	atomic_init(&h.worker_done, 0);
	dlp_team_run(team, 2, held_fn, &h);
	assert_true(isnan(dlp_team_wait_s(team)));
	dlp_team_track_wait(team, 1);
	dlp_team_run(team, 2, held_fn, &h);
	/* SMT siblings (or no topology) are not tracked */
	if (whole >= 2)
		assert_true(dlp_team_wait_s(team) >= 0.02);
	else
		assert_true(isnan(dlp_team_wait_s(team)));
	/* read once: the next reading has no run to report */
	assert_true(isnan(dlp_team_wait_s(team)));
	dlp_team_run(team, 1, held_fn, &h);
	if (whole >= 1)
		assert_true(dlp_team_wait_s(team) >= 0.02);
	atomic_store(&h.worker_done, 0);
	dlp_team_run_dynamic(team, 2, held_dyn_fn, &h);
	if (whole >= 2 && atomic_load(&h.worker_done))
		assert_true(dlp_team_wait_s(team) >= 0.01);
	dlp_team_track_wait(team, 0);
	dlp_team_run(team, 2, held_fn, &h);
	assert_true(isnan(dlp_team_wait_s(team)));
	dlp_team_free(team);
}

/* Each thread with a core of its own runs the check's loop about as fast
 * beside the others as alone: a ratio, finite and positive, and NaN for a
 * team without two such threads. Whether it reads 1 or 1.5 depends on the
 * host, so no bound above 1 is asserted. */
static void test_core_share(void **state)
{
	dlp_team *one = dlp_team_new(1), *two = dlp_team_new(2);
	double r;

	(void)state;
	assert_non_null(one);
	assert_non_null(two);
	assert_true(isnan(dlp_cpu_core_share(one)));
	assert_true(isnan(dlp_cpu_core_share(NULL)));
	r = dlp_cpu_core_share(two);
	if (dlp_team_whole_cores(two) >= 2)
		assert_true(r > 0.5 && isfinite(r));
	else
		assert_true(isnan(r));
	dlp_team_free(one);
	dlp_team_free(two);
}

static void test_team_binding(void **state)
{
	dlp_team *t = dlp_team_new(2);
	json_t *j;

	assert_non_null(t);
	j = dlp_team_binding_json(t);
	assert_int_equal(json_array_size(j), 2);
	json_decref(j);
	dlp_team_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_isa_override),
		cmocka_unit_test(test_blocking),
		cmocka_unit_test(test_leading_dims),
		cmocka_unit_test(test_gemm_flags),
		cmocka_unit_test(test_team_run_dynamic),
		cmocka_unit_test(test_team_wait),
		cmocka_unit_test(test_core_share),
		cmocka_unit_test(test_team_binding),
		cmocka_unit_test(test_focus_shapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
