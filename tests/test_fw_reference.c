/* The framework as measured by bench --framework, in a CPU estimate
 * (estimator/fw_reference.c): the per-step overhead derived from torch's
 * own reference training step, and torch's operators charged at the bench's
 * figures for torch's intra-op thread count.
 *
 * tests/fixtures/bench_cpu_framework_ref.json is bench_cpu_framework.json
 * (the probe's real output on the CI machine) with what the newer probe adds,
 * set by hand to known values: a reference step (mlp:16,48,48,3, batch 64,
 * Adam, 600 us), a pooling figure (5 ns per window element at 1 thread), and
 * the bench's 1-thread GEMM (512^3, 150 GFLOP/s against 240 at 2 threads)
 * and 1-thread stream_triad (12 GB/s). torch there runs 1 thread of 2. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dlprobe/json.h"
#include "estimator/constants.h"
#include "estimator/estimator.h"
#include "support/testjson.h"

#define REF_STEP_S 600e-6
#define POOL_S 5e-9
#define ACT_S 7.5e-9
#define GEMM_1T 150.0
#define GEMM_2T 240.0

static json_t *torch_of(json_t *doc)
{
	return json_object_get(json_object_get(json_object_get(json_object_get(doc, "bench"), "framework"),
					       "frameworks"), "torch");
}

static int has_flag(const dlp_profile *p, const char *needle)
{
	const json_t *f;
	size_t i;

	json_array_foreach(p->flags, i, f)
		if (strstr(json_string_value(f), needle))
			return 1;
	return 0;
}

/* The deep estimate of model on p at batch with optimizer o. */
static json_t *estimate(const dlp_profile *p, dlp_model *m, int batch, enum dlp_optimizer o)
{
	dlp_dataset ds;
	dlp_train t;
	json_t *e;

	assert_non_null(m);
	memset(&ds, 0, sizeof ds);
	ds.samples = 100 * batch;
	dlp_train_defaults(&t);
	t.batch = batch;
	t.optimizer = o;
	e = dlp_estimate_deep(p, m, &ds, &t);
	if (!e)
		print_error("%s\n", dlp_error_message());
	assert_non_null(e);
	return e;
}

static void profile_of(json_t *doc, dlp_profile *p)
{
	if (dlp_profile_from_bench(doc, "fixture", p))
		print_error("%s\n", dlp_error_message());
	assert_non_null(p->flags);
}

/* The reference model, estimated on the profile derived from it, comes out
 * at the step torch measured for it: the derivation and the estimate count
 * the same operators and model the same compute. Its 78 operators: 5
 * layers and the loss x 3, and 3 weighted layers x 2 tensors x Adam's 10. */
static void test_reference_reproduces_its_step(void **state)
{
	json_t *doc = test_fixture("bench_cpu_framework_ref.json"), *e;
	dlp_model *m = dlp_model_from_spec("mlp:16,48,48,3", 0, 0, 0, 0);
	double dispatch = test_num(torch_of(doc), "op_dispatch_s"), spread = sqrt(dlp_constants()->stack_spread.value);
	double low, expected, measured, modelled;
	const char *src;
	dlp_profile p;

	(void)state;
	profile_of(doc, &p);
	assert_true(p.overhead_measured);
	assert_true(p.step_overhead_s > 0 && p.step_overhead_s < REF_STEP_S);
	assert_true(p.op_overhead_s == dispatch);
	src = json_string_value(json_object_get(p.sources, "step_overhead_s"));
	assert_non_null(src);
	assert_non_null(strstr(src, "mlp:16,48,48,3 batch 64 adam, 600 us"));
	assert_true(has_flag(&p, "framework overhead from torch's own reference step"));

	e = estimate(&p, m, 64, DLP_OPT_ADAM);
	assert_true(test_num(e, "step_breakdown_low_s.ops_per_step") == 78);
	expected = test_num(e, "step_s");
	assert_true(fabs(expected / REF_STEP_S - 1) < 1e-9);
	/* what was measured through the framework is not spread: the low end
	 * differs from expected by the modelled part only */
	low = test_num(e, "train_s.low") / test_num(e, "settings.steps");
	measured = test_num(e, "step_breakdown_low_s.framework_measured_s");
	modelled = low - measured;
	assert_true(measured > 0 && modelled > 0);
	assert_true(fabs((modelled * spread + measured) / expected - 1) < 1e-9);
	/* measured = per-step + every operator at the dispatch time */
	assert_true(fabs(measured - (p.step_overhead_s + 78 * dispatch)) < 1e-12);
	json_decref(e);
	dlp_model_free(m);
	dlp_profile_free(&p);
	json_decref(doc);
}

