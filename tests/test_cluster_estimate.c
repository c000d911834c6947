/* estimator/cluster.c: a cluster document as hardware. The nodes are the
 * bench fixture (tests/fixtures/bench_cpu_fixture.json); the interconnect
 * figures are set here, so every expected number is worked out by hand. */
#include <math.h>
#include <string.h>

#include "support/testutil.h"
#include "dlprobe/json.h"
#include "estimator/cluster.h"
#include "support/testjson.h"

static json_t *allreduce_section(double busbw, double bytes)
{
	return json_pack("{s:s,s:n,s:s,s:i,s:[{s:s,s:s,s:s,s:n,s:f,s:i,s:f}]}", "status", "ok", "reason",
			 "impl", "mpi", "ranks", 4, "results", "kernel", "allreduce", "impl", "mpi", "status", "ok",
			 "reason", "bytes", bytes, "ranks", 4, "busbw_gbps", busbw);
}

/* n nodes made of the fixture; node `slow` has every GEMM rate scaled by f */
static json_t *cluster_doc(int n, int slow, double f, double inter_busbw)
{
	json_t *doc = json_pack("{s:s}", "schema_version", DLP_SCHEMA_VERSION), *nodes = json_array(), *fx = test_fixture("bench_cpu_fixture.json");
	int i;

	for (i = 0; i < n; i++) {
		json_t *node = json_pack("{s:i,s:s,s:s,s:n,s:O,s:O}", "node", i, "hostname", "h", "status", "ok",
					 "reason", "probe", json_object_get(fx, "probe"), "bench", json_object_get(fx, "bench"));
		if (i == slow) {
			json_t *b = json_deep_copy(json_object_get(fx, "bench")), *r;
			size_t k;

			json_array_foreach(json_object_get(json_array_get(json_object_get(json_array_get(
				json_object_get(b, "backends"), 0), "devices"), 0), "results"), k, r)
				if (json_is_number(json_object_get(r, "rate_gflops")))
					json_object_set_new(r, "rate_gflops",
							    json_real(json_number_value(json_object_get(r, "rate_gflops")) * f));
			json_object_set_new(node, "bench", b);
		}
		json_array_append_new(nodes, node);
	}
	json_object_set_new(doc, "cluster", json_pack("{s:o,s:{s:o,s:n,s:n},s:b}", "nodes", nodes, "interconnect",
		"inter_node", allreduce_section(inter_busbw, 32.0 * 1024 * 1024), "ring", "gpu", "simulated_nodes", 0));
	json_decref(fx);
	return doc;
}

static void test_hierarchy_arithmetic(void **state)
{
	(void)state;
	/* one device per node: the ring over nodes is the whole story */
	assert_true(fabs(dlp_cluster_allreduce_gbps(4, 1, 0, 10) - 10) < 1e-12);
	/* 2 nodes x 4 GPUs, 100 GB/s inside, 10 across: per byte
	 * 2*3/4/100 + 2*1/2/(4*10) = 0.015 + 0.025 = 0.04; the ring over 8
	 * devices with the same time: 2*7/8 / 0.04 = 43.75 */
	assert_true(fabs(dlp_cluster_allreduce_gbps(2, 4, 100, 10) - 43.75) < 1e-9);
	/* one node of 8: the intra figure alone */
	assert_true(fabs(dlp_cluster_allreduce_gbps(1, 8, 100, 0) - 100) < 1e-9);
	/* an unknown figure that is needed: 0, never a guess */
	assert_true(dlp_cluster_allreduce_gbps(2, 4, 0, 10) == 0);
	assert_true(dlp_cluster_allreduce_gbps(2, 1, 0, 0) == 0);
}

static void test_scaling(void **state)
{
	json_t *doc = cluster_doc(4, 2, 0.5, 1.0), *sc, *slowdoc;
	dlp_cluster_hw c, c2;
	dlp_model *m = dlp_model_from_spec("mlp:100,512,512,10", 0, 0, 0, 0);
	dlp_dataset ds;
	dlp_train t;
	double eff, eff_fast;

	(void)state;
	assert_non_null(m);
	assert_int_equal(dlp_dataset_from_spec("tabular:1000000x100", &ds), 0);
	dlp_train_defaults(&t);
	assert_true(dlp_doc_is_cluster(doc));
	assert_int_equal(dlp_cluster_hw_from_doc(doc, "c", &c), 0);
	assert_int_equal(c.nodes, 4);
	assert_int_equal(c.per_node, 1);
	assert_int_equal(c.all.devices, 4);
	assert_true(fabs(c.all.interconnect_gbps - 1.0) < 1e-12);
	assert_string_equal(c.all.kind, "cluster");
	sc = dlp_cluster_scaling(&c, m, &ds, &t);
	assert_non_null(sc);
	eff = dlp_json_num(sc, "scaling_efficiency");
	/* all-reduce costs something, and 4 nodes beat one */
	assert_true(eff > 0 && eff < 1);
	assert_true(dlp_json_num(sc, "speedup") > 1);
	assert_true(fabs(dlp_json_num(sc, "speedup") / 4 - eff) < 1e-12);
	json_decref(sc);
	/* the slowest node sets the pace: halving node 2's GEMMs slows the cluster */
	slowdoc = cluster_doc(4, -1, 1, 1.0);
	assert_int_equal(dlp_cluster_hw_from_doc(slowdoc, "fast", &c2), 0);
	sc = dlp_cluster_scaling(&c2, m, &ds, &t);
	eff_fast = dlp_json_num(sc, "cluster_train_s");
	json_decref(sc);
	sc = dlp_cluster_scaling(&c, m, &ds, &t);
	assert_true(dlp_json_num(sc, "cluster_train_s") > eff_fast);
	json_decref(sc);
	dlp_cluster_hw_free(&c2);
	json_decref(slowdoc);
	dlp_cluster_hw_free(&c);
	json_decref(doc);
	dlp_model_free(m);
}

static void test_refusals(void **state)
{
	json_t *doc = cluster_doc(2, -1, 1, 0);
	dlp_cluster_hw c;

	(void)state;
	/* two nodes and no inter-node figure: refused with the reason */
	json_object_set_new(json_object_get(json_object_get(doc, "cluster"), "interconnect"), "inter_node",
			    json_pack("{s:s,s:s}", "status", "skipped", "reason", "one rank"));
	assert_int_equal(dlp_cluster_hw_from_doc(doc, "c", &c), -1);
	assert_non_null(strstr(dlp_error_message(), "no inter-node all-reduce"));
	json_decref(doc);
	/* --no-bench nodes: nothing to estimate from */
	doc = cluster_doc(2, -1, 1, 1);
	json_object_set_new(json_array_get(json_object_get(json_object_get(doc, "cluster"), "nodes"), 0), "bench", json_null());
	json_object_set_new(json_array_get(json_object_get(json_object_get(doc, "cluster"), "nodes"), 1), "bench", json_null());
	assert_int_equal(dlp_cluster_hw_from_doc(doc, "c", &c), -1);
	assert_non_null(strstr(dlp_error_message(), "no node of the cluster has a bench"));
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hierarchy_arithmetic),
		cmocka_unit_test(test_scaling),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
