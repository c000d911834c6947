/* The time/memory/cost model: deep and classical estimates on fixture bench
 * documents and catalog entries, the verdict over them, the training
 * settings (stack, attention, sharding, scaling), and the published
 * measurements of docs/references.md as range checks. How the inputs are
 * read into profiles is test_estimator_profile.c's. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dlprobe/json.h"
#include "estimator/classical_impl.h"
#include "estimator/estimator.h"
#include "estimator/stack.h"
#include "support/testjson.h"
#include "support/testutil.h"

/* Deep estimate for (instance, model, dataset, precision, batch, epochs). */
static enum dlp_optimizer g_opt = DLP_OPT_MOMENTUM;

static json_t *deep_on(const char *inst, const char *model, int c, int h, int w, int classes,
		       const char *dataset, enum dlp_precision prec, int batch, double epochs, int devices)
{
	dlp_profile p;
	dlp_model *m = dlp_model_from_spec(model, c, h, w, classes);
	dlp_dataset ds;
	dlp_train t;
	json_t *o;

	assert_non_null(m);
	assert_int_equal(dlp_profile_from_catalog(inst, &p), 0);
	assert_int_equal(dlp_dataset_from_spec(dataset, &ds), 0);
	dlp_train_defaults(&t);
	t.precision = prec;
	t.batch = batch;
	t.epochs = epochs;
	t.devices = devices;
	t.optimizer = g_opt;
	o = dlp_estimate_deep(&p, m, &ds, &t);
	if (!o)
		print_error("%s\n", dlp_error_message());
	assert_non_null(o);
	dlp_model_free(m);
	dlp_profile_free(&p);
	return o;
}

static void in_range(const json_t *o, double measured_s, const char *what)
{
	double lo = test_num(o, "train_s.low"), hi = test_num(o, "train_s.high");

	print_message("%s: measured %.4g s, predicted %.4g .. %.4g (expected %.4g)\n", what, measured_s, lo,
		      hi, test_num(o, "train_s.expected"));
	if (!(lo <= measured_s && measured_s <= hi))
		fail_msg("%s: measured %.4g s outside [%.4g, %.4g]", what, measured_s, lo, hi);
}

/* lambdal/deeplearning-benchmark (docs/references.md): ResNet-50 training
 * throughput fp32 / fp16 img/s: V100 369/833, A100 80GB 1066/1582, H100 SXM
 * 1753/2616, at the per-GPU batch of its bs files (V100 128/256, A100 80GB
 * and H100 640/1280). Compared as the time of one ImageNet epoch on the
 * catalog instance with that GPU (p4de.24xlarge carries the A100 80GB),
 * with the eager stack these runs used (the published-runs table,
 * scripts/validate/published_runs.json, holds them with the rest). */
static void test_lambda_resnet50(void **state)
{
	static const struct {
		const char *inst;
		enum dlp_precision prec;
		int batch;
		double img_s;
	} pts[] = {
		{"p3.2xlarge", DLP_PREC_FP32, 128, 369}, {"p3.2xlarge", DLP_PREC_MIXED, 256, 833},
		{"p4de.24xlarge", DLP_PREC_TF32, 640, 1066}, {"p4de.24xlarge", DLP_PREC_MIXED, 1280, 1582},
		{"p5.48xlarge", DLP_PREC_TF32, 640, 1753}, {"p5.48xlarge", DLP_PREC_MIXED, 1280, 2616},
	};
	size_t i;

	for (i = 0; i < sizeof pts / sizeof pts[0]; i++) {
		char what[128];
		json_t *o = deep_on(pts[i].inst, "resnet50", 0, 0, 0, 0, "imagenet", pts[i].prec, pts[i].batch, 1, 1);
		snprintf(what, sizeof what, "ResNet-50 %s %s (Lambda %g img/s)", pts[i].inst,
			 pts[i].prec == DLP_PREC_MIXED ? "fp16" : "fp32/tf32", pts[i].img_s);
		in_range(o, 1281167 / pts[i].img_s, what);
		assert_true(json_is_true(json_object_get(json_object_get(o, "memory"), "fits")));
		json_decref(o);
	}
}

/* DAWNBench, davidcpage entry (docs/references.md): ResNet-9, CIFAR-10, 24 epochs
 * on one V100 (p3.2xlarge) in 74 s, $0.063. fp16, batch 512. */
static void test_dawnbench_resnet9(void **state)
{
	json_t *o = deep_on("p3.2xlarge", "resnet9", 0, 0, 0, 0, "cifar10", DLP_PREC_MIXED, 512, 24, 1);

	in_range(o, 74, "ResNet-9 CIFAR-10 24 epochs p3.2xlarge (DAWNBench 74 s)");
	assert_true(test_num(o, "cost_usd.low") <= 0.063 && 0.063 <= test_num(o, "cost_usd.high"));
	json_decref(o);
}

/* DAWNBench, setu entry (docs/references.md): ResNet-50, ImageNet, 26 epochs on
 * Azure ND40s_v2 (8xV100) in 1.71 h. Not a range test: that entry trained
 * with progressive resizing (fast.ai, 128 to 224 pixels), so most epochs
 * ran at a fraction of the 224x224 work this estimate assumes. The check is
 * one-sided: the estimate at full resolution must not be faster than it. */
