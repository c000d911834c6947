/* The harness on a fake clock: no test here depends on real time. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dlprobe/json.h"
#include "kernels/harness.h"

struct fake {
	double now;
	const double *steps;  /* time each call advances the clock by */
	size_t nsteps, calls;
	int fail_at;          /* call index that fails, -1 none */
	double report;        /* elapsed the rep reports itself (<0: let harness time) */
};

static double fake_clock(void *user)
{
	return ((struct fake *)user)->now;
}

static int fake_rep(void *ctx, double *elapsed)
{
	struct fake *f = ctx;
	size_t i = f->calls++;

	if ((int)i == f->fail_at)
		return dlp_error_set("rep %zu failed", i);
	f->now += f->steps[i % f->nsteps];
	if (f->report >= 0)
		*elapsed = f->report;
	return 0;
}

static void test_stats_odd_even(void **state)
{
	double a[] = { 3.0, 1.0, 2.0 };
	double b[] = { 4.0, 1.0, 2.0, 3.0 };
	dlp_stats s = { .samples_s = a, .n = 3 };

	assert_int_equal(dlp_stats_compute(&s), 0);
	assert_true(s.median_s == 2.0 && s.min_s == 1.0 && s.max_s == 3.0);
	assert_true(s.spread == 1.0);
	s = (dlp_stats){ .samples_s = b, .n = 4 };
	assert_int_equal(dlp_stats_compute(&s), 0);
	assert_true(s.median_s == 2.5);
	assert_true(fabs(s.spread - 3.0 / 2.5) < 1e-12);
}

static void test_stats_rejects_zero(void **state)
{
	double a[] = { 1.0, 0.0 };
	dlp_stats s = { .samples_s = a, .n = 2 };

	assert_int_equal(dlp_stats_compute(&s), -1);
	assert_non_null(strstr(dlp_error_message(), "non-positive"));
	s.n = 0;
	assert_int_equal(dlp_stats_compute(&s), -1);
}

static void test_measure_budget(void **state)
{
	double steps[] = { 0.125 };
	struct fake f = { .steps = steps, .nsteps = 1, .fail_at = -1, .report = -1 };
	dlp_budget b = { .warmups = 2, .budget_s = 1.0, .min_samples = 3, .max_samples = 100 };
	dlp_stats s;

	dlp_harness_set_clock(fake_clock, &f);
	assert_int_equal(dlp_measure(fake_rep, &f, &b, &s), 0);
	/* 2 warm-ups untimed, then samples until 1.0 s is spent: 8 of 0.125 s. */
	assert_int_equal(f.calls, 10);
	assert_int_equal(s.n, 8);
	assert_true(s.median_s == 0.125);
	dlp_stats_free(&s);
	dlp_harness_set_clock(NULL, NULL);
}

static void test_measure_min_and_max(void **state)
{
	double steps[] = { 5.0 };
	struct fake f = { .steps = steps, .nsteps = 1, .fail_at = -1, .report = -1 };
	dlp_budget b = { .warmups = 0, .budget_s = 1.0, .min_samples = 3, .max_samples = 100 };
	dlp_stats s;

	dlp_harness_set_clock(fake_clock, &f);
	/* The probe run alone exceeds the budget: min_samples still taken. */
	assert_int_equal(dlp_measure(fake_rep, &f, &b, &s), 0);
	assert_int_equal(s.n, 3);
	dlp_stats_free(&s);
	steps[0] = 1e-6;
	b.max_samples = 50;
	assert_int_equal(dlp_measure(fake_rep, &f, &b, &s), 0);
	assert_int_equal(s.n, 50);
	dlp_stats_free(&s);
	dlp_harness_set_clock(NULL, NULL);
}

