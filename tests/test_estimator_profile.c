/* What the estimator reads: the spec parsers, bench documents into
 * profiles (the two GEMM rates, fallbacks for what was not measured,
 * implausible figures dropped with a flag) and the catalog's sources. The
 * estimates computed on profiles are test_estimator.c's. */
#include <math.h>
#include <string.h>

#include "dlprobe/json.h"
#include "estimator/estimator.h"
#include "support/testjson.h"
#include "support/testutil.h"

/* A CPU bench fixture: the OpenBLAS misdetection gap (docs/references.md: ~30 vs
 * ~300 GFLOP/s) must show as "as configured" slower than "hardware
 * capability", with a flag. */
static void test_cpu_fixture_two_rates(void **state)
{
	json_t *doc = test_fixture("bench_cpu_fixture.json"), *o;
	dlp_profile p;
	dlp_model *m = dlp_model_from_spec("resnet18", 3, 32, 32, 10);
	dlp_dataset ds;
	dlp_train t;
	double r1, r2;
	int meas;

	assert_int_equal(dlp_profile_from_bench(doc, "fixture", &p), 0);
	assert_int_equal(p.cpus, 2);
	assert_int_equal((int)p.configured.n, 3);
	assert_int_equal((int)p.capability.n, 3);
	/* interpolation: between measured shapes, clamped outside */
	r1 = dlp_profile_gemm_gflops(&p, &p.capability, DLP_FP32, 1024, 1024, 1024, &meas);
	assert_true(meas && r1 > 240 && r1 < 295);
	r2 = dlp_profile_gemm_gflops(&p, &p.capability, DLP_FP32, 8192, 8192, 8192, &meas);
	assert_true(r2 <= 295.0001);
	/* roofline: a skinny GEMM is bandwidth-bound */
	r2 = dlp_profile_gemm_gflops(&p, &p.capability, DLP_FP32, 100000, 1, 9, &meas);
	assert_true(r2 < 20);
	assert_int_equal(dlp_dataset_from_spec("cifar10", &ds), 0);
	dlp_train_defaults(&t);
	o = dlp_estimate_deep(&p, m, &ds, &t);
	assert_non_null(o);
	assert_true(test_num(o, "hardware_capability.speedup_vs_configured") > 2);
	assert_true(json_array_size(json_object_get(o, "flags")) >= 1);
	assert_true(json_is_true(json_object_get(json_object_get(o, "memory"), "fits")));
	assert_true(test_num(o, "memory.largest_batch") > 128);
	assert_true(test_num(o, "train_s.low") < test_num(o, "train_s.expected") &&
		    test_num(o, "train_s.expected") < test_num(o, "train_s.high"));
	/* no price for a bench profile: cost is null, not NaN */
	assert_true(json_is_null(json_object_get(json_object_get(o, "cost_usd"), "expected")));
	json_decref(o);
	dlp_model_free(m);
	dlp_profile_free(&p);
	json_decref(doc);
}

static void test_bench_fallbacks_and_schema(void **state)
{
	json_t *doc = test_fixture("bench_cpu_minimal.json");
	dlp_profile p;

	assert_int_equal(dlp_profile_from_bench(doc, "minimal", &p), 0);
	assert_true(json_array_size(p.flags) >= 3);
	assert_true(dlp_profile_gemm_gflops(&p, &p.configured, DLP_FP32, 512, 512, 512, NULL) > 0);
	dlp_profile_free(&p);
	json_decref(doc);
	doc = test_fixture("bench_schema2.json");
	assert_int_equal(dlp_profile_from_bench(doc, "v2", &p), -1);
	assert_non_null(strstr(dlp_error_message(), "schema_version"));
	json_decref(doc);
}

