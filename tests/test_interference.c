/* Interference detection (kernels/interference.c) on hand-made results: each
 * ordering hardware cannot produce is reported, a consistent device is not,
 * re-runs keep each result's fastest verified figure, and devices are marked. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dlprobe/json.h"
#include "kernels/interference.h"

static json_t *res(const char *kernel, const char *impl, const char *isa, const char *dtype, double m,
		   int threads, double gflops, double spread)
{
	json_t *r = json_pack("{s:s,s:s,s:s,s:s,s:o,s:i,s:f,s:f}", "kernel", kernel, "impl", impl, "status", "ok",
			      "dtype", dtype, "m", m > 0 ? json_real(m) : json_null(), "threads", threads,
			      "rate_gflops", gflops, "spread", spread);
	json_object_set_new(r, "isa", isa ? json_string(isa) : json_null());
	return r;
}

static json_t *device(json_t *results)
{
	return json_pack("{s:s,s:s,s:o}", "name", "cpu0", "status", "ok", "results", results);
}

/* A device whose figures agree with each other: no reason. */
static json_t *consistent(void)
{
	return json_pack("[o,o,o,o,o,o]", res("fma_peak", "dlprobe", "generic", "fp32", 0, 1, 5, 0.02),
			 res("fma_peak", "dlprobe", "avx2", "fp32", 0, 1, 40, 0.02),
			 res("fma_peak", "dlprobe", "avx2", "fp32", 0, 2, 78, 0.03),
			 res("fma_peak", "dlprobe", "avx2", "fp64", 0, 2, 39, 0.03),
			 res("gemm", "dlprobe", "avx2", "fp32", 1024, 1, 30, 0.05),
			 res("gemm", "dlprobe", "avx2", "fp32", 1024, 2, 58, 0.05));
}

static int count_matching(const json_t *reasons, const char *needle)
{
	size_t i;
	json_t *s;
	int n = 0;

	json_array_foreach(reasons, i, s)
		n += strstr(json_string_value(s), needle) != NULL;
	return n;
}

static void test_consistent_device_is_stable(void **state)
{
	json_t *dev = device(consistent()), *reasons = json_array();

	(void)state;
	assert_int_equal(dlp_interference_check(dev, 0.0, reasons), 0);
	assert_int_equal(json_array_size(reasons), 0);
	json_decref(reasons);
	json_decref(dev);
}

static void test_impossible_orderings(void **state)
{
	json_t *results = consistent(), *dev, *reasons = json_array();

	(void)state;
	/* the scalar loop beats AVX2; fp64 beats fp32; 2 threads slower than 1 */
	json_array_append_new(results, res("fma_peak", "dlprobe", "generic", "fp32", 0, 2, 120, 0.02));
	json_array_append_new(results, res("fma_peak", "dlprobe", "avx2", "fp64", 0, 1, 60, 0.02));
	json_array_append_new(results, res("gemm", "blas", NULL, "fp32", 2048, 1, 40, 0.05));
	json_array_append_new(results, res("gemm", "blas", NULL, "fp32", 2048, 2, 25, 0.05));
	dev = device(results);
	assert_true(dlp_interference_check(dev, NAN, reasons) >= 3);
	assert_int_equal(count_matching(reasons, "generic loop ran"), 1);
	assert_int_equal(count_matching(reasons, "fp64 ran"), 1);
	assert_int_equal(count_matching(reasons, "2 threads ran at 0.62x the rate of 1"), 1);
	json_decref(reasons);
	json_decref(dev);
}

