/* SGEMM/DGEMM/bf16 GEMM against the naive reference on edge sizes, every
 * ISA path forced in turn, 1 and 2 threads, tiny blocks so that every loop
 * edge (MC, KC, NC, MR, NR) is crossed; every micro-kernel of the table
 * called directly; the AMX tile sequence on emulated tiles. The plan around
 * the kernels (blocking, leading dimensions, the threaded schedule, the ISA
 * override) is test_cpu_gemm_plan.c's. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/probe.h"
#include "kernels/cpu/cpu.h"
#include "support/testutil.h"

static const size_t sizes[][3] = {
	{ 1, 1, 1 }, { 7, 7, 7 }, { 33, 33, 33 }, { 1, 40, 9 }, { 45, 1, 17 },
	{ 64, 13, 100 }, { 97, 29, 1 }, { 35, 70, 130 }, { 128, 96, 64 }, { 0, 5, 5 }, { 5, 5, 0 },
	/* one tile and one element past it (AVX2 16x6 / 8x6, AVX-512 32x12 /
	 * 16x12), k = 1, k not a multiple of the kernels' 4-step unroll, tall
	 * and wide skinny shapes with k beyond the tiny KC */
	{ 16, 6, 4 }, { 17, 7, 5 }, { 8, 6, 3 }, { 33, 13, 1 }, { 300, 2, 3 }, { 3, 300, 2 },
	{ 1, 1, 70 }, { 2, 100, 1 },
};

static void check_sgemm(dlp_cpu_isa isa, int threads, const dlp_gemm_blocking *bl,
			dlp_team *team)
{
	size_t s;

	for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		size_t m = sizes[s][0], n = sizes[s][1], k = sizes[s][2];
		float *a = malloc((m * k + 1) * sizeof *a), *b = malloc((k * n + 1) * sizeof *b);
		float *c = malloc((m * n + 1) * sizeof *c);
		double *r = malloc((m * n + 1) * sizeof *r);
		dlp_gemm_plan *p = dlp_gemm_plan_new(isa, 4, bl, team, threads);

		assert_non_null(p);
		dlp_fill_normal_f32(a, m * k, 1 + s);
		dlp_fill_normal_f32(b, k * n, 100 + s);
		dlp_fill_normal_f32(c, m * n, 7);  /* beta = 0: old C must not leak in */
		dlp_sgemm(p, m, n, k, a, m ? m : 1, b, k ? k : 1, c, m ? m : 1);
		dlp_gemm_ref_f32(m, n, k, a, b, r);
		if (dlp_max_rel_err_f32(m * n, c, r, k) > 1e-5)
			fail_msg("sgemm %s %dT %zux%zux%zu err %g", dlp_cpu_isa_name(isa), threads,
				 m, n, k, dlp_max_rel_err_f32(m * n, c, r, k));
		dlp_gemm_plan_free(p);
		free(a);
		free(b);
		free(c);
		free(r);
	}
}

static void check_dgemm(dlp_cpu_isa isa, int threads, const dlp_gemm_blocking *bl,
			dlp_team *team)
{
	size_t s;

	for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		size_t m = sizes[s][0], n = sizes[s][1], k = sizes[s][2];
		double *a = malloc((m * k + 1) * sizeof *a), *b = malloc((k * n + 1) * sizeof *b);
		double *c = malloc((m * n + 1) * sizeof *c), *r = malloc((m * n + 1) * sizeof *r);
		dlp_gemm_plan *p = dlp_gemm_plan_new(isa, 8, bl, team, threads);

		assert_non_null(p);
		dlp_fill_normal_f64(a, m * k, 1 + s);
		dlp_fill_normal_f64(b, k * n, 100 + s);
		dlp_fill_normal_f64(c, m * n, 7);
		dlp_dgemm(p, m, n, k, a, m ? m : 1, b, k ? k : 1, c, m ? m : 1);
		dlp_gemm_ref_f64(m, n, k, a, b, r);
		if (dlp_max_rel_err_f64(m * n, c, r, k) > 1e-12)
			fail_msg("dgemm %s %dT %zux%zux%zu err %g", dlp_cpu_isa_name(isa), threads,
				 m, n, k, dlp_max_rel_err_f64(m * n, c, r, k));
		dlp_gemm_plan_free(p);
		free(a);
		free(b);
		free(c);
		free(r);
	}
}