static void test_parsers(void **state)
{
	dlp_classical c;
	dlp_dataset ds;
	enum dlp_precision pr;
	enum dlp_optimizer op;

	assert_int_equal(dlp_classical_parse("gbdt", &c), 0);
	assert_int_equal(c.trees, 100);
	assert_int_equal(dlp_classical_parse("gbdt:trees=50,depth=8,bins=64", &c), 0);
	assert_true(c.trees == 50 && c.depth == 8 && c.bins == 64);
	assert_int_equal(dlp_classical_parse("forest:trees=10", &c), 0);
	assert_int_equal(dlp_classical_parse("logreg:iterations=20", &c), 0);
	assert_int_equal(dlp_classical_parse("none", &c), 0);
	assert_string_equal(c.kind, "");
	assert_int_equal(dlp_classical_parse("gbdt:trees=", &c), -1);
	assert_int_equal(dlp_classical_parse("gbdt:leaves=3", &c), -1);
	assert_int_equal(dlp_classical_parse("knn", &c), -1);
	assert_int_equal(dlp_dataset_from_spec("tabular:1000000x30", &ds), 0);
	assert_true(ds.samples == 1e6 && ds.features == 30);
	assert_int_equal(dlp_dataset_from_spec("text:9e9", &ds), 0);
	assert_true(ds.tokens == 9e9);
	assert_int_equal(dlp_dataset_from_spec("imagenet", &ds), 0);
	assert_true(ds.samples == 1281167 && ds.classes == 1000);
	assert_int_equal(dlp_dataset_from_spec("tabular:10x", &ds), -1);
	assert_int_equal(dlp_dataset_from_spec("tabular:0x5", &ds), -1);
	assert_int_equal(dlp_dataset_from_spec("svhn", &ds), -1);
	assert_int_equal(dlp_precision_parse("mixed", &pr), 0);
	assert_int_equal(dlp_precision_parse("int4", &pr), -1);
	assert_int_equal(dlp_optimizer_parse("adam", &op), 0);
	assert_int_equal(dlp_optimizer_parse("lion", &op), -1);
	assert_true(dlp_duration_parse("1d") == 86400);
	assert_true(dlp_duration_parse("1w") == 7 * 86400);
	assert_true(dlp_duration_parse("90") == 90);
	assert_true(dlp_duration_parse("-1d") < 0);
	assert_true(dlp_duration_parse("1y") == 365.25 * 86400);
	assert_true(dlp_duration_parse("1yr") < 0);
	assert_true(dlp_duration_parse("101y") < 0);
}

/* Every catalog instance carries a dated, sourced price and sourced device
 * figures. */
static void test_catalog_sources(void **state)
{
	const json_t *cat = dlp_catalog(), *it;
	size_t i;

	assert_non_null(cat);
	json_array_foreach(json_object_get(cat, "instances"), i, it) {
		const char *gpu = json_string_value(json_object_get(it, "gpu"));
		const char *cpu = json_string_value(json_object_get(it, "cpu"));
		assert_true(json_number_value(json_object_get(it, "price_usd_per_h")) > 0);
		assert_non_null(json_string_value(json_object_get(it, "price_date")));
		assert_non_null(json_string_value(json_object_get(it, "price_source")));
		assert_non_null(json_string_value(json_object_get(
			json_object_get(json_object_get(cat, "cpu_models"), cpu), "source")));
		if (gpu)
			assert_non_null(json_string_value(json_object_get(
				json_object_get(json_object_get(cat, "gpu_models"), gpu), "source")));
	}
	assert_true(i >= 19);
}

/* Whether any of the profile's flags contains text. */
static int has_flag(const json_t *flags, const char *text)
{
	const json_t *f;
	size_t i;

	json_array_foreach(flags, i, f)
		if (json_is_string(f) && strstr(json_string_value(f), text))
			return 1;
	return 0;
}

/* A STREAM array of fewer last-level caches than STREAM's rule (--quick's
 * cap on a large cache) is flagged once; at the rule, not. */
static void test_stream_below_llc_rule(void **state)
{
	dlp_profile p;
	double mult[2] = { 0.53, 4.0 };
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		json_t *doc = test_fixture("bench_cpu_fixture.json"), *r;
		size_t j, n = 0;

		json_array_foreach(json_object_get(json_array_get(json_object_get(json_array_get(json_object_get(
			json_object_get(doc, "bench"), "backends"), 0), "devices"), 0), "results"), j, r)
			if (!strcmp(json_string_value(json_object_get(r, "kernel")), "stream_triad")) {
				json_object_set_new(r, "llc_multiple", json_real(mult[i]));
				n++;
			}
		assert_true(n > 0);
		assert_int_equal(dlp_profile_from_bench(doc, "llc", &p), 0);
		assert_int_equal(has_flag(p.flags, "stream_triad's arrays held 0.53 last-level caches"), i == 0);
		assert_int_equal(has_flag(p.flags, "last-level caches each"), i == 0);
		dlp_profile_free(&p);
		json_decref(doc);
	}
}