static void test_dawnbench_resnet50_imagenet(void **state)
{
	json_t *o = deep_on("Standard_ND40rs_v2", "resnet50", 0, 0, 0, 0, "imagenet", DLP_PREC_MIXED, 256, 26, 8);

	print_message("ResNet-50 ImageNet 26 epochs 8xV100: predicted %.3g .. %.3g h, measured 1.71 h\n",
		      test_num(o, "train_s.low") / 3600, test_num(o, "train_s.high") / 3600);
	assert_true(test_num(o, "train_s.high") >= 1.71 * 3600 * 0.5);
	json_decref(o);
}

/* The CPU framework-overhead model counts operators, not layers: mlp:8,8,2
 * is dense, relu, dense, loss (3 ops each) + 2 weighted layers x 2 tensors x
 * the single-tensor optimizer's ops (SGD 1+1, momentum 3+1, Adam 9+1; see
 * deep.c). A GPU keeps one multi-tensor optimizer op per weighted layer. */
static void test_op_counts_and_classical_terms(void **state)
{
	json_t *doc = test_fixture("bench_cpu_fixture.json"), *o;
	static const enum dlp_optimizer opt[] = {DLP_OPT_SGD, DLP_OPT_MOMENTUM, DLP_OPT_ADAM};
	static const double ops[] = {20, 28, 52};
	dlp_profile p;
	dlp_model *m = dlp_model_from_spec("mlp:8,8,2", 0, 0, 0, 0);
	dlp_classical c;
	dlp_dataset ds;
	dlp_train t;
	double f10, f20;
	int i;

	assert_non_null(m);
	assert_int_equal(dlp_profile_from_bench(doc, "fixture", &p), 0);
	assert_int_equal(dlp_dataset_from_spec("tabular:100000x8", &ds), 0);
	dlp_train_defaults(&t);
	t.batch = 8;
	for (i = 0; i < 3; i++) {
		t.optimizer = opt[i];
		o = dlp_estimate_deep(&p, m, &ds, &t);
		assert_non_null(o);
		assert_true(test_num(o, "step_breakdown_low_s.ops_per_step") == ops[i]);
		json_decref(o);
	}
	/* the constants the bench cannot measure come from the catalog */
	assert_true(p.cart_sort_cost > 1 && p.loss_eval_cost > 1 && p.pool_cost > 1);
	/* forest: sort comparisons grow as rows x log rows per level */
	assert_int_equal(dlp_dataset_from_spec("tabular:1000000x16", &ds), 0);
	assert_int_equal(dlp_classical_parse("forest:trees=10,depth=8", &c), 0);
	o = dlp_estimate_classical(&p, &c, &ds, &t);
	f10 = test_num(o, "train_s.expected");
	assert_true(test_num(o, "detail.sort_comparisons") > 10 * 4 * 0.632e6 * 8 * 10);
	json_decref(o);
	c.trees = 20;
	o = dlp_estimate_classical(&p, &c, &ds, &t);
	f20 = test_num(o, "train_s.expected");
	assert_true(fabs(f20 / f10 - 2) < 1e-9);
	json_decref(o);
	/* GBDT carries the one-off binning; logreg the per-row loss */
	assert_int_equal(dlp_classical_parse("gbdt:trees=1,depth=1", &c), 0);
	o = dlp_estimate_classical(&p, &c, &ds, &t);
	assert_true(test_num(o, "detail.binning_updates") > 16 * 1e6 * 19 * p.cart_sort_cost);
	json_decref(o);
	assert_int_equal(dlp_classical_parse("logreg:iterations=10", &c), 0);
	o = dlp_estimate_classical(&p, &c, &ds, &t);
	assert_true(test_num(o, "train_s.expected") >= 10 * 1e6 * p.loss_eval_cost / (p.hist_gups_1t * 1e9));
	json_decref(o);
	dlp_model_free(m);
	dlp_profile_free(&p);
	json_decref(doc);
}

/* One classical kernel's result at a thread count (m: the CART node rows). */
static void add_cls(json_t *res, const char *kernel, const char *key, double rate, int threads, int m)
{
	json_array_append_new(res, json_pack("{s:s,s:s,s:s,s:i,s:i,s:f}", "kernel", kernel, "impl", "dlprobe",
					     "status", "ok", "threads", threads, "m", m, key, rate));
}

/* The fixture's CPU document with the classical kernels, each rate times
 * scale (cart: times cart). */
static json_t *doc_with_classical(double scale, double cart)
{
	json_t *doc = test_fixture("bench_cpu_fixture.json");
	json_t *be = json_array_get(json_object_get(json_object_get(doc, "bench"), "backends"), 0);
	json_t *res = json_object_get(json_array_get(json_object_get(be, "devices"), 0), "results");
	int t, m;

	for (t = 1; t <= 2; t++) {
		add_cls(res, "hist_gathered", "rate_gupdates_per_s", scale * t, t, 16384);
		add_cls(res, "row_partition", "rate_grows_per_s", scale * 0.8 * t, t, 65536);
		add_cls(res, "bin_sketch", "rate_gvalues_per_s", scale * 0.01 * t, t, 8192);
		add_cls(res, "logistic_loss", "rate_grows_per_s", scale * 0.05 * t, t, 65536);
		add_cls(res, "linear_pass", "rate_gflops", scale * 5 * t, t, 16384);
		for (m = 32; m <= 8192; m *= 16)
			add_cls(res, "cart_split", "rate_gnlog2n_per_s", cart * 0.1 * t * (1 + m / 8192.0), t, m);
	}
	return doc;
}