static void test_measure_spread_and_order(void **state)
{
	double steps[] = { 0.2, 0.1, 0.4, 0.3 };
	struct fake f = { .steps = steps, .nsteps = 4, .fail_at = -1, .report = -1 };
	dlp_budget b = { .warmups = 0, .budget_s = 0.0, .min_samples = 4, .max_samples = 4 };
	dlp_stats s;

	dlp_harness_set_clock(fake_clock, &f);
	assert_int_equal(dlp_measure(fake_rep, &f, &b, &s), 0);
	assert_int_equal(s.n, 4);
	/* Samples kept in run order. */
	assert_true(fabs(s.samples_s[0] - 0.2) < 1e-12 && fabs(s.samples_s[2] - 0.4) < 1e-12);
	assert_true(fabs(s.median_s - 0.25) < 1e-12);
	assert_true(fabs(s.min_s - 0.1) < 1e-12 && fabs(s.max_s - 0.4) < 1e-12);
	assert_true(fabs(s.spread - 0.3 / 0.25) < 1e-9);
	dlp_stats_free(&s);
	dlp_harness_set_clock(NULL, NULL);
}

/* A wait reader: each sample is reported less the wait read over it (the
 * reading before a sample starts the count), as quiet_min_s, with the
 * waits' share of the samples' time; a wait as long as its sample corrects
 * nothing; work that shares the memory (shares_memory) reads no wait. */
struct fake_wait {
	const double *waits;  /* per call after a sample */
	size_t calls;
};

static double fake_wait_fn(void *user)
{
	struct fake_wait *w = user;
	size_t i = w->calls++;

	/* odd calls end a sample, even ones start it (and read stale waits) */
	return i % 2 ? w->waits[i / 2] : 7.0;
}

static double nan_wait_fn(void *user)
{
	(void)user;
	return NAN;
}

static void test_measure_quiet_min(void **state)
{
	double steps[] = { 0.2, 0.4, 0.3 }, waits[] = { 0.05, 0.31, 0.25 };
	struct fake f = { .steps = steps, .nsteps = 3, .fail_at = -1, .report = -1 };
	struct fake_wait w = { .waits = waits };
	dlp_budget b = { .warmups = 1, .budget_s = 0.0, .min_samples = 3, .max_samples = 3 };
	dlp_stats s;
	json_t *r = dlp_result_new("gemm", "dlprobe", "fp32");

	(void)state;
	dlp_harness_set_clock(fake_clock, &f);
	dlp_harness_set_wait(fake_wait_fn, &w);
	assert_int_equal(dlp_measure(fake_rep, &f, &b, &s), 0);
	assert_int_equal(w.calls, 6);
	/* samples 0.4 (after the warm-up's 0.2), 0.3, 0.2: waits 0.05, then
	 * two longer than their samples (no correction; a sample's share of
	 * waiting is at most all of it) */
	assert_true(fabs(s.min_s - 0.2) < 1e-12);
	assert_true(fabs(s.quiet_min_s - 0.2) < 1e-12);
	assert_true(fabs(s.queued_fraction - 0.05 / 0.9) < 1e-12);
	dlp_result_set_stats(r, &s, "rate_gflops", 1.0);
	assert_true(fabs(json_number_value(json_object_get(r, "quiet_min_s")) - 0.2) < 1e-12);
	dlp_stats_free(&s);
	waits[2] = 0.15;
	f.calls = 0, w.calls = 0;
	assert_int_equal(dlp_measure(fake_rep, &f, &b, &s), 0);
	assert_true(fabs(s.quiet_min_s - 0.05) < 1e-12);
	dlp_stats_free(&s);
	/* work sharing the memory: no reader called, no quiet figure */
	b.shares_memory = 1;
	f.calls = 0, w.calls = 0;
	assert_int_equal(dlp_measure(fake_rep, &f, &b, &s), 0);
	assert_int_equal(w.calls, 0);
	assert_true(s.quiet_min_s == 0);
	dlp_result_set_stats(r, &s, "rate_gflops", 1.0);
	assert_null(json_object_get(r, "quiet_min_s"));
	assert_null(json_object_get(r, "queued_fraction"));
	dlp_stats_free(&s);
	/* a reader with nothing tracked (NaN): none either */
	b.shares_memory = 0;
	dlp_harness_set_wait(nan_wait_fn, NULL);
	f.calls = 0;
	assert_int_equal(dlp_measure(fake_rep, &f, &b, &s), 0);
	assert_true(s.quiet_min_s == 0);
	dlp_stats_free(&s);
	/* no reader: none either */
	dlp_harness_set_wait(NULL, NULL);
	b.shares_memory = 0;
	f.calls = 0;
	assert_int_equal(dlp_measure(fake_rep, &f, &b, &s), 0);
	assert_true(s.quiet_min_s == 0);
	dlp_stats_free(&s);
	json_decref(r);
	dlp_harness_set_clock(NULL, NULL);
}