/* Bench figures are untrusted: thread counts and effective_cpus that no int
 * holds are range-checked before the cast (flagged), and GEMM rates above
 * 1.5x the same document's fma_peak (same dtype and threads), or any rate
 * above the plausibility ceiling, are dropped with a flag naming them. */
static void test_bench_implausible(void **state)
{
	json_t *doc = test_fixture("bench_cpu_fixture.json"), *res, *e;
	dlp_profile p;
	dlp_model *m = dlp_model_from_spec("resnet18", 3, 32, 32, 10);
	dlp_dataset ds;
	dlp_train t;

	(void)state;
	res = json_object_get(json_array_get(json_object_get(json_array_get(json_object_get(json_object_get(doc,
		"bench"), "backends"), 0), "devices"), 0), "results");
	assert_true(json_is_array(res));
	json_array_append_new(res, json_pack("{s:s,s:s,s:s,s:i,s:i,s:i,s:i,s:s,s:f}", "kernel", "gemm", "impl",
					     "blas", "dtype", "fp32", "m", 4096, "n", 4096, "k", 4096, "threads", 2,
					     "status", "ok", "rate_gflops", 1e300));
	json_array_append_new(res, json_pack("{s:s,s:s,s:s,s:i,s:i,s:i,s:i,s:s,s:f}", "kernel", "gemm", "impl",
					     "dlprobe", "dtype", "fp32", "m", 1024, "n", 1024, "k", 1024, "threads", 2,
					     "status", "ok", "rate_gflops", 600.0)); /* > 1.5 x 2 x 170 */
	json_array_append_new(res, json_pack("{s:s,s:s,s:s,s:i,s:i,s:i,s:i,s:s,s:f}", "kernel", "gemm", "impl",
					     "dlprobe", "dtype", "fp32", "m", 1024, "n", 1024, "k", 1024, "threads", 2,
					     "status", "ok", "rate_gflops", 500.0)); /* within the margin: kept */
	json_array_append_new(res, json_pack("{s:s,s:s,s:s,s:s,s:f}", "kernel", "stream_triad", "impl", "dlprobe",
					     "status", "ok", "threads", "x", "rate_gbps", 1e300));
	json_array_append_new(res, json_pack("{s:s,s:s,s:s,s:f,s:f}", "kernel", "stream_triad", "impl",
					     "dlprobe", "status", "ok", "threads", 1e300, "rate_gbps", 1e9));
	json_array_append_new(res, json_pack("{s:s,s:s,s:s,s:f,s:s,s:f}", "kernel", "gemm", "impl", "dlprobe",
					     "dtype", "fp32", "threads", -1e300, "status", "ok", "rate_gflops", 1.0));
	json_array_append_new(res, json_pack("{s:s,s:s,s:s,s:n,s:s,s:f}", "kernel", "histogram", "impl",
					     "dlprobe", "dtype", "fp32", "threads", "status", "ok",
					     "rate_gupdates_per_s", 1.0));
	assert_int_equal((int)json_array_size(res), 13 + 7); /* every pack above was well formed */
	json_object_set_new(json_object_get(json_object_get(doc, "probe"), "resources"), "effective_cpus",
			    json_integer((json_int_t)1 << 40));
	assert_int_equal(dlp_profile_from_bench(doc, "tampered", &p), 0);
	assert_int_equal((int)p.configured.n, 3);
	assert_int_equal((int)p.capability.n, 4);
	assert_true(p.mem_bw_gbps == 20.0);
	assert_true(p.cpus == 1);
	assert_true(has_flag(p.flags, "dropped blas fp32 gemm 4096x4096x4096 at 2 threads"));
	assert_true(has_flag(p.flags, "dropped dlprobe fp32 gemm 1024x1024x1024 at 2 threads"));
	assert_true(has_flag(p.flags, "dropped stream_triad"));
	assert_true(has_flag(p.flags, "effective_cpus 1099511627776 is out of range"));
	assert_true(dlp_profile_gemm_gflops(&p, &p.capability, DLP_FP32, 1024, 1024, 1024, NULL) <= 500);
	/* the estimate carries the flags saying which points were dropped */
	assert_int_equal(dlp_dataset_from_spec("cifar10", &ds), 0);
	dlp_train_defaults(&t);
	e = dlp_estimate_one(&p, m, NULL, &ds, &t);
	assert_non_null(e);
	assert_true(has_flag(json_object_get(json_object_get(e, "hardware"), "flags"), "dropped blas fp32 gemm"));
	json_decref(e);
	dlp_profile_free(&p);
	dlp_model_free(m);
	json_decref(doc);
}