static json_t *classical_on(const json_t *doc, const char *spec, const char *dataset, dlp_profile *p)
{
	dlp_classical c;
	dlp_dataset ds;
	dlp_train t;

	assert_int_equal(dlp_profile_from_bench(doc, "fixture", p), 0);
	assert_int_equal(dlp_dataset_from_spec(dataset, &ds), 0);
	assert_int_equal(dlp_classical_parse(spec, &c), 0);
	dlp_train_defaults(&t);
	return dlp_estimate_classical(p, &c, &ds, &t);
}

/* With the classical kernels in the document, every term is work over a
 * measured rate: scaling the rates scales the time, and no assumption is
 * named. Without them the assumed constants stand in and are named. */
static void test_classical_measured(void **state)
{
	static const char *const spec[] = { "gbdt:trees=20,depth=6", "forest:trees=4,depth=12", "logreg:iterations=30" };
	json_t *base = test_fixture("bench_cpu_fixture.json");
	json_t *d1 = doc_with_classical(1, 1), *d2 = doc_with_classical(1, 2), *o1, *o2;
	dlp_profile p1, p2;
	int i;

	for (i = 0; i < 3; i++) {
		o1 = classical_on(base, spec[i], "tabular:200000x30", &p1);
		assert_non_null(json_object_get(json_object_get(o1, "detail"), "assumed_constants"));
		assert_null(json_object_get(json_object_get(o1, "detail"), "measured_kernels"));
		json_decref(o1);
		dlp_profile_free(&p1);
		o1 = classical_on(d1, spec[i], "tabular:200000x30", &p1);
		if (i == 1) /* the forest's split balance remains an assumption, named */
			assert_string_equal(json_string_value(json_array_get(
				json_object_get(json_object_get(o1, "detail"), "assumed_constants"), 0)),
				"cart_split_entropy_bits");
		else
			assert_null(json_object_get(json_object_get(o1, "detail"), "assumed_constants"));
		assert_true(json_array_size(json_object_get(json_object_get(o1, "detail"), "measured_kernels")) > 0);
		o2 = classical_on(d2, spec[i], "tabular:200000x30", &p2);
		if (i == 1) /* twice the CART rate: half the forest's time */
			assert_true(fabs(test_num(o2, "train_s.expected") / test_num(o1, "train_s.expected") - 0.5) < 1e-9);
		else        /* the others do not read it */
			assert_true(test_num(o2, "train_s.expected") == test_num(o1, "train_s.expected"));
		json_decref(o1);
		json_decref(o2);
		dlp_profile_free(&p1);
		dlp_profile_free(&p2);
	}
	/* the reader: one-thread and best rates, CART by node size */
	assert_int_equal(dlp_profile_from_bench(d1, "fixture", &p1), 0);
	assert_true(p1.cls.ghist[0] == 1e9 && p1.cls.ghist[1] == 2e9);
	assert_int_equal(p1.cls.cart.n, 3);
	assert_true(p1.cls.cart.size[0] == 32 && p1.cls.cart.size[2] == 8192);
	/* between sizes: linear in log2 rows; outside: the nearest */
	assert_true(fabs(dlp_sized_rate(&p1.cls.cart, 128, 0) -
			 (p1.cls.cart.rate[0][0] + p1.cls.cart.rate[1][0]) / 2) < 1e-3);
	assert_true(dlp_sized_rate(&p1.cls.cart, 1e6, 1) == p1.cls.cart.rate[2][1]);
	assert_true(dlp_sized_rate(&p1.cls.cart, 2, 0) == p1.cls.cart.rate[0][0]);
	dlp_profile_free(&p1);
	json_decref(base);
	json_decref(d1);
	json_decref(d2);
}

/* logreg's fresh pages: a term with the first_touch rate, none without it
 * (an older document), and none for arrays small enough for malloc's heap. */