static void test_measure_zero_elapsed_is_error(void **state)
{
	double steps[] = { 0.0 };
	struct fake f = { .steps = steps, .nsteps = 1, .fail_at = -1, .report = -1 };
	dlp_budget b = { .warmups = 1, .budget_s = 1.0, .min_samples = 3, .max_samples = 10 };
	dlp_stats s = { 0 };

	dlp_harness_set_clock(fake_clock, &f);
	assert_int_equal(dlp_measure(fake_rep, &f, &b, &s), -1);
	assert_non_null(strstr(dlp_error_message(), "zero elapsed"));
	assert_null(s.samples_s);
	dlp_harness_set_clock(NULL, NULL);
}

static void test_measure_reported_time_and_failure(void **state)
{
	double steps[] = { 1.0 };
	struct fake f = { .steps = steps, .nsteps = 1, .fail_at = -1, .report = 0.25 };
	dlp_budget b = { .warmups = 0, .budget_s = 0.0, .min_samples = 2, .max_samples = 2 };
	dlp_stats s;

	dlp_harness_set_clock(fake_clock, &f);
	/* A GPU event time takes precedence over the host clock. */
	assert_int_equal(dlp_measure(fake_rep, &f, &b, &s), 0);
	assert_true(fabs(s.median_s - 0.25) < 1e-12);
	dlp_stats_free(&s);
	f.calls = 0;
	f.fail_at = 1;
	assert_int_equal(dlp_measure(fake_rep, &f, &b, &s), -1);
	assert_non_null(strstr(dlp_error_message(), "rep 1 failed"));
	dlp_harness_set_clock(NULL, NULL);
}

/* Measure-and-attach: the rate on success; on failure the result is left as
 * it was (the caller marks it failed) and the reason is kept. */
static void test_result_measure(void **state)
{
	double steps[] = { 0.5 };
	struct fake f = { .steps = steps, .nsteps = 1, .fail_at = -1, .report = -1 };
	dlp_budget b = { .warmups = 0, .budget_s = 0.0, .min_samples = 3, .max_samples = 3 };
	json_t *r = dlp_result_new("d2d", "dlprobe", NULL);

	(void)state;
	dlp_harness_set_clock(fake_clock, &f);
	assert_int_equal(dlp_result_measure(r, fake_rep, &f, &b, "rate_gbps", 2.0), 0);
	assert_true(fabs(json_number_value(json_object_get(r, "rate_gbps")) - 4.0) < 1e-9);
	assert_int_equal(json_array_size(json_object_get(r, "samples_s")), 3);
	json_decref(r);
	r = dlp_result_new("d2d", "dlprobe", NULL);
	f.calls = 0;
	f.fail_at = 2;
	assert_int_equal(dlp_result_measure(r, fake_rep, &f, &b, "rate_gbps", 2.0), -1);
	assert_non_null(strstr(dlp_error_message(), "rep 2 failed"));
	assert_null(json_object_get(r, "rate_gbps"));
	json_decref(r);
	dlp_harness_set_clock(NULL, NULL);
}

static void test_real_clock_monotonic(void **state)
{
	double a = dlp_harness_now(), b = dlp_harness_now();

	assert_true(b >= a && a > 0);
}

