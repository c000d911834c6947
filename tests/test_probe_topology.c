/* Topology parsing on synthetic hwloc topologies and XML fixtures. */
#include <string.h>

#include "support/testutil.h"
#include "dlprobe/probe.h"
#include "probe/topology.h"

static void load(const char *xml, const char *syn, struct dlp_topology *t)
{
	hwloc_topology_t h;

	assert_int_equal(dlp_topology_load(&h, xml, syn), 0);
	assert_int_equal(dlp_topology_from_hwloc(h, t), 0);
	hwloc_topology_destroy(h);
}

static const struct dlp_cache_level *cache(const struct dlp_topology *t, int level)
{
	int i;

	for (i = 0; i < t->ncaches; i++)
		if (t->caches[i].level == level)
			return &t->caches[i];
	return NULL;
}

static void synthetic_multi_package_smt_numa(void **state)
{
	struct dlp_topology t;
	const struct dlp_cache_level *l3, *l2;

	(void)state;
	load(NULL, "pack:2 [numa(memory=17179869184)] l3:1(size=16777216) l2:4(size=1048576) "
		   "l1d:1(size=32768) core:1 pu:2", &t);
	assert_int_equal(t.packages, 2);
	assert_int_equal(t.cores, 8);
	assert_int_equal(t.threads, 16);
	assert_int_equal(t.threads_per_core, 2);
	assert_int_equal(t.nnuma, 2);
	assert_int_equal(t.numa[0].memory_bytes, 17179869184ll);
	assert_int_equal(t.numa[1].threads, 8);
	assert_int_equal(t.total_memory_bytes, 2 * 17179869184ll);
	l3 = cache(&t, 3);
	assert_non_null(l3);
	assert_int_equal(l3->size_bytes, 16777216);
	assert_int_equal(l3->count, 2);
	assert_int_equal(l3->shared_by_threads, 8);
	l2 = cache(&t, 2);
	assert_non_null(l2);
	assert_int_equal(l2->shared_by_threads, 2);
	assert_string_equal(cache(&t, 1)->type, "data");
}

static void synthetic_no_smt(void **state)
{
	struct dlp_topology t;
	json_t *j;

	(void)state;
	load(NULL, "pack:1 core:6 pu:1", &t);
	assert_int_equal(t.threads, 6);
	assert_int_equal(t.threads_per_core, 1);
	j = dlp_topology_to_json(&t);
	assert_true(json_is_false(json_object_get(j, "smt")));
	assert_int_equal(json_integer_value(json_object_get(j, "cores")), 6);
	json_decref(j);
}

static void xml_fixture_two_packages(void **state)
{
	struct dlp_topology t;

	(void)state;
	load("tests/fixtures/hwloc_2pkg_smt.xml", NULL, &t);
	assert_int_equal(t.packages, 2);
	assert_int_equal(t.cores, 16);
	assert_int_equal(t.threads, 32);
	assert_int_equal(t.threads_per_core, 2);
	assert_int_equal(t.nnuma, 2);
	assert_int_equal(cache(&t, 3)->size_bytes, 33554432);
	assert_int_equal(cache(&t, 1)->size_bytes, 49152);
}

static void xml_fixture_ci_machine(void **state)
{
	struct dlp_topology t;

	(void)state;
	/* saved from the CI machine with lstopo: 2 cores, no SMT, 1 MiB L2 each, 32 MiB L3 */
	load("tests/fixtures/hwloc_this_ci.xml", NULL, &t);
	assert_int_equal(t.threads, 2);
	assert_int_equal(t.cores, 2);
	assert_int_equal(t.threads_per_core, 1);
	assert_int_equal(cache(&t, 2)->size_bytes, 1048576);
	assert_int_equal(cache(&t, 3)->shared_by_threads, 2);
	assert_int_equal(t.nnuma, 1);
}

static void bad_inputs(void **state)
{
	hwloc_topology_t h;

	(void)state;
	assert_int_equal(dlp_topology_load(&h, NULL, "pack:x"), -1);
	assert_null(h);
	assert_non_null(strstr(dlp_error_message(), "synthetic"));
	assert_int_equal(dlp_topology_load(&h, "tests/fixtures/none.xml", NULL), -1);
}

static void probe_readers(void **state)
{
	dlp_probe_opts o = { 0 };
	json_t *p;

	(void)state;
	o.hwloc_synthetic = "pack:1 l3:1(size=8388608) l2:2(size=524288) l1d:1(size=32768) core:1 pu:1";
	o.skip_opencl = o.skip_cuda = 1;
	p = dlp_probe_run(&o);
	assert_non_null(p);
	assert_int_equal(dlp_probe_cache_bytes(p, 1), 32768);
	assert_int_equal(dlp_probe_cache_bytes(p, 2), 524288);
	assert_int_equal(dlp_probe_cache_bytes(p, 3), 8388608);
	assert_int_equal(dlp_probe_cache_bytes(p, 4), -1);
	json_decref(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(synthetic_multi_package_smt_numa),
		cmocka_unit_test(synthetic_no_smt),
		cmocka_unit_test(xml_fixture_two_packages),
		cmocka_unit_test(xml_fixture_ci_machine),
		cmocka_unit_test(bad_inputs),
		cmocka_unit_test(probe_readers),
	};
	return cmocka_run_group_tests_name("probe_topology", tests, NULL, NULL);
}