static void run_isa(dlp_cpu_isa isa)
{
	/* Tiny blocks cross every loop edge; cache-derived ones check the default. */
	const dlp_gemm_ukr *u = dlp_gemm_ukr_get(isa, 4);
	dlp_gemm_blocking tiny = { 40, 16, 30 }, real;
	dlp_team *team;

	if (!dlp_cpu_isa_ok(isa))
		skip();
	team = dlp_team_new(2);
	assert_non_null(team);
	dlp_gemm_blocking_from_caches(u, 4, 48 << 10, 1 << 20, 32 << 20, &real);
	check_sgemm(isa, 1, &tiny, team);
	check_sgemm(isa, 2, &tiny, team);
	check_sgemm(isa, 2, &real, team);
	check_dgemm(isa, 1, &tiny, team);
	check_dgemm(isa, 2, &tiny, team);
	check_dgemm(isa, 1, &real, NULL);
	dlp_team_free(team);
}

/* bf16 bound (tests, k <= 130): the bf16 products are exact in fp32 and the
 * reference uses the same bf16 values, so only fp32 accumulation differs:
 * ~2^-24 sqrt(k/2) = 4.8e-7 at k = 130 in the |ref| + sqrt(k) scaling; 1e-5
 * is a 20x margin and far below what a lost pair or wrong pairing costs
 * (~1/sqrt(k) ~ 0.09). bench_gemm.c's BF16_TOL explains the benchmark's. */
#define BF16_TEST_TOL 1e-5

static void check_sbgemm(dlp_cpu_isa isa, int threads, const dlp_gemm_blocking *bl,
			 dlp_team *team)
{
	size_t s;

	for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		size_t m = sizes[s][0], n = sizes[s][1], k = sizes[s][2];
		uint16_t *a = malloc((m * k + 1) * sizeof *a), *b = malloc((k * n + 1) * sizeof *b);
		float *c = malloc((m * n + 1) * sizeof *c);
		double *r = malloc((m * n + 1) * sizeof *r);
		dlp_gemm_plan *p = dlp_gemm_plan_new(isa, 2, bl, team, threads);
		double err;

		assert_non_null(p);
		dlp_fill_normal_bf16(a, m * k, 1 + s);
		dlp_fill_normal_bf16(b, k * n, 100 + s);
		dlp_fill_normal_f32(c, m * n, 7);
		dlp_sbgemm(p, m, n, k, a, m ? m : 1, b, k ? k : 1, c, m ? m : 1);
		dlp_gemm_ref_bf16(m, n, k, a, b, r);
		err = dlp_max_rel_err_f32(m * n, c, r, k);
		if (err > BF16_TEST_TOL)
			fail_msg("sbgemm %s %dT %zux%zux%zu err %g", dlp_cpu_isa_name(isa), threads, m, n,
				 k, err);
		dlp_gemm_plan_free(p);
		free(a);
		free(b);
		free(c);
		free(r);
	}
}

static void test_generic(void **state) { run_isa(DLP_CPU_GENERIC); }
static void test_avx2(void **state) { run_isa(DLP_CPU_AVX2); }
static void test_avx512(void **state) { run_isa(DLP_CPU_AVX512); }

static void run_bf16(dlp_cpu_isa isa)
{
	dlp_gemm_blocking tiny = { 40, 16, 30 }, odd = { 40, 15, 30 }, real;
	dlp_team *team = dlp_team_new(2);

	assert_non_null(team);
	dlp_gemm_blocking_from_caches(dlp_gemm_ukr_get(isa, 2), 2, 48 << 10, 1 << 20, 32 << 20, &real);
	check_sbgemm(isa, 1, &tiny, team);
	check_sbgemm(isa, 2, &tiny, team);
	check_sbgemm(isa, 1, &odd, team);  /* odd KC is rounded up to whole pairs */
	check_sbgemm(isa, 2, &real, team);
	dlp_team_free(team);
}