static void test_spread_and_steal(void **state)
{
	json_t *results = consistent(), *dev, *reasons = json_array();

	(void)state;
	json_array_append_new(results, res("stream_triad", "dlprobe", NULL, "fp64", 0, 2, 30, 0.9));
	/* reported-only kernels and latencies do not count for spread */
	json_array_append_new(results, res("axpy", "dlprobe", NULL, "fp32", 0, 2, 3, 3.0));
	dev = device(results);
	assert_int_equal(dlp_interference_check(dev, 0.2, reasons), 2);
	assert_int_equal(count_matching(reasons, "steal time 20%"), 1);
	assert_int_equal(count_matching(reasons, "stream_triad"), 1);
	json_decref(reasons);
	/* one thread is "1 thread" */
	reasons = json_array();
	json_array_append_new(json_object_get(dev, "results"), res("gemm", "dlprobe", "avx2", "fp32", 512, 1, 30, 0.9));
	assert_int_equal(dlp_interference_check(dev, 0.0, reasons), 2);
	assert_int_equal(count_matching(reasons, "n=512 at 1 thread: samples spread 90%"), 1);
	assert_int_equal(count_matching(reasons, "at 2 threads: samples spread 90%"), 1);
	json_decref(reasons);
	json_decref(dev);
	/* a GPU result (no isa, no thread count): no "nan", no empty field */
	reasons = json_array();
	dev = device(json_pack("[o]", res("gemm", "dlprobe", NULL, "fp64", 512, 1, 30, 1.35)));
	json_object_set_new(json_array_get(json_object_get(dev, "results"), 0), "threads", json_null());
	assert_int_equal(dlp_interference_check(dev, 0.0, reasons), 1);
	assert_int_equal(count_matching(reasons, "gemm dlprobe fp64 n=512: samples spread 135%"), 1);
	assert_int_equal(count_matching(reasons, "nan"), 0);
	json_decref(reasons);
	json_decref(dev);
}

/* With ten or more samples the spread is read at their 90th percentile:
 * one interrupted sample among many is no interference; past a tenth of
 * them slow (here 6 of 41), it is. */
static void test_spread_one_outlier(void **state)
{
	json_t *r = res("linear_pass", "blas", NULL, "fp64", 16384, 1, 5, 0.62), *dev, *reasons = json_array();
	json_t *samples = json_array();
	int i;

	(void)state;
	for (i = 0; i < 40; i++)
		json_array_append_new(samples, json_real(0.118e-3 * (1 + 0.002 * i)));
	json_array_append_new(samples, json_real(0.192e-3));
	json_object_set_new(r, "samples_s", samples);
	dev = device(json_pack("[o]", r));
	assert_int_equal(dlp_interference_check(dev, 0.0, reasons), 0);
	/* six slow samples of 41: past the 90th percentile, interference */
	for (i = 0; i < 5; i++)
		json_array_set_new(samples, (size_t)i, json_real(0.2e-3));
	assert_int_equal(dlp_interference_check(dev, 0.0, reasons), 1);
	assert_int_equal(count_matching(reasons, "samples spread"), 1);
	json_decref(reasons);
	json_decref(dev);
}

/* Threads off their CPUs (queued_fraction): one reason, for the worst
 * figure the estimator reads, only above DLP_NOISE_QUEUED. */
static void test_queued_threads(void **state)
{
	json_t *results = consistent(), *dev, *reasons = json_array(), *r;

	(void)state;
	json_object_set_new(json_array_get(results, 2), "queued_fraction", json_real(0.03));
	dev = device(results);
	assert_int_equal(dlp_interference_check(dev, 0.0, reasons), 0);
	json_object_set_new(json_array_get(results, 5), "queued_fraction", json_real(0.25));
	json_object_set_new(json_array_get(results, 4), "queued_fraction", json_real(0.4));
	r = res("axpy", "dlprobe", NULL, "fp32", 0, 2, 3, 0.1);
	json_object_set_new(r, "queued_fraction", json_real(0.9));
	json_array_append_new(results, r);
	assert_int_equal(dlp_interference_check(dev, 0.0, reasons), 1);
	assert_int_equal(count_matching(reasons, "gemm dlprobe avx2 fp32 n=1024 at 1 thread: its threads were off "
						 "their CPUs 40% of the time"), 1);
	json_decref(reasons);
	json_decref(dev);
}

static json_t *core_sharing(int checks, int shared, double worst, double waited_s)
{
	return json_pack("{s:i,s:i,s:f,s:f}", "checks", checks, "shared", shared, "worst", worst, "waited_s",
			 waited_s);
}

/* A check that still found two threads on one core is a reason; one that
 * found it and waited it out (shared 0) is not. */