static void test_classical_fresh_arrays(void **state)
{
	json_t *d = doc_with_classical(1, 1), *res, *o1, *o2;
	dlp_profile p1, p2;
	double lp, with, faster;

	o1 = classical_on(d, "logreg:iterations=30", "tabular:200000x30", &p1);
	assert_null(json_object_get(json_object_get(json_object_get(o1, "detail"), "terms_s"), "fresh_arrays"));
	lp = test_num(o1, "train_s.expected");
	json_decref(o1);
	dlp_profile_free(&p1);
	res = json_object_get(json_array_get(json_object_get(json_array_get(json_object_get(json_object_get(d, "bench"),
		"backends"), 0), "devices"), 0), "results");
	add_cls(res, "first_touch", "rate_gbps", 2.0, 1, 0);
	o1 = classical_on(d, "logreg:iterations=30", "tabular:200000x30", &p1);
	with = test_num(o1, "detail.terms_s.fresh_arrays");
	/* 30 evaluations x 3 arrays x 200000 rows x 8 bytes at 2 GB/s */
	assert_true(fabs(with - 30 * 3 * 200000 * 8 / 2e9) < 1e-9);
	assert_true(fabs(test_num(o1, "train_s.expected") - (lp + with)) < 1e-9);
	json_decref(o1);
	add_cls(res, "first_touch", "rate_gbps", 4.0, 1, 0);
	o2 = classical_on(d, "logreg:iterations=30", "tabular:200000x30", &p2);
	faster = test_num(o2, "detail.terms_s.fresh_arrays");
	assert_true(fabs(faster - with / 2) < 1e-9); /* the fastest verified result counts */
	json_decref(o2);
	dlp_profile_free(&p2);
	o2 = classical_on(d, "logreg:iterations=30", "tabular:10000x30", &p2);
	assert_null(json_object_get(json_object_get(json_object_get(o2, "detail"), "terms_s"), "fresh_arrays"));
	json_decref(o2);
	dlp_profile_free(&p2);
	/* arrays from 4 MiB (numpy advises them for huge pages): the hugepage
	 * variant's rate; smaller ones keep the small pages' */
	json_array_append_new(res, json_pack("{s:s,s:s,s:s,s:s,s:i,s:f}", "kernel", "first_touch", "impl", "dlprobe",
					     "variant", "hugepage", "status", "ok", "threads", 1, "rate_gbps", 40.0));
	o2 = classical_on(d, "logreg:iterations=30", "tabular:1000000x30", &p2);
	assert_true(fabs(test_num(o2, "detail.terms_s.fresh_arrays") - 30 * 3 * 1e6 * 8 / 40e9) < 1e-9);
	json_decref(o2);
	dlp_profile_free(&p2);
	o2 = classical_on(d, "logreg:iterations=30", "tabular:200000x30", &p2);
	assert_true(fabs(test_num(o2, "detail.terms_s.fresh_arrays") - faster) < 1e-9);
	json_decref(o2);
	dlp_profile_free(&p1);
	dlp_profile_free(&p2);
	json_decref(d);
}

/* The system BLAS's X w and X^T r (linear_pass, impl blas) at two sizes of
 * X: logreg's passes at its X's size, between them linear in log2 bytes;
 * the svm (liblinear's own loops) and a document without them keep
 * dlprobe's pass. */
static void test_classical_blas_passes(void **state)
{
	json_t *d = doc_with_classical(1, 1), *res, *o;
	dlp_profile p;
	double own, svm, mid;
	int i;

	(void)state;
	o = classical_on(d, "logreg:iterations=30", "tabular:4000000x32", &p);
	own = test_num(o, "detail.terms_s.x_passes");
	json_decref(o);
	dlp_profile_free(&p);
	o = classical_on(d, "svm:iterations=30", "tabular:4000000x32", &p);
	svm = test_num(o, "train_s.expected");
	json_decref(o);
	dlp_profile_free(&p);
	res = json_object_get(json_array_get(json_object_get(json_array_get(json_object_get(json_object_get(d, "bench"),
		"backends"), 0), "devices"), 0), "results");
	for (i = 1; i <= 2; i++) { /* 4 MiB at 20 (2 threads 30), 128 MiB at 5 (6) GFLOP/s */
		json_array_append_new(res, json_pack("{s:s,s:s,s:s,s:i,s:i,s:f}", "kernel", "linear_pass", "impl", "blas",
						     "status", "ok", "threads", i, "bytes", 4 << 20, "rate_gflops",
						     i == 1 ? 20.0 : 30.0));
		json_array_append_new(res, json_pack("{s:s,s:s,s:s,s:i,s:i,s:f}", "kernel", "linear_pass", "impl", "blas",
						     "status", "ok", "threads", i, "bytes", 128 << 20, "rate_gflops",
						     i == 1 ? 5.0 : 6.0));
	}
	/* 4e6 x 32 x 8 bytes: beyond the larger size, its best rate */
	o = classical_on(d, "logreg:iterations=30", "tabular:4000000x32", &p);
	assert_int_equal(p.cls.blas_linear.n, 2);
	assert_true(fabs(test_num(o, "detail.terms_s.x_passes") - 30 * 4 * 4e6 * 32 / 6e9) < 1e-9);
	assert_true(test_num(o, "detail.terms_s.x_passes") != own);
	json_decref(o);
	dlp_profile_free(&p);
	/* 16384 x 32 x 8 = 4 MiB: the smaller size's */
	o = classical_on(d, "logreg:iterations=30", "tabular:16384x32", &p);
	assert_true(fabs(test_num(o, "detail.terms_s.x_passes") - 30 * 4 * 16384.0 * 32 / 30e9) < 1e-12);
	json_decref(o);
	dlp_profile_free(&p);
	/* 32 MiB, 3/5 of the way from 4 to 128 MiB in log2: 3/5 of the way in rate */
	o = classical_on(d, "logreg:iterations=30", "tabular:131072x32", &p);
	mid = 30 * 4 * 131072.0 * 32 / test_num(o, "detail.terms_s.x_passes");
	assert_true(fabs(mid - (0.4 * 30e9 + 0.6 * 6e9)) < 1);
	json_decref(o);
	dlp_profile_free(&p);
	o = classical_on(d, "svm:iterations=30", "tabular:4000000x32", &p);
	assert_true(test_num(o, "train_s.expected") == svm);
	json_decref(o);
	dlp_profile_free(&p);
	json_decref(d);
}

/* gbdt_node's results in the document: the per-node term (node_splits) at
 * its rate, in place of the split scans at the dot rate; without them, the
 * scans as before. */