/* The C emulation of VDPBF16PS runs the bf16 framework on any CPU. */
static void test_sbgemm_generic(void **state) { run_bf16(DLP_CPU_GENERIC); }

static void test_sbgemm_avx512bf16(void **state)
{
	if (!dlp_cpu_bf16_ok())
		skip();
	run_bf16(DLP_CPU_AVX512);
}

/* Same k order per element (pairs in sequence, odd product then even, one
 * accumulator): the instruction and its C emulation agree bit for bit,
 * which pins the pair layout of the packing down exactly. */
static void test_sbgemm_matches_emulation(void **state)
{
	const size_t m = 70, n = 29, k = 77;
	dlp_gemm_blocking bl = { 64, 32, 24 };
	uint16_t *a = malloc(m * k * sizeof *a), *b = malloc(k * n * sizeof *b);
	float *c1 = malloc(m * n * sizeof *c1), *c2 = malloc(m * n * sizeof *c2);
	dlp_gemm_plan *pg, *pa;

	if (!dlp_cpu_bf16_ok()) {
		free(a);
		free(b);
		free(c1);
		free(c2);
		skip();
	}
	pg = dlp_gemm_plan_new(DLP_CPU_GENERIC, 2, &bl, NULL, 1);
	pa = dlp_gemm_plan_new(DLP_CPU_AVX512, 2, &bl, NULL, 1);
	assert_non_null(pg);
	assert_non_null(pa);
	dlp_fill_normal_bf16(a, m * k, 3);
	dlp_fill_normal_bf16(b, k * n, 4);
	dlp_sbgemm(pg, m, n, k, a, m, b, k, c1, m);
	dlp_sbgemm(pa, m, n, k, a, m, b, k, c2, m);
	assert_memory_equal(c1, c2, m * n * sizeof *c1);
	dlp_gemm_plan_free(pg);
	dlp_gemm_plan_free(pa);
	free(a);
	free(b);
	free(c1);
	free(c2);
}

static void test_bf16_rounding(void **state)
{
	/* Round to nearest even on the 16 dropped bits; NaN stays NaN. */
	assert_int_equal(dlp_f32_to_bf16(1.0f), 0x3f80);
	assert_int_equal(dlp_f32_to_bf16(-2.0f), 0xc000);
	assert_int_equal(dlp_f32_to_bf16(1.0f + 1.0f / 256), 0x3f80);          /* tie, even stays */
	assert_int_equal(dlp_f32_to_bf16(1.0f + 3.0f / 256), 0x3f82);          /* tie, odd rounds up */
	assert_int_equal(dlp_f32_to_bf16(1.0f + 1.0f / 256 + 1.0f / 65536), 0x3f81);
	assert_true(dlp_bf16_to_f32(dlp_f32_to_bf16(NAN)) != dlp_bf16_to_f32(dlp_f32_to_bf16(NAN)));
	assert_true(dlp_bf16_to_f32(0x3f80) == 1.0f);
	/* A float just under the largest bf16 rounds to it, not to infinity. */
	assert_int_equal(dlp_f32_to_bf16(3.3895314e38f), 0x7f7f);
}

/* No bf16 kernel for AVX2: a plan for it is refused with a reason. */
static void test_sbgemm_no_avx2(void **state)
{
	dlp_gemm_blocking bl = { 64, 64, 64 };

	assert_null(dlp_gemm_ukr_get(DLP_CPU_AVX2, 2));
	assert_null(dlp_gemm_plan_new(DLP_CPU_AVX2, 2, &bl, NULL, 1));
	assert_non_null(strstr(dlp_error_message(), "bf16"));
}

/* ---- AMX: packing and the tile sequence on emulated tiles --------------- */

/* One TDPBF16PS on emulated tiles against a double dot product: the
 * operand roles (row operand x VNNI operand) and pair order. */
