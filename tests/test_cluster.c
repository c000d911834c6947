/* The MPI-free half of dlprobe-cluster: nccl-tests' bandwidth factors, size
 * rounding, and the findings over hand-made nodes. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cluster/cluster.h"
#include "dlprobe/json.h"
#include "kernels/harness.h"

static void test_busbw_factors(void **state)
{
	(void)state;
	/* nccl-tests PERFORMANCE.md: all-reduce 2(n-1)/n, the others (n-1)/n */
	assert_true(fabs(dlp_coll_busbw_factor(DLP_COLL_ALLREDUCE, 4) - 1.5) < 1e-12);
	assert_true(fabs(dlp_coll_busbw_factor(DLP_COLL_ALLGATHER, 4) - 0.75) < 1e-12);
	assert_true(fabs(dlp_coll_busbw_factor(DLP_COLL_REDUCESCATTER, 8) - 0.875) < 1e-12);
	assert_true(fabs(dlp_coll_busbw_factor(DLP_COLL_ALLTOALL, 2) - 0.5) < 1e-12);
	assert_true(dlp_coll_busbw_factor(DLP_COLL_ALLREDUCE, 1) == 0.0);
	assert_int_equal(dlp_coll_find("alltoall"), DLP_COLL_ALLTOALL);
	assert_int_equal(dlp_coll_find("broadcast"), -1);
}

static void test_bytes_rounding(void **state)
{
	(void)state;
	/* all-reduce needs whole elements only; chunked ones n equal chunks */
	assert_int_equal(dlp_coll_bytes(DLP_COLL_ALLREDUCE, 8, 3, 4), 8);
	assert_int_equal(dlp_coll_bytes(DLP_COLL_ALLGATHER, 8, 3, 4), 0);
	assert_int_equal(dlp_coll_bytes(DLP_COLL_ALLGATHER, 16, 3, 4), 12);
	assert_int_equal(dlp_coll_bytes(DLP_COLL_ALLTOALL, 1024, 3, 4), 1020);
}

static void test_result_bw(void **state)
{
	json_t *r = dlp_result_new("allreduce", "mpi", "fp32");
	double s[] = { 0.002, 0.001, 0.003 };
	dlp_stats st = { s, 3, 0, 0, 0, 0 };

	(void)state;
	assert_int_equal(dlp_stats_compute(&st), 0);
	dlp_result_set_stats(r, &st, "rate_gbps", 4e6 / 1e9);
	dlp_coll_result_set_bw(r, DLP_COLL_ALLREDUCE, 4000000, 4);
	/* 4 MB in the median 2 ms: 2 GB/s algbw, x 1.5 for 4 ranks */
	assert_true(fabs(json_real_value(json_object_get(r, "algbw_gbps")) - 2.0) < 1e-9);
	assert_true(fabs(json_real_value(json_object_get(r, "busbw_gbps")) - 3.0) < 1e-9);
	assert_true(fabs(json_real_value(json_object_get(r, "latency_s")) - 0.002) < 1e-12);
	json_decref(r);
}

/* A node whose bench has one fp32 GEMM and one STREAM triad. */
static json_t *node(int i, double gemm, double triad, const char *cpu)
{
	return json_pack("{s:i,s:s,s:s,s:s,s:{s:{s:s},s:{s:I}},s:{s:[{s:s,s:[{s:s,s:[{s:s,s:s,s:s,s:s,s:f},"
			 "{s:s,s:s,s:s,s:s,s:f}]}]}]}}",
			 "node", i, "hostname", "h", "status", "ok", "dlprobe_version", DLP_VERSION,
			 "probe", "cpu", "model_name", cpu, "memory", "effective_bytes", (json_int_t)1 << 34,
			 "bench", "backends", "backend", "cpu", "devices", "name", "cpu", "results",
			 "kernel", "gemm", "impl", "dlprobe", "dtype", "fp32", "status", "ok", "rate_gflops", gemm,
			 "kernel", "stream_triad", "impl", "dlprobe", "dtype", "fp64", "status", "ok", "rate_gbps", triad);
}

static int count_kind(const json_t *f, const char *kind, const char *metric, json_int_t who)
{
	const json_t *x;
	size_t i;
	int n = 0;

	json_array_foreach(f, i, x)
		if (strcmp(json_string_value(json_object_get(x, "kind")), kind) == 0 &&
		    strcmp(json_string_value(json_object_get(x, "metric")), metric) == 0 &&
		    json_integer_value(json_array_get(json_object_get(x, "nodes"), 0)) == who)
			n++;
	return n;
}

static void test_findings(void **state)
{
	json_t *cl = json_pack("{s:[o,o,o,o],s:{s:n}}", "nodes",
			       node(0, 100, 30, "EPYC"), node(1, 95, 30, "EPYC"),
			       node(2, 80, 20, "EPYC"), node(3, 101, 31, "Xeon"),
			       "interconnect", "ring");
	json_t *f;

	(void)state;
	f = dlp_cluster_findings(cl);
	/* median GEMM 97.5: 80 is 18% below (named), 95 is 2.6% below (not) */
	assert_int_equal(count_kind(f, "straggler", "gemm_fp32", 2), 1);
	assert_int_equal(count_kind(f, "straggler", "gemm_fp32", 1), 0);
	assert_int_equal(count_kind(f, "straggler", "stream_triad", 2), 1);
	assert_int_equal(count_kind(f, "heterogeneity", "cpu_model", 3), 1);
	assert_int_equal(count_kind(f, "heterogeneity", "memory", 0), 0);
	json_decref(f);
	json_decref(cl);
}

static void test_link_straggler(void **state)
{
	json_t *cl = json_pack("{s:[],s:{s:{s:[{s:i,s:i,s:{s:f}},{s:i,s:i,s:{s:f}},{s:i,s:i,s:{s:f}}]}}}",
			       "nodes", "interconnect", "ring", "links",
			       "from", 0, "to", 1, "bandwidth", "rate_gbps", 10.0,
			       "from", 1, "to", 2, "bandwidth", "rate_gbps", 5.0,
			       "from", 2, "to", 0, "bandwidth", "rate_gbps", 10.0);
	json_t *f;

	(void)state;
	f = dlp_cluster_findings(cl);
	assert_int_equal(count_kind(f, "straggler", "link_bandwidth", 1), 1);
	assert_int_equal(json_array_size(f), 1);
	json_decref(f);
	json_decref(cl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_busbw_factors),
		cmocka_unit_test(test_bytes_rounding),
		cmocka_unit_test(test_result_bw),
		cmocka_unit_test(test_findings),
		cmocka_unit_test(test_link_straggler),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
