/* The GEMM rate at a shape that was not measured (estimator/profile.c):
 * interpolated on two axes, the geometric-mean size and the aspect (size
 * over the smallest dimension), so that a convolution's im2col GEMM takes its rate from measured
 * shapes of its own thinness; exact (--measure) shapes win at their shape
 * only; no extrapolation beyond the measured shapes; "hardware capability"
 * is never below "as configured" at a shape. The rates are made up: what is
 * checked is which points decide, not a machine's figures. */
#include <math.h>

#include "estimator/estimator.h"
#include "estimator/profile_impl.h"
#include "support/testutil.h"

/* The --quick CPU shapes, with rates of the kind a busy core gives: the
 * decode-like 4096x16x4096 far below the rest. */
#define R_SQ256 200.0
#define R_SQ512 250.0
#define R_SQ1024 300.0
#define R_DEEPBENCH 280.0 /* 1760x64x1760 */
#define R_SKINNY16 100.0  /* 4096x16x4096 */
#define R_SKINNY128 250.0 /* 2560x128x2560 */

static void profile_with_points(dlp_profile *p, dlp_rateset *rs)
{
	assert_int_equal(dlp_profile_init(p, "interp", "bench"), 0);
	assert_int_equal(dlp_rates_add(rs, DLP_FP32, 256, 256, 256, R_SQ256), 0);
	assert_int_equal(dlp_rates_add(rs, DLP_FP32, 512, 512, 512, R_SQ512), 0);
	assert_int_equal(dlp_rates_add(rs, DLP_FP32, 1024, 1024, 1024, R_SQ1024), 0);
	assert_int_equal(dlp_rates_add(rs, DLP_FP32, 1760, 64, 1760, R_DEEPBENCH), 0);
	assert_int_equal(dlp_rates_add(rs, DLP_FP32, 4096, 16, 4096, R_SKINNY16), 0);
	assert_int_equal(dlp_rates_add(rs, DLP_FP32, 2560, 128, 2560, R_SKINNY128), 0);
}

static double rate(const dlp_profile *p, const dlp_rateset *rs, double m, double n, double k, int *meas)
{
	return dlp_profile_gemm_gflops(p, rs, DLP_FP32, m, n, k, meas);
}

/* A CIFAR ResNet convolution as a GEMM (8192x64x576, its backward shapes
 * too) is as large as the N=16 point but as thin as the N=64 one: its rate
 * comes from the N=64 regime, not from the streaming 4096x16x4096. (The
 * one-axis interpolation gave it about 115.) */
static void test_conv_takes_its_own_regime(void **state)
{
	dlp_profile p;
	int meas = 0;
	double r;

	(void)state;
	profile_with_points(&p, &p.capability);
	r = rate(&p, &p.capability, 8192, 64, 576, &meas);
	assert_true(meas);
	assert_true(r > 0.9 * R_DEEPBENCH && r <= R_SQ1024);
	assert_true(rate(&p, &p.capability, 64, 576, 8192, NULL) > 0.9 * R_DEEPBENCH);
	assert_true(rate(&p, &p.capability, 8192, 576, 64, NULL) > 0.9 * R_DEEPBENCH);
	/* a decode-like shape of its own stays with the streaming point */
	r = rate(&p, &p.capability, 4096, 16, 3072, NULL);
	assert_true(r < 1.2 * R_SKINNY16);
	dlp_profile_free(&p);
}

/* Between two square points a square shape lies between their rates; a
 * measured shape gives its own rate. */
static void test_between_and_at_points(void **state)
{
	dlp_profile p;
	double r;

	(void)state;
	profile_with_points(&p, &p.capability);
	r = rate(&p, &p.capability, 724, 724, 724, NULL);
	assert_true(r > R_SQ512 && r < R_SQ1024);
	assert_true(fabs(rate(&p, &p.capability, 1024, 1024, 1024, NULL) - R_SQ1024) < 1e-9);
	assert_true(fabs(rate(&p, &p.capability, 4096, 16, 4096, NULL) - R_SKINNY16) < 1e-9);
	/* the same shape measured twice (at two thread counts): the faster */
	assert_int_equal(dlp_rates_add(&p.capability, DLP_FP32, 512, 512, 512, 2 * R_SQ512), 0);
	assert_true(fabs(rate(&p, &p.capability, 512, 512, 512, NULL) - 2 * R_SQ512) < 1e-9);
	dlp_profile_free(&p);
}

/* Beyond the measured shapes the rate is the edge's, never extrapolated:
 * 8192^3 has the largest square's rate, and anything lies within the
 * slowest and fastest measured rates. */
static void test_clamped_outside(void **state)
{
	dlp_profile p;
	static const double shapes[][3] = {{8192, 8192, 8192}, {8, 8, 8}, {100000, 1, 9}, {30, 256, 256},
					   {65536, 2, 65536}, {1, 1, 1}};
	size_t i;

	(void)state;
	profile_with_points(&p, &p.capability);
	assert_true(fabs(rate(&p, &p.capability, 8192, 8192, 8192, NULL) - R_SQ1024) < 1e-9);
	for (i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		double r = rate(&p, &p.capability, shapes[i][0], shapes[i][1], shapes[i][2], NULL);
		assert_true(r >= R_SKINNY16 - 1e-9 && r <= R_SQ1024 + 1e-9);
	}
	dlp_profile_free(&p);
}

/* Square shapes only say nothing about thinness: a thin shape takes the
 * rate of the squares of its size (between 512^3 and 2048^3 for
 * 8192x64x576), not that of the small square that is as thin. */