static void test_amx_emu_tile_op(void **state)
{
	float c[16][16];
	uint16_t a[16][32], b[16][32];
	int m, n, k;

	for (m = 0; m < 16; m++)
		for (k = 0; k < 32; k++) {
			a[m][k] = dlp_f32_to_bf16((float)((m * 7 + k * 3) % 11) - 5.0f);
			b[m][k] = dlp_f32_to_bf16((float)((m * 5 + k) % 9) * 0.5f - 2.0f);
		}
	for (m = 0; m < 16; m++)
		for (n = 0; n < 16; n++)
			c[m][n] = (float)(m - n);
	dlp_amx_emu_dpbf16ps(c, (const uint16_t (*)[32])a, (const uint16_t (*)[32])b, 16, 16, 16);
	for (m = 0; m < 16; m++)
		for (n = 0; n < 16; n++) {
			double want = m - n;

			for (k = 0; k < 16; k++)
				want += (double)dlp_bf16_to_f32(a[m][2 * k]) * dlp_bf16_to_f32(b[k][2 * n]) +
					(double)dlp_bf16_to_f32(a[m][2 * k + 1]) * dlp_bf16_to_f32(b[k][2 * n + 1]);
			/* Small integers and halves: every partial sum is exact. */
			assert_true(c[m][n] == (float)want);
		}
	/* Denormal bf16 inputs count as zero (DAZ). */
	memset(a, 0, sizeof a);
	memset(b, 0, sizeof b);
	memset(c, 0, sizeof c);
	a[0][0] = 0x0001;
	b[0][0] = 0x7f00;
	dlp_amx_emu_dpbf16ps(c, (const uint16_t (*)[32])a, (const uint16_t (*)[32])b, 1, 1, 1);
	assert_true(c[0][0] == 0.0f);
}

static void check_amx(dlp_amx_ukr ukr, int kc, int mc, int nc)
{
	static const size_t amx_sizes[][3] = {
		{ 1, 1, 1 }, { 7, 7, 7 }, { 33, 33, 33 }, { 32, 32, 32 }, { 64, 96, 130 },
		{ 45, 1, 17 }, { 1, 40, 9 }, { 100, 70, 65 }, { 0, 5, 5 }, { 5, 5, 0 },
	};
	size_t s;

	for (s = 0; s < sizeof amx_sizes / sizeof amx_sizes[0]; s++) {
		size_t m = amx_sizes[s][0], n = amx_sizes[s][1], k = amx_sizes[s][2];
		uint16_t *a = malloc((m * k + 1) * sizeof *a), *b = malloc((k * n + 1) * sizeof *b);
		float *c = malloc((m * n + 1) * sizeof *c);
		double *r = malloc((m * n + 1) * sizeof *r), err;
		dlp_amx_plan *p = dlp_amx_plan_new(ukr, kc, mc, nc);

		assert_non_null(p);
		dlp_fill_normal_bf16(a, m * k, 10 + s);
		dlp_fill_normal_bf16(b, k * n, 200 + s);
		dlp_fill_normal_f32(c, m * n, 9);
		dlp_amx_sbgemm(p, m, n, k, a, m ? m : 1, b, k ? k : 1, c, m ? m : 1);
		dlp_gemm_ref_bf16(m, n, k, a, b, r);
		err = dlp_max_rel_err_f32(m * n, c, r, k);
		if (err > BF16_TEST_TOL)
			fail_msg("amx %s kc %d %zux%zux%zu err %g", ukr == dlp_sbgemm_amx_32x32 ? "tiles" : "emulated",
				 kc, m, n, k, err);
		dlp_amx_plan_free(p);
		free(a);
		free(b);
		free(c);
		free(r);
	}
}

/* Thread shares (dlp_amx_sbgemm_share) run one after another, each on its
 * own plan, onto C filled with NaN: every element written and right (a gap
 * between shares stays NaN), for splits by n (n >= m in blocks), by m, a
 * share with no block (more threads than blocks) and edge blocks. */