static void test_core_sharing_reason(void **state)
{
	json_t *dev = device(consistent()), *reasons = json_array();

	(void)state;
	json_object_set_new(dev, "core_sharing", core_sharing(2, 0, 1.48, 0.1));
	assert_int_equal(dlp_interference_check(dev, 0.0, reasons), 0);
	json_object_set_new(dev, "core_sharing", json_null());
	assert_int_equal(dlp_interference_check(dev, 0.0, reasons), 0);
	json_object_set_new(dev, "core_sharing", core_sharing(2, 1, 1.5, 0));
	assert_int_equal(dlp_interference_check(dev, 0.0, reasons), 1);
	assert_int_equal(count_matching(reasons, "threads ran as one core's hardware threads in 1 of 2 checks "
						 "(1.50x their time alone)"), 1);
	json_decref(reasons);
	json_decref(dev);
}

/* The re-runs' checks add up to the device's, the worst ratio the larger. */
static void test_keep_best_core_sharing(void **state)
{
	json_t *a = json_pack("[o]", device(consistent())), *b = json_pack("[o]", device(consistent()));
	json_t *k;

	(void)state;
	json_object_set_new(json_array_get(a, 0), "core_sharing", core_sharing(2, 1, 1.5, 0));
	json_object_set_new(json_array_get(b, 0), "core_sharing", core_sharing(8, 0, 1.1, 0.25));
	dlp_interference_keep_best(a, b);
	k = json_object_get(json_array_get(a, 0), "core_sharing");
	assert_int_equal(json_integer_value(json_object_get(k, "checks")), 10);
	assert_int_equal(json_integer_value(json_object_get(k, "shared")), 1);
	assert_true(dlp_json_num(k, "worst") == 1.5);
	assert_true(dlp_json_num(k, "waited_s") == 0.25);
	json_decref(a);
	json_decref(b);
}

static void test_keep_best_and_mark(void **state)
{
	json_t *a = json_pack("[o]", device(json_pack("[o,o]", res("gemm", "blas", NULL, "fp32", 2048, 1, 40, 0.05),
					       res("gemm", "blas", NULL, "fp32", 2048, 2, 25, 0.05))));
	json_t *b = json_pack("[o]", device(json_pack("[o,o]", res("gemm", "blas", NULL, "fp32", 2048, 1, 35, 0.05),
					       res("gemm", "blas", NULL, "fp32", 2048, 2, 75, 0.05))));
	json_t *r0, *r1, *dev;

	(void)state;
	dlp_interference_keep_best(a, b);
	dev = json_array_get(a, 0);
	r0 = json_array_get(json_object_get(dev, "results"), 0);
	r1 = json_array_get(json_object_get(dev, "results"), 1);
	assert_true(dlp_json_num(r0, "rate_gflops") == 40); /* the first run was faster */
	assert_true(dlp_json_num(r1, "rate_gflops") == 75); /* the re-run was faster */
	dlp_interference_mark(a, 2, 1, 0.0);
	assert_true(json_is_true(json_object_get(dev, "stable")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(dev, "stability"), "runs")), 2);
	json_decref(a);
	json_decref(b);
}

/* The round kept is the one with the fastest sample, which the estimator
 * reads, not the one with the fastest median: a round of median 50 and
 * fastest sample 100 GFLOP/s (min_s half its median_s) beats one of
 * median 60 whose fastest sample is its median. */
static void test_keep_best_fastest_sample(void **state)
{
	json_t *ra = res("gemm", "dlprobe", "avx2", "fp32", 1024, 2, 60, 0.05);
	json_t *rb = res("gemm", "dlprobe", "avx2", "fp32", 1024, 2, 50, 0.9);
	json_t *a, *b, *kept;

	(void)state;
	json_object_set_new(ra, "median_s", json_real(0.02));
	json_object_set_new(ra, "min_s", json_real(0.02));
	json_object_set_new(rb, "median_s", json_real(0.024));
	json_object_set_new(rb, "min_s", json_real(0.012));
	a = json_pack("[o]", device(json_pack("[o]", ra)));
	b = json_pack("[o]", device(json_pack("[o]", rb)));
	dlp_interference_keep_best(a, b);
	kept = json_array_get(json_object_get(json_array_get(a, 0), "results"), 0);
	assert_true(dlp_json_num(kept, "rate_gflops") == 50);
	assert_true(dlp_json_num(kept, "min_s") == 0.012);
	json_decref(a);
	json_decref(b);
}