static void test_squares_only(void **state)
{
	dlp_profile p;
	double r;

	(void)state;
	assert_int_equal(dlp_profile_init(&p, "squares", "bench"), 0);
	assert_int_equal(dlp_rates_add(&p.capability, DLP_FP32, 128, 128, 128, 90), 0);
	assert_int_equal(dlp_rates_add(&p.capability, DLP_FP32, 512, 512, 512, 240), 0);
	assert_int_equal(dlp_rates_add(&p.capability, DLP_FP32, 2048, 2048, 2048, 295), 0);
	r = rate(&p, &p.capability, 8192, 64, 576, NULL);
	assert_true(r >= 240 && r < 295);
	dlp_profile_free(&p);
}

/* A workload's own shape measured with --measure is its rate at that
 * shape, and nowhere else. */
static void test_exact_shape_wins(void **state)
{
	dlp_profile p;
	int meas = 0;
	double near_before;

	(void)state;
	profile_with_points(&p, &p.capability);
	near_before = rate(&p, &p.capability, 8192, 64, 577, NULL);
	assert_int_equal(dlp_profile_add_shape(&p.capability, DLP_FP32, 8192, 64, 576, 50), 0);
	assert_true(fabs(rate(&p, &p.capability, 8192, 64, 576, &meas) - 50) < 1e-9);
	assert_true(meas);
	assert_true(fabs(rate(&p, &p.capability, 8192, 64, 577, NULL) - near_before) < 1e-9);
	dlp_profile_free(&p);
}

/* Capability is the best verified implementation at each shape: where the
 * vendor library's interpolated rate is the higher one, capability has it. */
static void test_capability_at_least_configured(void **state)
{
	dlp_profile p;
	static const double shapes[][3] = {{8192, 64, 576}, {1024, 1024, 1024}, {4096, 16, 4096}, {300, 300, 300},
					   {512, 30, 256}};
	size_t i;

	(void)state;
	profile_with_points(&p, &p.capability);
	assert_int_equal(dlp_rates_add(&p.configured, DLP_FP32, 1760, 64, 1760, 2 * R_DEEPBENCH), 0);
	assert_int_equal(dlp_rates_add(&p.configured, DLP_FP32, 2048, 2048, 2048, 0.5 * R_SQ1024), 0);
	for (i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		double cap = rate(&p, &p.capability, shapes[i][0], shapes[i][1], shapes[i][2], NULL);
		double conf = rate(&p, &p.configured, shapes[i][0], shapes[i][1], shapes[i][2], NULL);
		assert_true(cap >= conf - 1e-9);
	}
	/* the convolution shape is near the vendor's fast N=64 point */
	assert_true(rate(&p, &p.capability, 8192, 64, 576, NULL) > 1.5 * R_DEEPBENCH);
	dlp_profile_free(&p);
}

/* A CPU whose vendor library was not timed in bf16 (a BLAS has none):
 * "as configured" at bf16 is dlprobe's measured bf16 GEMM, not the bf16
 * FMA peak x efficiency, and never above the capability. On a GPU the
 * library's efficiency per format stays (data/stacks.json). */
static void test_configured_without_dtype(void **state)
{
	dlp_profile p;
	int meas = 0;
	double conf, cap;

	(void)state;
	assert_int_equal(dlp_profile_init(&p, "bf16", "bench"), 0);
	assert_int_equal(dlp_rates_add(&p.configured, DLP_FP32, 1024, 1024, 1024, 100), 0);
	assert_int_equal(dlp_rates_add(&p.capability, DLP_FP32, 1024, 1024, 1024, 200), 0);
	assert_int_equal(dlp_rates_add(&p.capability, DLP_BF16, 1024, 1024, 1024, 600), 0);
	p.peak_gflops[DLP_BF16] = 1000;
	p.eff[DLP_BF16] = 0.85;
	conf = dlp_profile_gemm_gflops(&p, &p.configured, DLP_BF16, 2048, 2048, 2048, &meas);
	cap = dlp_profile_gemm_gflops(&p, &p.capability, DLP_BF16, 2048, 2048, 2048, NULL);
	assert_true(meas);
	assert_true(fabs(conf - 600) < 1e-9 && conf <= cap);
	p.is_gpu = 1;
	conf = dlp_profile_gemm_gflops(&p, &p.configured, DLP_BF16, 2048, 2048, 2048, &meas);
	assert_true(fabs(conf - 850) < 1e-9 && !meas);
	dlp_profile_free(&p);
}

/* No point of the dtype: the peak times the efficiency, not measured. */
static void test_no_points(void **state)
{
	dlp_profile p;
	int meas = 1;

	(void)state;
	assert_int_equal(dlp_profile_init(&p, "empty", "bench"), 0);
	assert_int_equal(dlp_rates_add(&p.capability, DLP_FP64, 1024, 1024, 1024, 100), 0);
	p.peak_gflops[DLP_FP32] = 400;
	p.eff[DLP_FP32] = 0.5;
	assert_true(fabs(rate(&p, &p.capability, 1024, 1024, 1024, &meas) - 200) < 1e-9);
	assert_false(meas);
	dlp_profile_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conv_takes_its_own_regime),
		cmocka_unit_test(test_between_and_at_points),
		cmocka_unit_test(test_clamped_outside),
		cmocka_unit_test(test_squares_only),
		cmocka_unit_test(test_exact_shape_wins),
		cmocka_unit_test(test_capability_at_least_configured),
		cmocka_unit_test(test_configured_without_dtype),
		cmocka_unit_test(test_no_points),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