static void test_amx_shares(void **state)
{
	static const size_t sizes[][3] = { { 33, 100, 20 }, { 130, 40, 33 }, { 20, 20, 5 }, { 97, 97, 64 } };
	size_t s, i;
	int nt, t;

	for (s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
		for (nt = 1; nt <= 4; nt++) {
			size_t m = sizes[s][0], n = sizes[s][1], k = sizes[s][2];
			uint16_t *a = malloc(m * k * sizeof *a), *b = malloc(k * n * sizeof *b);
			float *c = malloc(m * n * sizeof *c);
			double *r = malloc(m * n * sizeof *r), err;

			assert_true(a && b && c && r);
			dlp_fill_normal_bf16(a, m * k, 30 + s);
			dlp_fill_normal_bf16(b, k * n, 40 + s);
			for (i = 0; i < m * n; i++)
				c[i] = NAN;
			for (t = 0; t < nt; t++) {
				/* small blocks: shares cross the KC/MC/NC edges too */
				dlp_amx_plan *p = dlp_amx_plan_new(dlp_sbgemm_amx_emu_32x32, 32, 32, 64);

				assert_non_null(p);
				dlp_amx_sbgemm_share(p, t, nt, m, n, k, a, m, b, k, c, m);
				dlp_amx_plan_free(p);
			}
			dlp_gemm_ref_bf16(m, n, k, a, b, r);
			err = dlp_max_rel_err_f32(m * n, c, r, k);
			if (!(err <= BF16_TEST_TOL))
				fail_msg("amx shares %zux%zux%zu over %d threads: err %g", m, n, k, nt, err);
			free(a);
			free(b);
			free(c);
			free(r);
		}
}

/* Packing + driver + the tile instruction sequence, emulated: on any CPU.
 * Small blocks cross every KC/MC/NC edge; the default ones the real path. */
static void test_amx_emulated(void **state)
{
	check_amx(dlp_sbgemm_amx_emu_32x32, 32, 32, 32);
	check_amx(dlp_sbgemm_amx_emu_32x32, 64, 64, 32);
	check_amx(dlp_sbgemm_amx_emu_32x32, 512, 256, 1024);
}

/* The real tiles, only where the CPU has them and the OS grants them. */
static void test_amx_tiles(void **state)
{
	if (!dlp_cpu_amx_ok() || dlp_cpu_amx_request() != 0)
		skip();
	check_amx(dlp_sbgemm_amx_32x32, 32, 32, 32);
	check_amx(dlp_sbgemm_amx_32x32, 512, 256, 1024);
}

/* Every micro-kernel of the table, called directly as the framework calls
 * it: k from 1 through past the 4-step unroll and the prefetch distances,
 * acc 0 and 1, C with a leading dimension beyond MR whose extra rows must
 * stay untouched. */
static void check_ukr(const dlp_gemm_ukr *u, int elsize)
{
	static const size_t ks[] = { 1, 2, 3, 4, 5, 7, 8, 9, 17, 33, 70 };
	const size_t mr = (size_t)u->mr, nr = (size_t)u->nr, ldc = mr + 3;
	const size_t kmax = 70, kv = elsize == 2 ? 2 : 1;
	double *a = malloc(kmax * kv * mr * sizeof *a), *b = malloc(kmax * kv * nr * sizeof *b);
	double *c0 = malloc(ldc * nr * sizeof *c0);
	void *pa = dlp_cpu_alloc(kmax * kv * mr * 8), *pb = dlp_cpu_alloc(kmax * kv * nr * 8);
	void *pc = dlp_cpu_alloc(ldc * nr * 8);
	size_t t, i, j, p, q;
	int acc;

	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c0);
	assert_non_null(pa);
	assert_non_null(pb);
	assert_non_null(pc);
	dlp_fill_normal_f64(a, kmax * kv * mr, 3);
	dlp_fill_normal_f64(b, kmax * kv * nr, 4);
	dlp_fill_normal_f64(c0, ldc * nr, 5);
	/* The inputs as the kernel's type sees them, so the reference uses
	 * exactly the values it multiplies. */
	for (i = 0; i < kmax * kv * mr; i++) {
		if (elsize == 8)
			((double *)pa)[i] = a[i];
		else if (elsize == 4)
			a[i] = ((float *)pa)[i] = (float)a[i];
		else
			a[i] = dlp_bf16_to_f32(((uint16_t *)pa)[i] = dlp_f32_to_bf16((float)a[i]));
	}
	for (i = 0; i < kmax * kv * nr; i++) {
		if (elsize == 8)
			((double *)pb)[i] = b[i];
		else if (elsize == 4)
			b[i] = ((float *)pb)[i] = (float)b[i];
		else
			b[i] = dlp_bf16_to_f32(((uint16_t *)pb)[i] = dlp_f32_to_bf16((float)b[i]));
	}
	for (t = 0; t < sizeof ks / sizeof ks[0]; t++)
		for (acc = 0; acc < 2; acc++) {
			size_t k = ks[t];

			for (i = 0; i < ldc * nr; i++) {
				if (elsize == 8)
					((double *)pc)[i] = c0[i];
				else
					c0[i] = ((float *)pc)[i] = (float)c0[i];
			}
			if (elsize == 8)
				((dlp_ukr_d)u->fn)(k, pa, pb, pc, ldc, acc);
			else if (elsize == 4)
				((dlp_ukr_s)u->fn)(k, pa, pb, pc, ldc, acc);
			else
				((dlp_ukr_sb)u->fn)(k, pa, pb, pc, ldc, acc);
			for (j = 0; j < nr; j++)
				for (i = 0; i < ldc; i++) {
					double got = elsize == 8 ? ((double *)pc)[i + j * ldc] : ((float *)pc)[i + j * ldc];
					double want = acc || i >= mr ? c0[i + j * ldc] : 0, tol;

					if (i >= mr) {
						if (got != want)
							fail_msg("%s k=%zu acc=%d wrote row %zu of column %zu, outside the tile",
								 u->name, k, acc, i, j);
						continue;
					}
					/* packed A: k steps of mr x kv, B: k steps of nr x kv */
					for (p = 0; p < k; p++)
						for (q = 0; q < kv; q++)
							want += a[(p * mr + i) * kv + q] * b[(p * nr + j) * kv + q];
					tol = (elsize == 8 ? 1e-13 : 1e-5) * (sqrt((double)(k * kv)) + fabs(want));
					if (!(fabs(got - want) <= tol))
						fail_msg("%s k=%zu acc=%d C(%zu,%zu) = %g, want %g", u->name, k, acc, i, j,
							 got, want);
				}
		}
	free(a);
	free(b);
	free(c0);
	free(pa);
	free(pb);
	free(pc);
}