/* A second step time moves the derived per-step overhead by exactly the
 * difference; a step faster than the model's compute and dispatch adds
 * none (floored: operators at the dispatch time) and says so. */
static void test_reference_overhead_tracks_the_step(void **state)
{
	json_t *doc = test_fixture("bench_cpu_framework_ref.json");
	json_t *ref = json_object_get(torch_of(doc), "mlp_step");
	dlp_profile a, b, c;

	(void)state;
	profile_of(doc, &a);
	json_object_set_new(ref, "step_s", json_real(REF_STEP_S + 100e-6));
	profile_of(doc, &b);
	assert_true(fabs(b.step_overhead_s - a.step_overhead_s - 100e-6) < 1e-12);
	json_object_set_new(ref, "step_s", json_real(1e-6));
	profile_of(doc, &c);
	assert_true(c.step_overhead_s == 0 && c.overhead_measured);
	assert_true(has_flag(&c, "no per-step cost added"));
	/* a reference the estimator cannot build is refused with a flag */
	dlp_profile_free(&c);
	json_object_set_new(ref, "model", json_string("mlp:16,,3"));
	profile_of(doc, &c);
	assert_true(c.step_overhead_s == 0 && !c.overhead_measured);
	assert_true(has_flag(&c, "is not a model and optimizer this estimator builds"));
	/* a document cannot make the estimator open a file */
	dlp_profile_free(&c);
	json_object_set_new(ref, "model", json_string("/dev/zero"));
	profile_of(doc, &c);
	assert_true(c.step_overhead_s == 0 && !c.overhead_measured && c.fw_ref_step_s == 0);
	assert_true(has_flag(&c, "reference training step is incomplete or out of range"));
	dlp_profile_free(&a);
	dlp_profile_free(&b);
	dlp_profile_free(&c);
	json_decref(doc);
}

/* Without a framework section the overhead is the flagged constant and no
 * per-step cost is invented. */
static void test_no_framework_fallback(void **state)
{
	json_t *doc = test_fixture("bench_cpu_fixture.json");
	dlp_profile p;

	(void)state;
	profile_of(doc, &p);
	assert_true(p.step_overhead_s == 0 && !p.overhead_measured && p.fw_threads == 0);
	assert_true(p.op_overhead_s == dlp_constants()->cpu_op_overhead_s.value);
	assert_true(has_flag(&p, "per-operator overhead:"));
	dlp_profile_free(&p);
	json_decref(doc);
}

static dlp_model *conv_model(void)
{
	json_t *desc = json_pack("{s:s,s:s,s:[i,i,i],s:i,s:[{s:s,s:i,s:i,s:i},{s:s,s:i},{s:s},{s:s,s:s}]}",
				 "name", "conv_test", "task", "image", "input", 64, 32, 32, "classes", 10,
				 "layers", "op", "conv", "out", 64, "k", 3, "pad", 1, "op", "maxpool", "k", 2,
				 "op", "flatten", "op", "dense", "out", "classes");
	dlp_model *m;

	assert_non_null(desc);
	m = dlp_model_from_json(desc, 0, 0, 0, 0);
	json_decref(desc);
	assert_non_null(m);
	return m;
}

static double layer_s(const json_t *e, const char *op)
{
	const json_t *l;
	size_t i;

	json_array_foreach(json_object_get(e, "dominant_layers"), i, l)
		if (strcmp(json_string_value(json_object_get(l, "op")), op) == 0)
			return test_num(l, "fwd_bwd_s");
	return NAN;
}

/* torch on 1 thread of 2: its convolution at the bench's 1-thread / 2-thread
 * GEMM ratio (a compute-bound 64->64 3x3 conv: exactly that ratio slower
 * than with torch on both threads); its pooling at the measured 5 ns per
 * window element either way; the BLAS GEMMs of dense layers untouched. */
static void test_conv_at_framework_threads(void **state)
{
	json_t *doc = test_fixture("bench_cpu_framework_ref.json"), *e1, *e2;
	dlp_model *m = conv_model();
	dlp_profile one, two;
	int batch = 32;

	(void)state;
	profile_of(doc, &one);
	assert_true(one.fw_threads == 1 && fabs(one.fw_conv_ratio - GEMM_1T / GEMM_2T) < 1e-12);
	assert_true(one.fw_bw_gbps == 12.0);
	assert_true(has_flag(&one, "torch runs 1 intra-op thread(s) where the bench's GEMMs ran 2"));
	assert_non_null(json_object_get(one.sources, "conv_rate_at_framework_threads"));
	json_object_set_new(torch_of(doc), "threads", json_integer(2));
	profile_of(doc, &two);
	assert_true(two.fw_threads == 2 && two.fw_conv_ratio == 0);
	assert_false(has_flag(&two, "intra-op thread(s) where"));

	e1 = estimate(&one, m, batch, DLP_OPT_MOMENTUM);
	e2 = estimate(&two, m, batch, DLP_OPT_MOMENTUM);
	assert_true(fabs(layer_s(e1, "conv") / layer_s(e2, "conv") - GEMM_2T / GEMM_1T) < 1e-9);
	/* 64 x 16 x 16 windows of 4 elements per sample */
	assert_true(fabs(layer_s(e1, "pool") / (batch * 64 * 16 * 16 * 4 * POOL_S) - 1) < 1e-9);
	assert_true(layer_s(e1, "pool") == layer_s(e2, "pool"));
	assert_true(layer_s(e1, "dense") == layer_s(e2, "dense"));
	json_decref(e1);
	json_decref(e2);
	dlp_model_free(m);
	dlp_profile_free(&one);
	dlp_profile_free(&two);
	json_decref(doc);
}