/* The quiet figure (the fastest sample less the threads' time off their
 * CPUs) is the fastest over runs, whichever result is kept by its median:
 * a first run times none, a re-run's is kept beside the first run's
 * faster median, and a later slower one does not replace it. */
static json_t *with_quiet(json_t *r, double quiet, double queued)
{
	json_object_set_new(r, "quiet_min_s", json_real(quiet));
	json_object_set_new(r, "queued_fraction", json_real(queued));
	return r;
}

static void test_keep_best_quiet(void **state)
{
	json_t *a = json_pack("[o]", device(json_pack("[o]", res("gemm", "dlprobe", "avx2", "fp32", 1024, 2, 60, 0.05))));
	json_t *f1 = json_pack("[o]", device(json_pack("[o]", with_quiet(res("gemm", "dlprobe", "avx2", "fp32", 1024, 2,
									      40, 0.05), 0.004, 0.3))));
	json_t *f2 = json_pack("[o]", device(json_pack("[o]", with_quiet(res("gemm", "dlprobe", "avx2", "fp32", 1024, 2,
									      50, 0.05), 0.006, 0.1))));
	json_t *r;

	(void)state;
	dlp_interference_keep_best(a, f1);
	dlp_interference_keep_best(a, f2);
	r = json_array_get(json_object_get(json_array_get(a, 0), "results"), 0);
	assert_true(dlp_json_num(r, "rate_gflops") == 60);
	assert_true(dlp_json_num(r, "quiet_min_s") == 0.004);
	assert_true(dlp_json_num(r, "queued_fraction") == 0.3);
	json_decref(a);
	json_decref(f1);
	json_decref(f2);
}

/* Focused re-runs measure only some results: each result counts the runs
 * that measured it (the figure is the fastest of them), whichever run it
 * was kept from, and one no re-run measured keeps no count (one run). */
static void test_runs_counted_per_result(void **state)
{
	json_t *a = json_pack("[o]", device(json_pack("[o,o]", res("gemm", "blas", NULL, "fp32", 1024, 2, 40, 0.05),
					       res("dot", "dlprobe", NULL, "fp32", 0, 2, 9, 0.05))));
	json_t *f1 = json_pack("[o]", device(json_pack("[o]", res("gemm", "blas", NULL, "fp32", 1024, 2, 55, 0.05))));
	json_t *f2 = json_pack("[o]", device(json_pack("[o]", res("gemm", "blas", NULL, "fp32", 1024, 2, 30, 0.05))));
	json_t *dev, *gemm, *dot;

	(void)state;
	dlp_interference_keep_best(a, f1);
	dlp_interference_keep_best(a, f2);
	dev = json_array_get(a, 0);
	gemm = json_array_get(json_object_get(dev, "results"), 0);
	dot = json_array_get(json_object_get(dev, "results"), 1);
	assert_true(dlp_json_num(gemm, "rate_gflops") == 55); /* the first focused run's */
	assert_int_equal(json_integer_value(json_object_get(gemm, "runs")), 3);
	assert_null(json_object_get(dot, "runs"));
	assert_true(dlp_json_num(dot, "rate_gflops") == 9);
	dlp_interference_mark(a, 3, 2, 0.0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(dev, "stability"), "focused_runs")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(dev, "stability"), "runs")), 3);
	json_decref(a);
	json_decref(f1);
	json_decref(f2);
}

/* A peak row (best sample best) and a GEMM row whose percent was taken
 * against the peak of its own run (pct). */
static json_t *peak_row(const char *dtype, int threads, double best)
{
	json_t *r = res("fma_peak", "dlprobe", dtype[0] == 'b' ? "avx512_bf16" : "avx2", dtype, 0, threads, best * 0.9,
			0.02);

	json_object_set_new(r, "best_gflops", json_real(best));
	return r;
}

static json_t *gemm_row(const char *isa, const char *dtype, double m, int threads, double gflops, double pct)
{
	json_t *r = res("gemm", isa ? "dlprobe" : "blas", isa, dtype, m, threads, gflops, 0.05);

	json_object_set_new(r, "pct_of_measured_peak", json_real(pct));
	return r;
}

static double pct_of(const json_t *dev, size_t i)
{
	return dlp_json_num(json_array_get(json_object_get(dev, "results"), i), "pct_of_measured_peak");
}