static void test_micro_kernels(void **state)
{
	static const int sizes_e[] = { 4, 8, 2 };
	int isa, e, ran = 0;

	for (isa = 0; isa < DLP_CPU_NISA; isa++)
		for (e = 0; e < 3; e++) {
			const dlp_gemm_ukr *u = dlp_gemm_ukr_get((dlp_cpu_isa)isa, sizes_e[e]);

			/* bf16 above generic needs AVX512_BF16, not just AVX-512 */
			if (!u || !dlp_cpu_isa_ok((dlp_cpu_isa)isa) || (sizes_e[e] == 2 && isa > 0 && !dlp_cpu_bf16_ok()))
				continue;
			check_ukr(u, sizes_e[e]);
			ran++;
		}
	/* generic fp32, fp64 and bf16 run everywhere */
	assert_true(ran >= 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generic),
		cmocka_unit_test(test_micro_kernels),
		cmocka_unit_test(test_avx2),
		cmocka_unit_test(test_avx512),
		cmocka_unit_test(test_sbgemm_generic),
		cmocka_unit_test(test_sbgemm_avx512bf16),
		cmocka_unit_test(test_sbgemm_matches_emulation),
		cmocka_unit_test(test_bf16_rounding),
		cmocka_unit_test(test_sbgemm_no_avx2),
		cmocka_unit_test(test_amx_emu_tile_op),
		cmocka_unit_test(test_amx_emulated),
		cmocka_unit_test(test_amx_shares),
		cmocka_unit_test(test_amx_tiles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