/* Every figure's samples spread 10% (the bench's "spread"): the profile's
 * jitter is 0.1, and the framework-measured part's ends move out by 1.1
 * each way; the modelled part and "expected" do not move. */
static void test_jitter_widens_the_measured_part(void **state)
{
	json_t *doc = test_fixture("bench_cpu_framework_ref.json"), *dev, *r, *e0, *e1;
	dlp_model *m = dlp_model_from_spec("mlp:16,48,48,3", 0, 0, 0, 0);
	dlp_profile still, jit;
	double steps, meas;
	size_t i;

	(void)state;
	profile_of(doc, &still);
	assert_true(still.jitter == 0);
	dev = json_array_get(json_object_get(json_array_get(json_object_get(json_object_get(doc, "bench"), "backends"),
							 0), "devices"), 0);
	json_array_foreach(json_object_get(dev, "results"), i, r)
		json_object_set_new(r, "spread", json_real(0.1));
	profile_of(doc, &jit);
	assert_true(fabs(jit.jitter - 0.1) < 1e-12);
	assert_non_null(strstr(json_string_value(json_object_get(jit.sources, "framework_spread")), "0.1000 (jitter)"));
	e0 = estimate(&still, m, 64, DLP_OPT_ADAM);
	e1 = estimate(&jit, m, 64, DLP_OPT_ADAM);
	steps = test_num(e0, "settings.steps");
	meas = test_num(e0, "step_breakdown_low_s.framework_measured_s") * steps;
	assert_true(meas > 0);
	assert_true(fabs(test_num(e0, "train_s.low") - test_num(e1, "train_s.low") - meas * (1 - 1 / 1.1)) < 1e-9 * meas);
	assert_true(fabs(test_num(e1, "train_s.high") - test_num(e0, "train_s.high") - meas * 0.1) < 1e-9 * meas);
	assert_true(test_num(e1, "train_s.expected") == test_num(e0, "train_s.expected"));
	json_decref(e0);
	json_decref(e1);
	dlp_model_free(m);
	dlp_profile_free(&still);
	dlp_profile_free(&jit);
	json_decref(doc);
}

/* torch's ReLU forward + backward (bench --framework's "act"): the floor
 * under every activation layer, here where it binds (7.5 ns an element,
 * torch's non-AVX kernels, against the 12 GB/s stream); refused with a
 * flag when its check failed, the roofline alone then. */