static void test_gbdt_node_term(void **state)
{
	json_t *d = doc_with_classical(1, 1), *res, *o1, *o2, *t1, *t2;
	dlp_profile p1, p2;
	const char *const same[] = { "gradients", "root_histograms", "gathered_histograms", "row_partitions" };
	size_t i;
	int t;

	o1 = classical_on(d, "gbdt:trees=10,depth=4", "tabular:100000x10", &p1);
	t1 = json_object_get(json_object_get(o1, "detail"), "terms_s");
	assert_non_null(json_object_get(t1, "split_scans"));
	assert_null(json_object_get(t1, "node_splits"));
	res = json_object_get(json_array_get(json_object_get(json_array_get(json_object_get(json_object_get(d, "bench"),
		"backends"), 0), "devices"), 0), "results");
	for (t = 1; t <= 2; t++)
		add_cls(res, "gbdt_node", "rate_gvalues_per_s", 0.05 * t, t, 32);
	o2 = classical_on(d, "gbdt:trees=10,depth=4", "tabular:100000x10", &p2);
	assert_true(p2.cls.node[0] == 0.05e9 && p2.cls.node[1] == 0.1e9);
	t2 = json_object_get(json_object_get(o2, "detail"), "terms_s");
	assert_null(json_object_get(t2, "split_scans"));
	/* 10 trees x 15 nodes x 10 features x 256 bins at the best rate: no
	 * node of a depth-4 tree on 100000 rows is small enough to stop */
	assert_true(fabs(json_number_value(json_object_get(t2, "node_splits")) - 10 * 15 * 10 * 256 / 0.1e9) < 1e-9);
	assert_null(json_object_get(json_object_get(o2, "detail"), "assumed_constants"));
	for (i = 0; i < sizeof same / sizeof same[0]; i++)
		assert_true(json_number_value(json_object_get(t1, same[i])) ==
			    json_number_value(json_object_get(t2, same[i])));
	res = json_object_get(json_object_get(o2, "detail"), "measured_kernels");
	assert_string_equal(json_string_value(json_array_get(res, json_array_size(res) - 1)), "gbdt_node");
	json_decref(o1);
	json_decref(o2);
	dlp_profile_free(&p1);
	dlp_profile_free(&p2);
	/* a deep tree on few rows: its small nodes stop splitting (xgboost's
	 * min_child_weight), fewer nodes than the full tree's 1023, and the
	 * assumptions that say so named */
	o2 = classical_on(d, "gbdt:trees=10,depth=10", "tabular:20000x10", &p2);
	t2 = json_object_get(json_object_get(o2, "detail"), "terms_s");
	assert_true(json_number_value(json_object_get(t2, "node_splits")) < 0.6 * 10 * 1023 * 10 * 256 / 0.1e9);
	assert_true(json_number_value(json_object_get(t2, "node_splits")) > 0.2 * 10 * 1023 * 10 * 256 / 0.1e9);
	assert_string_equal(json_string_value(json_array_get(json_object_get(json_object_get(o2, "detail"),
		"assumed_constants"), 0)), "gbdt_min_split_rows");
	json_decref(o2);
	dlp_profile_free(&p2);
	json_decref(d);
}

/* Memory: GPT-2 XL with Adam in mixed precision needs 16 bytes per
 * parameter (ZeRO, docs/references.md): 25 GB before activations, more than a
 * 24 GB A10G holds. */
static void test_memory_fit(void **state)
{
	json_t *o;
	dlp_profile p;
	dlp_model *m;
	dlp_dataset ds;
	dlp_train t;

	g_opt = DLP_OPT_ADAM;
	o = deep_on("g5.xlarge", "gpt2_xl", 0, 0, 0, 0, "text:1e9", DLP_PREC_MIXED, 1, 1, 1);
	g_opt = DLP_OPT_MOMENTUM;

	assert_true(json_is_false(json_object_get(json_object_get(o, "memory"), "fits")));
	assert_int_equal((int)test_num(o, "memory.largest_batch"), 0);
	json_decref(o);
	/* Adam mixed = 16 B/param */
	assert_int_equal(dlp_profile_from_catalog("p5.48xlarge", &p), 0);
	m = dlp_model_from_spec("gpt2", 0, 0, 0, 0);
	dlp_dataset_from_spec("text:1e9", &ds);
	dlp_train_defaults(&t);
	t.precision = DLP_PREC_MIXED;
	t.batch = 8;
	o = dlp_estimate_deep(&p, m, &ds, &t);
	assert_true(fabs(test_num(o, "memory.params_grads_optimizer_bytes") - 16 * m->params) < 1);
	/* several devices: all-reduce appears and per-device batch stays */
	assert_true(test_num(o, "step_breakdown_low_s.allreduce_s") > 0);
	json_decref(o);
	t.devices = 9;
	assert_null(dlp_estimate_deep(&p, m, &ds, &t));
	dlp_model_free(m);
	dlp_profile_free(&p);
}

/* szilard/GBM-perf (docs/references.md): xgboost hist, airline data, 100 trees of
 * depth 10 on r4.8xlarge: 0.4 / 2.7 / 40 s at 0.1M / 1M / 10M rows. The
 * airline data there has 8 raw columns, one-hot encoded; xgboost's sparse
 * histogram work is per non-zero, about 8 per row, so features = 8.
 *
 * Documented miss: no bench of r4.8xlarge exists, so its histogram rate is
 * the catalog assumption (a tight histogram loop, 0.5 updates per cycle per
 * core, data/instances.json). xgboost of that benchmark ran about 3x below
 * the model (40 s measured against ~13 s predicted at 10M rows, with the
 * per-row gradient and the one-off binning terms of classical.c that
 * `make validate` showed on the CI machine; before them it was ~7x), and
 * the small sizes add fixed costs (DMatrix construction, thread start-up)
 * the complexity model has not. Calibrating the assumption on this very point
 * would make the test circular, so the test pins the known direction and
 * size of the miss instead: the prediction is optimistic by 2x to 30x. A
 * bench histogram result from the real machine replaces the assumption. */
