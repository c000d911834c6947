/* SGEMM/DGEMM against the naive reference on edge sizes, every ISA path
 * forced in turn, 1 and 2 threads, tiny blocks so that every loop edge
 * (MC, KC, NC, MR, NR) is crossed. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "kernels/cpu/cpu.h"

static const size_t sizes[][3] = {
	{ 1, 1, 1 }, { 7, 7, 7 }, { 33, 33, 33 }, { 1, 40, 9 }, { 45, 1, 17 },
	{ 64, 13, 100 }, { 97, 29, 1 }, { 35, 70, 130 }, { 128, 96, 64 }, { 0, 5, 5 }, { 5, 5, 0 },
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

static void test_generic(void **state) { run_isa(DLP_CPU_GENERIC); }
static void test_avx2(void **state) { run_isa(DLP_CPU_AVX2); }
static void test_avx512(void **state) { run_isa(DLP_CPU_AVX512); }

static void test_isa_override(void **state)
{
	setenv("DLPROBE_CPU_ISA", "generic", 1);
	assert_int_equal(dlp_cpu_isa_best(), DLP_CPU_GENERIC);
	assert_false(dlp_cpu_isa_ok(DLP_CPU_AVX2));
	setenv("DLPROBE_CPU_ISA", "avx2", 1);
	assert_false(dlp_cpu_isa_ok(DLP_CPU_AVX512));
	assert_false(dlp_cpu_bf16_ok());
	unsetenv("DLPROBE_CPU_ISA");
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
		cmocka_unit_test(test_generic),
		cmocka_unit_test(test_avx2),
		cmocka_unit_test(test_avx512),
		cmocka_unit_test(test_isa_override),
		cmocka_unit_test(test_blocking),
		cmocka_unit_test(test_team_binding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