/* Notes count in words: one sign, one thread (they read "1 sign(s)" and
 * "at 1 threads"). */
static void test_notes_singular(void **state)
{
	json_t *doc = test_fixture("bench_cpu_fixture.json"), *dev, *reasons;
	dlp_profile p;

	(void)state;
	dev = json_array_get(json_object_get(json_array_get(json_object_get(json_object_get(doc, "bench"), "backends"),
							     0), "devices"), 0);
	json_array_append_new(json_object_get(dev, "results"),
			      json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:f,s:f}", "kernel", "fma_peak", "impl", "dlprobe",
					"isa", "avx2", "dtype", "fp32", "threads", 1, "status", "ok", "rate_gflops",
					1e300, "best_gflops", 1e300));
	reasons = json_pack("[s]", "gemm dlprobe avx2 fp32 n=512 at 1 thread: samples spread 90%");
	json_object_set_new(dev, "stable", json_false());
	json_object_set_new(dev, "stability", json_pack("{s:o,s:i,s:f}", "reasons", reasons, "runs", 2,
							 "steal_fraction", 0.0));
	assert_int_equal(dlp_profile_from_bench(doc, "fixture", &p), 0);
	assert_true(has_flag(p.flags, "(1 sign, first: gemm"));
	assert_true(has_flag(p.flags, "dropped fp32 fma_peak at 1 thread: "));
	dlp_profile_free(&p);
	json_array_append_new(reasons, json_string("steal"));
	assert_int_equal(dlp_profile_from_bench(doc, "fixture", &p), 0);
	assert_true(has_flag(p.flags, "(2 signs, first: gemm"));
	dlp_profile_free(&p);
	json_decref(doc);
}

/* A figure is its fastest sample's, or where the bench read the threads'
 * time off their CPUs, the fastest sample less that time (quiet_min_s) if
 * faster, on a device marked stable or not: the flag widens the range, it
 * does not choose the statistic. */
static double gemm3000(double quiet, int unstable)
{
	json_t *doc = test_fixture("bench_cpu_fixture.json"), *dev, *r;
	dlp_profile p;
	double g;

	dev = json_array_get(json_object_get(json_array_get(json_object_get(json_object_get(doc, "bench"), "backends"),
							     0), "devices"), 0);
	r = json_pack("{s:s,s:s,s:s,s:i,s:i,s:i,s:i,s:s,s:f,s:f,s:f}", "kernel", "gemm", "impl", "dlprobe", "dtype",
		      "fp32", "m", 3000, "n", 3000, "k", 3000, "threads", 2, "status", "ok", "rate_gflops", 100.0,
		      "median_s", 0.1, "min_s", 0.08);
	if (quiet > 0)
		json_object_set_new(r, "quiet_min_s", json_real(quiet));
	json_array_append_new(json_object_get(dev, "results"), r);
	if (unstable) {
		json_object_set_new(dev, "stable", json_false());
		json_object_set_new(dev, "stability", json_pack("{s:[s],s:i}", "reasons", "busy", "runs", 2));
	}
	assert_int_equal(dlp_profile_from_bench(doc, "fixture", &p), 0);
	g = dlp_profile_gemm_gflops(&p, &p.capability, DLP_FP32, 3000, 3000, 3000, NULL);
	dlp_profile_free(&p);
	json_decref(doc);
	return g;
}

static void test_fastest_sample_quiet_min(void **state)
{
	(void)state;
	assert_true(fabs(gemm3000(0.05, 1) - 200) < 1);
	assert_true(fabs(gemm3000(0, 1) - 125) < 1);
	assert_true(fabs(gemm3000(0.09, 1) - 125) < 1);  /* slower than min_s */
	assert_true(fabs(gemm3000(0.05, 0) - 200) < 1);
	assert_true(fabs(gemm3000(0, 0) - 125) < 1);
}