static void test_gbm_perf(void **state)
{
	static const double rows[] = {1e5, 1e6, 1e7}, meas[] = {0.4, 2.7, 40};
	dlp_profile p;
	dlp_classical c;
	dlp_dataset ds;
	dlp_train t;
	size_t i;

	assert_int_equal(dlp_profile_from_catalog("r4.8xlarge", &p), 0);
	assert_int_equal(dlp_classical_parse("gbdt:trees=100,depth=10", &c), 0);
	dlp_train_defaults(&t);
	for (i = 0; i < 3; i++) {
		char spec[64];
		json_t *o;
		double e;
		snprintf(spec, sizeof spec, "tabular:%.0fx8", rows[i]);
		assert_int_equal(dlp_dataset_from_spec(spec, &ds), 0);
		o = dlp_estimate_classical(&p, &c, &ds, &t);
		assert_non_null(o);
		e = test_num(o, "train_s.expected");
		print_message("xgboost %s: measured %g s, predicted %.3g .. %.3g (documented optimistic miss)\n",
			      spec, meas[i], test_num(o, "train_s.low"), test_num(o, "train_s.high"));
		assert_true(e < meas[i] / 2 && e > meas[i] / 30);
		json_decref(o);
	}
	dlp_profile_free(&p);
}

/* The verdict over estimates computed on structs, as the front end builds it. */
static json_t *verdict_json(const dlp_estimate *ests, size_t n, const dlp_model *m, const dlp_classical *c,
			    const dlp_dataset *ds, const dlp_train *t)
{
	dlp_verdict v;
	json_t *o;

	assert_int_equal(dlp_verdict_compute(ests, n, m, c, ds, t, &v), 0);
	o = dlp_verdict_json(&v);
	dlp_verdict_free(&v);
	return o;
}

static void test_catalog_and_verdict(void **state)
{
	static const char *const names[] = {"p3.2xlarge", "g6.xlarge", "c7i.2xlarge"};
	dlp_model *m = dlp_model_from_spec("mlp:30,256,256,2", 0, 0, 0, 0);
	dlp_classical c;
	dlp_dataset ds;
	dlp_train t;
	dlp_profile profiles[3];
	dlp_estimate ests[3];
	json_t *v;
	size_t i;

	dlp_classical_parse("gbdt", &c);
	dlp_dataset_from_spec("tabular:1000000x30", &ds);
	dlp_train_defaults(&t);
	t.epochs = 20;
	t.retrain_every_s = 86400;
	t.deadline_s = 3600;
	for (i = 0; i < 3; i++) {
		json_t *e;
		assert_int_equal(dlp_profile_from_catalog(names[i], &profiles[i]), 0);
		assert_int_equal(dlp_estimate_compute(&profiles[i], m, &c, &ds, &t, &ests[i]), 0);
		e = dlp_estimate_json(&ests[i]);
		assert_non_null(e);
		assert_true(test_num(e, "deep.cost_usd.expected") > 0);
		assert_true(test_num(e, "classical.train_s.expected") > 0);
		assert_true(test_num(e, "deep.retrain.runs_per_month") > 30);
		json_decref(e);
	}
	v = verdict_json(ests, 3, m, &c, &ds, &t);
	assert_non_null(v);
	assert_int_equal(json_array_size(json_object_get(v, "ratios")), 3);
	assert_true(json_is_string(json_object_get(v, "deep_cheapest")));
	assert_true(json_array_size(json_object_get(v, "flags")) >= 2); /* tabular evidence + transparency */
	{
		/* the summary sentence agrees with the ratios it cites */
		const char *sum = json_string_value(json_object_get(v, "summary"));
		const json_t *r;
		size_t j;
		int deep_faster = 0;

		assert_non_null(sum);
		json_array_foreach(json_object_get(v, "ratios"), j, r)
			deep_faster += json_number_value(json_object_get(r, "deep_over_classical_time")) < 1;
		if (deep_faster == 0)
			assert_non_null(strstr(sum, "favour the classical model (gbdt)"));
		else if (deep_faster == 3)
			assert_non_null(strstr(sum, "favour the deep model"));
		else
			assert_non_null(strstr(sum, "mixed"));
		assert_non_null(strstr(sum, "every machine estimated"));
	}
	json_decref(v);
	for (i = 0; i < 3; i++)
		dlp_profile_free(&profiles[i]);
	dlp_model_free(m);
	assert_int_equal(dlp_profile_from_catalog("p9.huge", &(dlp_profile){0}), -1);
}

/* With bench files and no --price nothing has a cost, so there is no
 * cheapest: the summary names the fastest and says cost is unknown; only when
 * nothing meets the limits does it say no hardware does. */