static void test_result_object(void **state)
{
	double smp[] = { 2.0, 1.0, 3.0 };
	dlp_stats s = { .samples_s = smp, .n = 3 };
	json_t *r = dlp_result_new("gemm", "dlprobe", "fp32");

	assert_string_equal(json_string_value(json_object_get(r, "status")), "skipped");
	assert_int_equal(dlp_stats_compute(&s), 0);
	dlp_result_set_stats(r, &s, "rate_gflops", 10.0);
	assert_string_equal(json_string_value(json_object_get(r, "status")), "ok");
	assert_true(json_is_null(json_object_get(r, "reason")));
	assert_true(fabs(json_real_value(json_object_get(r, "rate_gflops")) - 5.0) < 1e-12);
	assert_int_equal(json_array_size(json_object_get(r, "samples_s")), 3);
	assert_true(fabs(json_real_value(json_object_get(r, "median_s")) - 2.0) < 1e-12);
	json_object_set_new(r, "pct_of_measured_peak", json_real(50));
	dlp_result_fail(r, DLP_STATUS_ERROR, "verification failed");
	assert_string_equal(json_string_value(json_object_get(r, "status")), "error");
	assert_string_equal(json_string_value(json_object_get(r, "reason")), "verification failed");
	assert_null(json_object_get(r, "rate_gflops"));
	assert_null(json_object_get(r, "samples_s"));
	assert_true(json_is_null(json_object_get(r, "pct_of_measured_peak")));
	json_decref(r);
}

/* A result verified before its timing failed is no longer verified, and
 * keeps no rate; its error figure stays as evidence. */
static void test_result_fail_unverifies(void **state)
{
	double smp[] = { 1.0 };
	dlp_stats s = { .samples_s = smp, .n = 1 };
	json_t *r = dlp_result_new("gemm", "dlprobe", "fp32");

	assert_int_equal(dlp_stats_compute(&s), 0);
	json_object_set_new(r, "max_rel_err", json_real(1e-7));
	json_object_set_new(r, "verified", json_true());
	dlp_result_set_stats(r, &s, "rate_gflops", 1.0);
	json_object_set_new(r, "rate_gbps", json_real(3));
	dlp_result_fail(r, DLP_STATUS_ERROR, "timing failed");
	assert_true(json_is_false(json_object_get(r, "verified")));
	assert_null(json_object_get(r, "rate_gflops"));
	assert_null(json_object_get(r, "rate_gbps"));
	assert_null(json_object_get(r, "median_s"));
	assert_true(json_real_value(json_object_get(r, "max_rel_err")) == 1e-7);
	assert_string_equal(json_string_value(json_object_get(r, "status")), "error");
	json_decref(r);
}

static void test_result_latency(void **state)
{
	double smp[] = { 4e-6 };
	dlp_stats s = { .samples_s = smp, .n = 1 };
	json_t *r = dlp_result_new("launch_latency", "dlprobe", NULL);

	assert_int_equal(dlp_stats_compute(&s), 0);
	dlp_result_set_stats(r, &s, "latency_s", 0);
	assert_true(fabs(json_real_value(json_object_get(r, "latency_s")) - 4e-6) < 1e-15);
	assert_true(json_is_null(json_object_get(r, "dtype")));
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats_odd_even),
		cmocka_unit_test(test_stats_rejects_zero),
		cmocka_unit_test(test_measure_budget),
		cmocka_unit_test(test_measure_min_and_max),
		cmocka_unit_test(test_measure_spread_and_order),
		cmocka_unit_test(test_measure_quiet_min),
		cmocka_unit_test(test_measure_zero_elapsed_is_error),
		cmocka_unit_test(test_measure_reported_time_and_failure),
		cmocka_unit_test(test_real_clock_monotonic),
		cmocka_unit_test(test_result_object),
		cmocka_unit_test(test_result_fail_unverifies),
		cmocka_unit_test(test_result_latency),
		cmocka_unit_test(test_result_measure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