/* A whole-device FMA peak that read low (a thread descheduled: the 2-thread
 * figure at the 1-thread rate) must not drop verified GEMMs below what two
 * one-thread peaks allow; the ceiling is T x the one-thread peak. */
static void test_bench_peak_ceiling_scales(void **state)
{
	json_t *doc = test_fixture("bench_cpu_fixture.json"), *res, *r;
	dlp_profile p;
	size_t i;

	(void)state;
	res = json_object_get(json_array_get(json_object_get(json_array_get(json_object_get(json_object_get(doc,
		"bench"), "backends"), 0), "devices"), 0), "results");
	json_array_foreach(res, i, r) {
		const char *k = json_string_value(json_object_get(r, "kernel"));
		const char *dt = json_string_value(json_object_get(r, "dtype"));
		if (k && dt && strcmp(k, "fma_peak") == 0 && strcmp(dt, "fp32") == 0 &&
		    json_integer_value(json_object_get(r, "threads")) == 2)
			json_object_set_new(r, "rate_gflops", json_real(170.0));
	}
	json_array_append_new(res, json_pack("{s:s,s:s,s:s,s:i,s:i,s:i,s:i,s:s,s:f}", "kernel", "gemm", "impl",
					     "dlprobe", "dtype", "fp32", "m", 3000, "n", 3000, "k", 3000, "threads", 2,
					     "status", "ok", "rate_gflops", 420.0)); /* < 1.5 x 2 x 170, > 1.5 x 170 */
	assert_int_equal(dlp_profile_from_bench(doc, "low peak", &p), 0);
	assert_false(has_flag(p.flags, "dropped dlprobe fp32 gemm 3000x3000x3000"));
	assert_true(dlp_profile_gemm_gflops(&p, &p.capability, DLP_FP32, 3000, 3000, 3000, NULL) >= 400);
	dlp_profile_free(&p);
	json_decref(doc);
}

/* Two ISAs of dlprobe's bf16 GEMM at the same shape and thread count
 * (AVX512_BF16 and AMX) are one point at the faster rate: between two
 * measured shapes the rate lies between the AMX figures, not pulled toward
 * AVX512_BF16's by averaging both in. */
static void test_bench_same_shape_isas_merge(void **state)
{
	static const struct { const char *isa; int n; double g; } pts[] = {
		{ "avx512_bf16", 1024, 180 }, { "amx", 1024, 1100 }, { "avx512_bf16", 2048, 190 }, { "amx", 2048, 1300 },
	};
	json_t *doc = test_fixture("bench_cpu_fixture.json"), *res;
	dlp_profile p;
	double g;
	size_t i;

	(void)state;
	res = json_object_get(json_array_get(json_object_get(json_array_get(json_object_get(json_object_get(doc,
		"bench"), "backends"), 0), "devices"), 0), "results");
	for (i = 0; i < sizeof pts / sizeof pts[0]; i++)
		json_array_append_new(res, json_pack("{s:s,s:s,s:s,s:s,s:i,s:i,s:i,s:i,s:s,s:f}", "kernel", "gemm",
						     "impl", "dlprobe", "isa", pts[i].isa, "dtype", "bf16", "m", pts[i].n,
						     "n", pts[i].n, "k", pts[i].n, "threads", 2, "status", "ok",
						     "rate_gflops", pts[i].g));
	assert_int_equal(dlp_profile_from_bench(doc, "two isas", &p), 0);
	g = dlp_profile_gemm_gflops(&p, &p.capability, DLP_BF16, 1400, 1400, 1400, NULL);
	/* averaged with AVX512_BF16 at 1024^3 it read 445 */
	assert_true(g > 1000 && g < 1301);
	dlp_profile_free(&p);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_stream_below_llc_rule),
		cmocka_unit_test(test_cpu_fixture_two_rates),
		cmocka_unit_test(test_bench_fallbacks_and_schema),
		cmocka_unit_test(test_catalog_sources),
		cmocka_unit_test(test_bench_implausible),
		cmocka_unit_test(test_bench_peak_ceiling_scales),
		cmocka_unit_test(test_bench_same_shape_isas_merge),
		cmocka_unit_test(test_fastest_sample_quiet_min),
		cmocka_unit_test(test_notes_singular),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