static void test_verdict_without_price(void **state)
{
	json_t *doc = test_fixture("bench_cpu_fixture.json"), *v;
	dlp_profile p;
	dlp_estimate e;
	dlp_model *m = dlp_model_from_spec("resnet18", 3, 32, 32, 10);
	dlp_dataset ds;
	dlp_train t;
	const char *sum;

	(void)state;
	assert_int_equal(dlp_profile_from_bench(doc, "fixture", &p), 0);
	assert_int_equal(dlp_dataset_from_spec("cifar10", &ds), 0);
	dlp_train_defaults(&t);
	assert_int_equal(dlp_estimate_compute(&p, m, NULL, &ds, &t, &e), 0);
	v = verdict_json(&e, 1, m, NULL, &ds, &t);
	assert_true(json_is_null(json_object_get(v, "deep_cheapest")));
	sum = json_string_value(json_object_get(v, "summary"));
	assert_non_null(sum);
	assert_null(strstr(sum, "no hardware"));
	assert_non_null(strstr(sum, "fastest hardware is fixture"));
	assert_non_null(strstr(sum, "cost unknown without a price"));
	json_decref(v);
	t.deadline_s = 1; /* nothing trains resnet18 on CIFAR-10 in a second */
	v = verdict_json(&e, 1, m, NULL, &ds, &t);
	sum = json_string_value(json_object_get(v, "summary"));
	assert_non_null(strstr(sum, "no hardware given trains the deep model within the limits"));
	json_decref(v);
	dlp_profile_free(&p);
	dlp_model_free(m);
	json_decref(doc);
}

/* One deep estimate with the issue 10 settings applied by fn. */
static int measured_interconnect; /* deep_with: the profile's busbw as a cluster document measures it */

static json_t *deep_with(const char *inst, const char *model, int seq, const char *dataset, double samples,
			 enum dlp_precision prec, int batch, void (*fn)(dlp_train *))
{
	dlp_profile p;
	dlp_model *m = dlp_model_from_spec(model, seq ? 1 : 0, seq, seq ? 1 : 0, 0);
	dlp_dataset ds;
	dlp_train t;
	json_t *o;

	assert_non_null(m);
	assert_int_equal(dlp_profile_from_catalog(inst, &p), 0);
	p.interconnect_measured = measured_interconnect;
	assert_int_equal(dlp_dataset_from_spec(dataset, &ds), 0);
	if (samples > 0)
		ds.samples = samples;
	dlp_train_defaults(&t);
	t.precision = prec;
	t.batch = batch;
	if (fn)
		fn(&t);
	o = dlp_estimate_deep(&p, m, &ds, &t);
	if (!o)
		print_error("%s\n", dlp_error_message());
	assert_non_null(o);
	dlp_model_free(m);
	dlp_profile_free(&p);
	return o;
}

static void set_tuned(dlp_train *t) { t->stack = DLP_STACK_TUNED; }
static void set_legacy(dlp_train *t) { t->stack = DLP_STACK_LEGACY; }
static void set_flash(dlp_train *t) { t->attention = DLP_ATTN_FLASH; }
static void set_materialized(dlp_train *t) { t->attention = DLP_ATTN_MATERIALIZED; }
static void set_checkpoint(dlp_train *t) { t->checkpoint = 1; }
static void set_zero1(dlp_train *t) { t->shard = 1; }
static void set_zero3(dlp_train *t) { t->shard = 3; }
static void set_nodes4(dlp_train *t) { t->nodes = 4; }
static void set_one_gpu(dlp_train *t) { t->devices = 1; }

/* The stack asked for is expected; tuned..legacy is the range, at most 3x. */
static void test_stacks_span_range(void **state)
{
	json_t *e = deep_with("p4de.24xlarge", "resnet50", 0, "imagenet", 0, DLP_PREC_MIXED, 256, NULL);
	json_t *tu = deep_with("p4de.24xlarge", "resnet50", 0, "imagenet", 0, DLP_PREC_MIXED, 256, set_tuned);
	json_t *le = deep_with("p4de.24xlarge", "resnet50", 0, "imagenet", 0, DLP_PREC_MIXED, 256, set_legacy);

	assert_true(test_num(tu, "train_s.expected") < test_num(e, "train_s.expected"));
	assert_true(test_num(e, "train_s.expected") < test_num(le, "train_s.expected"));
	/* the range does not depend on the stack asked for */
	assert_true(fabs(test_num(tu, "train_s.low") - test_num(e, "train_s.low")) < 1e-9 * test_num(e, "train_s.low"));
	assert_true(test_num(e, "train_s.high") / test_num(e, "train_s.low") <= 3.0 + 1e-9);
	assert_string_equal(json_string_value(json_object_get(json_object_get(e, "settings"), "stack")), "eager");
	json_decref(e);
	json_decref(tu);
	json_decref(le);
}

/* Flash attention keeps no heads x S x S probabilities and moves none of
 * them: at sequence 1024 GPT-2's memory and time both drop against the
 * materialised kernel. */
static void test_attention_by_implementation(void **state)
{
	json_t *f = deep_with("p5.48xlarge", "gpt2", 1024, "text:1e8", 0, DLP_PREC_BF16, 16, set_flash);
	json_t *m = deep_with("p5.48xlarge", "gpt2", 1024, "text:1e8", 0, DLP_PREC_BF16, 16, set_materialized);
	double probs = 16.0 * 12 * 12 * 1024 * 1024 * 2; /* batch x layers x heads x S^2 x 2 bytes */

	assert_true(test_num(m, "memory.activations_bytes") - test_num(f, "memory.activations_bytes") > 0.9 * probs);
	assert_true(test_num(m, "train_s.expected") > test_num(f, "train_s.expected"));
	json_decref(f);
	json_decref(m);
}