/* Re-runs merged row by row mix runs: a GEMM row kept from one run and the
 * peak row kept from another. Every percent must then be taken against the
 * peak rows the merged device holds (the review saw 101% and 51% beside a
 * peak row of 180). */
static void test_merged_percent_refers_to_kept_peak(void **state)
{
	json_t *a = json_pack("[o]", device(json_pack("[o,o,o,o,o,o]", peak_row("fp32", 1, 100), peak_row("fp32", 2, 180),
						      gemm_row("avx2", "fp32", 512, 2, 170, 100.0 * 170 / 180),
						      gemm_row("avx2", "fp32", 2048, 2, 150, 100.0 * 150 / 180),
						      gemm_row(NULL, "fp32", 2048, 2, 160, 100.0 * 160 / 180),
						      gemm_row("avx2", "fp32", 512, 1, 90, 90.0))));
	json_t *b = json_pack("[o]", device(json_pack("[o,o,o,o,o,o]", peak_row("fp32", 1, 95), peak_row("fp32", 2, 120),
						      gemm_row("avx2", "fp32", 512, 2, 115, 100.0 * 115 / 120),
						      gemm_row("avx2", "fp32", 2048, 2, 175, 100.0 * 175 / 120),
						      gemm_row(NULL, "fp32", 2048, 2, 100, 100.0 * 100 / 120),
						      gemm_row("avx2", "fp32", 512, 1, 95, 100.0))));
	json_t *dev, *r;

	(void)state;
	json_object_set_new(json_array_get(a, 0), "isa", json_string("avx2"));
	json_object_set_new(json_array_get(b, 0), "isa", json_string("avx2"));
	/* the kept 2048 row (175) says it is above the re-run's peak of 120 */
	json_object_set_new(json_array_get(json_object_get(json_array_get(b, 0), "results"), 3), "note",
			    json_string(DLP_NOTE_OVER_PEAK));
	dlp_interference_keep_best(a, b);
	dev = json_array_get(a, 0);
	/* the first run's peaks (100, 180) were faster and are kept */
	assert_true(pct_of(dev, 2) == 100.0 * 170 / 180);
	assert_true(pct_of(dev, 3) == 100.0 * 175 / 180); /* re-run's row, first run's peak */
	assert_true(pct_of(dev, 4) == 100.0 * 160 / 180); /* a BLAS: the device's best ISA */
	assert_true(pct_of(dev, 5) == 100.0 * 95 / 100);  /* one thread: the one-thread peak */
	r = json_array_get(json_object_get(dev, "results"), 3);
	assert_null(json_object_get(r, "note")); /* no longer above its peak */
	/* the re-run's own document was not changed by the merge */
	assert_true(pct_of(json_array_get(b, 0), 3) == 100.0 * 175 / 120);
	json_decref(a);
	json_decref(b);
}

/* A percent above 100 carries the note; a row with no peak to compare
 * with (AMX) has a null percent. */
static void test_pct_set(void **state)
{
	json_t *r = gemm_row("avx2", "fp32", 512, 2, 200, 0);

	(void)state;
	dlp_interference_pct_set(r, 100);
	assert_true(dlp_json_num(r, "pct_of_measured_peak") == 200);
	assert_string_equal(json_string_value(json_object_get(r, "note")), DLP_NOTE_OVER_PEAK);
	dlp_interference_pct_set(r, 0);
	assert_true(json_is_null(json_object_get(r, "pct_of_measured_peak")));
	assert_null(json_object_get(r, "note"));
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_consistent_device_is_stable),
		cmocka_unit_test(test_impossible_orderings),
		cmocka_unit_test(test_spread_and_steal),
		cmocka_unit_test(test_spread_one_outlier),
		cmocka_unit_test(test_keep_best_fastest_sample),
		cmocka_unit_test(test_queued_threads),
		cmocka_unit_test(test_core_sharing_reason),
		cmocka_unit_test(test_keep_best_core_sharing),
		cmocka_unit_test(test_keep_best_and_mark),
		cmocka_unit_test(test_keep_best_quiet),
		cmocka_unit_test(test_runs_counted_per_result),
		cmocka_unit_test(test_merged_percent_refers_to_kept_peak),
		cmocka_unit_test(test_pct_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