static void test_activation_floor(void **state)
{
	json_t *doc = test_fixture("bench_cpu_framework_ref.json"), *e;
	dlp_model *m = dlp_model_from_spec("mlp:30,256,256,2", 0, 0, 0, 0);
	dlp_profile none, one, bad;
	int batch = 256;
	double with, without;

	(void)state;
	profile_of(doc, &none);
	assert_true(none.fw_act_s == 0);
	assert_null(json_object_get(none.sources, "act_s_per_elem"));
	e = estimate(&none, m, batch, DLP_OPT_ADAM);
	without = layer_s(e, "activation");
	json_decref(e);

	json_object_set_new(torch_of(doc), "act",
			    json_pack("{s:s,s:i,s:s,s:b,s:i,s:i,s:f,s:f}", "op", "relu", "elements", 786432, "status",
				      "ok", "verified", 1, "timed_elements", 786432, "threads", 1, "fwd_bwd_s_per_elem",
				      ACT_S, "fwd_bwd_median_s_per_elem", 1.1 * ACT_S));
	profile_of(doc, &one);
	assert_true(one.fw_act_s == ACT_S && fabs(one.fw_act_spread - 1.1) < 1e-12);
	assert_non_null(strstr(json_string_value(json_object_get(one.sources, "act_s_per_elem")), "7.5 ns"));
	/* the note on what spreads the range names the activations' spread */
	assert_non_null(strstr(json_string_value(json_object_get(one.sources, "framework_spread")),
			       "1.100x for activations"));
	e = estimate(&one, m, batch, DLP_OPT_ADAM);
	with = layer_s(e, "activation");
	json_decref(e);
	/* the group of both ReLUs, 256 activations a sample each, forward +
	 * backward */
	assert_true(fabs(with / (2 * batch * 256 * ACT_S) - 1) < 1e-9);
	assert_true(without > 0 && without < with / 2);

	/* --measure's own sizes replace the reference, source and all */
	{
		json_t *ans = json_pack("{s:[{s:s,s:i,s:s,s:{s:s,s:b,s:f,s:f,s:i}}]}", "elementwise", "op", "activation",
					"elements", 65536, "status", "ok", "framework", "status", "ok", "verified", 1,
					"fwd_bwd_s_per_elem", 2e-9, "fwd_bwd_median_s_per_elem", 2.2e-9,
					"timed_elements", 65536);

		assert_non_null(ans);
		assert_int_equal(dlp_profile_add_measured(&one, ans), 0);
		json_decref(ans);
		assert_true(one.fw_act_s == 2e-9 && fabs(one.fw_act_spread - 1.1) < 1e-9);
		assert_non_null(strstr(json_string_value(json_object_get(one.sources, "act_s_per_elem")),
				       "estimate --measure"));
	}
	json_object_set_new(json_object_get(torch_of(doc), "act"), "verified", json_false());
	profile_of(doc, &bad);
	assert_true(bad.fw_act_s == 0);
	assert_true(has_flag(&bad, "torch's activation measurement (bench --framework) is unverified"));
	dlp_profile_free(&none);
	dlp_profile_free(&one);
	dlp_profile_free(&bad);
	dlp_model_free(m);
	json_decref(doc);
}

/* torch's bf16 GEMMs are "as configured" for bf16 where the bench measured
 * bf16 arithmetic (at torch's threads, in place of the bench's all-thread
 * AMX figures), and ignored where it did not (the estimate runs fp32 and
 * torch's bf16 is an emulation there). */
static void test_torch_bf16_gemms(void **state)
{
	int with_bf16;

	(void)state;
	for (with_bf16 = 0; with_bf16 < 2; with_bf16++) {
		json_t *doc = test_fixture("bench_cpu_framework_ref.json");
		json_t *res = json_object_get(json_array_get(json_object_get(json_array_get(json_object_get(
			json_object_get(doc, "bench"), "backends"), 0), "devices"), 0), "results");
		dlp_profile p;
		size_t i;
		int n = 0;

		json_object_set_new(torch_of(doc), "gemm_bf16",
				    json_pack("[{s:i,s:i,s:i,s:s,s:f},{s:i,s:i,s:i,s:s,s:f}]", "m", 1024, "n", 1024, "k",
					      1024, "status", "ok", "rate_gflops", 700.0, "m", 256, "n", 256, "k", 256,
					      "status", "error", "rate_gflops", 9000.0));
		if (with_bf16) {
			json_array_append_new(res, json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:f}", "kernel", "fma_peak",
							     "impl", "dlprobe", "isa", "avx512_bf16", "dtype", "bf16",
							     "threads", 2, "status", "ok", "rate_gflops", 400.0));
			json_array_append_new(res, json_pack("{s:s,s:s,s:s,s:s,s:i,s:i,s:i,s:i,s:s,s:f}", "kernel",
							     "gemm", "impl", "dlprobe", "isa", "amx", "dtype", "bf16",
							     "m", 1024, "n", 1024, "k", 1024, "threads", 2, "status", "ok",
							     "rate_gflops", 1100.0));
		}
		profile_of(doc, &p);
		for (i = 0; i < p.configured.n; i++)
			n += p.configured.pts[i].dtype == DLP_BF16;
		/* the failed check's figure is not taken */
		assert_int_equal(n, with_bf16 ? 1 : 0);
		assert_int_equal(has_flag(&p, "bf16 rates are torch's own bf16 GEMMs"), with_bf16);
		if (with_bf16)
			assert_true(fabs(dlp_profile_gemm_gflops(&p, &p.configured, DLP_BF16, 1024, 1024, 1024, NULL) -
					 700.0) < 1e-9);
		dlp_profile_free(&p);
		json_decref(doc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_reproduces_its_step),
		cmocka_unit_test(test_reference_overhead_tracks_the_step),
		cmocka_unit_test(test_no_framework_fallback),
		cmocka_unit_test(test_conv_at_framework_threads),
		cmocka_unit_test(test_activation_floor),
		cmocka_unit_test(test_torch_bf16_gemms),
		cmocka_unit_test(test_jitter_widens_the_measured_part),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