/* ZeRO divides what each rank holds (Rajbhandari et al. 2020): stage 1 the
 * optimizer state, stage 3 everything; checkpointing trades activations for
 * a second forward pass. */
static void test_shard_and_checkpoint(void **state)
{
	json_t *base = deep_with("p5.48xlarge", "gpt2_xl", 1024, "text:1e8", 0, DLP_PREC_MIXED, 4, NULL);
	json_t *z1 = deep_with("p5.48xlarge", "gpt2_xl", 1024, "text:1e8", 0, DLP_PREC_MIXED, 4, set_zero1);
	json_t *z3 = deep_with("p5.48xlarge", "gpt2_xl", 1024, "text:1e8", 0, DLP_PREC_MIXED, 4, set_zero3);
	json_t *ck = deep_with("p5.48xlarge", "gpt2_xl", 1024, "text:1e8", 0, DLP_PREC_MIXED, 4, set_checkpoint);
	double s0 = test_num(base, "memory.params_grads_optimizer_bytes");

	/* 16 B/param mixed Adam; zero1 leaves 2 + 2 + 12/8, zero3 16/8 */
	assert_true(fabs(test_num(z1, "memory.params_grads_optimizer_bytes") / s0 - (4 + 12.0 / 8) / 16) < 1e-9);
	assert_true(fabs(test_num(z3, "memory.params_grads_optimizer_bytes") / s0 - 1.0 / 8) < 1e-9);
	assert_true(test_num(ck, "memory.activations_bytes") < 0.5 * test_num(base, "memory.activations_bytes"));
	assert_true(test_num(ck, "train_s.expected") > test_num(base, "train_s.expected"));
	json_decref(base);
	json_decref(z1);
	json_decref(z3);
	json_decref(ck);
}

/* Across nodes the all-reduce grows; one GPU has none; the largest batch is
 * capped by the training set split over the ranks. */
static void test_scaling_and_batch_cap(void **state)
{
	json_t *one = deep_with("p4de.24xlarge", "bert_large", 128, "text:1e8", 0, DLP_PREC_MIXED, 16, set_one_gpu);
	json_t *node = deep_with("p4de.24xlarge", "bert_large", 128, "text:1e8", 0, DLP_PREC_MIXED, 16, NULL);
	json_t *four = deep_with("p4de.24xlarge", "bert_large", 128, "text:1e8", 0, DLP_PREC_MIXED, 16, set_nodes4);
	json_t *tiny = deep_with("p4de.24xlarge", "resnet18_cifar", 0, "cifar10", 100, DLP_PREC_MIXED, 16, NULL);

	assert_true(test_num(one, "step_breakdown_low_s.allreduce_total_s") == 0);
	assert_true(test_num(four, "step_breakdown_low_s.allreduce_total_s") >
		    test_num(node, "step_breakdown_low_s.allreduce_total_s"));
	/* more nodes add throughput, less than in proportion (the network is
	 * slower than NVSwitch) */
	assert_true(test_num(four, "samples_per_s") > 1.5 * test_num(node, "samples_per_s"));
	assert_true(test_num(four, "samples_per_s") < 4 * test_num(node, "samples_per_s"));
	assert_true(test_num(tiny, "memory.largest_batch") == 13); /* ceil(100 / 8) */
	json_decref(one);
	json_decref(node);
	json_decref(four);
	json_decref(tiny);
}

/* A measured all-reduce busbw (a cluster document) is what was achieved: the
 * stack's datasheet-to-achieved fraction must not discount it a second time. */
static void test_measured_busbw_not_discounted(void **state)
{
	json_t *sheet = deep_with("p4de.24xlarge", "bert_large", 128, "text:1e8", 0, DLP_PREC_MIXED, 16, NULL), *meas;

	measured_interconnect = 1;
	meas = deep_with("p4de.24xlarge", "bert_large", 128, "text:1e8", 0, DLP_PREC_MIXED, 16, NULL);
	measured_interconnect = 0;
	assert_true(test_num(meas, "step_breakdown_low_s.allreduce_total_s") > 0);
	assert_true(test_num(meas, "step_breakdown_low_s.allreduce_total_s") <
		    test_num(sheet, "step_breakdown_low_s.allreduce_total_s"));
	json_decref(sheet);
	json_decref(meas);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_op_counts_and_classical_terms),
		cmocka_unit_test(test_classical_measured),
		cmocka_unit_test(test_classical_fresh_arrays),
		cmocka_unit_test(test_classical_blas_passes),
		cmocka_unit_test(test_gbdt_node_term),
		cmocka_unit_test(test_memory_fit),
		cmocka_unit_test(test_catalog_and_verdict),
		cmocka_unit_test(test_lambda_resnet50),
		cmocka_unit_test(test_dawnbench_resnet9),
		cmocka_unit_test(test_dawnbench_resnet50_imagenet),
		cmocka_unit_test(test_gbm_perf),
		cmocka_unit_test(test_verdict_without_price),
		cmocka_unit_test(test_stacks_span_range),
		cmocka_unit_test(test_attention_by_implementation),
		cmocka_unit_test(test_shard_and_checkpoint),
		cmocka_unit_test(test_scaling_and_batch_cap),
		cmocka_unit_test(test_measured_busbw_not_discounted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
