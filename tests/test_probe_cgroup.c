/* cgroup v1/v2 limits from fixture trees (tests/fixtures/cgroup/<case>/). */
#include <string.h>

#include "support/testutil.h"
#include "dlprobe/probe.h"
#include "probe/cgroup.h"
#include "probe/memory.h"
#include "probe/sysfile.h"

static void parse_cpu_max(void **state)
{
	double cpus;
	long long q, p;

	(void)state;
	assert_int_equal(dlp_cgroup_parse_cpu_max("200000 100000", &cpus, &q, &p), 0);
	assert_true(cpus == 2.0);
	assert_int_equal(q, 200000);
	assert_int_equal(dlp_cgroup_parse_cpu_max("max 100000\n", &cpus, &q, &p), 0);
	assert_true(cpus < 0);
	assert_int_equal(dlp_cgroup_parse_cpu_max("50000", &cpus, &q, &p), 0);
	assert_true(cpus == 0.5);
	assert_int_equal(dlp_cgroup_parse_cpu_max("abc 100000", &cpus, &q, &p), -1);
	assert_int_equal(dlp_cgroup_parse_cpu_max("100000 0", &cpus, &q, &p), -1);
	assert_int_equal(dlp_cgroup_parse_cpu_max("", &cpus, &q, &p), -1);
}

static void parse_memory(void **state)
{
	long long b;

	(void)state;
	assert_int_equal(dlp_cgroup_parse_memory("max\n", &b), 0);
	assert_int_equal(b, -1);
	assert_int_equal(dlp_cgroup_parse_memory("2147483648", &b), 0);
	assert_int_equal(b, 2147483648ll);
	/* v1's "no limit" is PAGE_COUNTER_MAX pages */
	assert_int_equal(dlp_cgroup_parse_memory("9223372036854771712", &b), 0);
	assert_int_equal(b, -1);
	assert_int_equal(dlp_cgroup_parse_memory("12x", &b), -1);
	assert_int_equal(dlp_cgroup_parse_memory("-5", &b), -1);
}

static void cpulist(void **state)
{
	(void)state;
	assert_int_equal(dlp_cpulist_count("0-3,8,10-11"), 7);
	assert_int_equal(dlp_cpulist_count("0"), 1);
	assert_int_equal(dlp_cpulist_count("0-1\n"), 2);
	assert_int_equal(dlp_cpulist_count("3-1"), -1);
	assert_int_equal(dlp_cpulist_count("x"), -1);
}

static void v2_quota_inherited(void **state)
{
	struct dlp_cgroup cg;

	(void)state;
	assert_int_equal(dlp_cgroup_read("tests/fixtures/cgroup/v2_quota", &cg), 0);
	assert_int_equal(cg.version, 2);
	/* the leaf says max, its parent 2 CPUs and 2 GiB: the parent's limits apply */
	assert_true(cg.cpu_quota == 2.0);
	assert_int_equal(cg.quota_us, 200000);
	assert_int_equal(cg.period_us, 100000);
	assert_int_equal(cg.memory_limit, 2147483648ll);
	assert_non_null(strstr(cg.memory_path, "/box"));
	assert_null(strstr(cg.memory_path, "inner"));
	assert_int_equal(cg.memory_usage, 104857600);
	assert_int_equal(cg.cpuset_count, 4);
}

static void v2_unlimited(void **state)
{
	struct dlp_cgroup cg;

	(void)state;
	assert_int_equal(dlp_cgroup_read("tests/fixtures/cgroup/v2_max", &cg), 0);
	assert_int_equal(cg.version, 2);
	assert_true(cg.cpu_quota < 0);
	assert_int_equal(cg.memory_limit, -1);
}

static void v1_hybrid(void **state)
{
	struct dlp_cgroup cg;

	(void)state;
	assert_int_equal(dlp_cgroup_read("tests/fixtures/cgroup/v1_hybrid", &cg), 0);
	/* the cgroup2 mount holds only hugetlb: limits come from v1 */
	assert_int_equal(cg.version, 1);
	assert_true(cg.cpu_quota == 1.5);
	assert_int_equal(cg.memory_limit, 536870912);
	assert_int_equal(cg.memory_usage, 1048576);
	assert_int_equal(cg.cpuset_count, 2);
}

static void v2_namespace_root(void **state)
{
	struct dlp_cgroup cg;

	(void)state;
	assert_int_equal(dlp_cgroup_read("tests/fixtures/cgroup/v2_nsroot", &cg), 0);
	assert_true(cg.cpu_quota == 0.5);
	assert_int_equal(cg.memory_limit, 1073741824);
}

static void no_cgroup(void **state)
{
	struct dlp_cgroup cg;

	(void)state;
	assert_int_equal(dlp_cgroup_read("tests/fixtures/does-not-exist", &cg), 0);
	assert_int_equal(cg.version, 0);
	assert_true(cg.cpu_quota < 0);
	assert_int_equal(cg.memory_limit, -1);
}

static void memory_effective(void **state)
{
	struct dlp_memory m = { 0 };

	(void)state;
	assert_int_equal(dlp_memory_read_meminfo("tests/fixtures/cgroup/v2_quota", &m), 0);
	assert_int_equal(m.meminfo_total, 16384000ll * 1024);
	assert_int_equal(m.meminfo_available, 12000000ll * 1024);
	m.hwloc_total = 5ll << 30;
	m.cgroup_limit = 2147483648ll;
	dlp_memory_combine(&m);
	assert_int_equal(m.effective, 2147483648ll);
	assert_string_equal(m.effective_source, "cgroup memory limit");
	m.cgroup_limit = -1;
	dlp_memory_combine(&m);
	/* hwloc's smaller figure is reported, not used: see probe/memory.h */
	assert_int_equal(m.effective, 16384000ll * 1024);
	assert_string_equal(m.effective_source, "/proc/meminfo MemTotal");
}

static void probe_under_fixture(void **state)
{
	dlp_probe_opts o = { 0 };
	json_t *p;

	(void)state;
	o.sysroot = "tests/fixtures/cgroup/v1_hybrid";
	o.hwloc_synthetic = "pack:1 core:4 pu:1";
	o.skip_opencl = o.skip_cuda = 1;
	p = dlp_probe_run(&o);
	assert_non_null(p);
	/* 4 hardware threads, quota 1.5 CPUs: 1 usable thread */
	assert_int_equal(dlp_probe_effective_cpus(p), 1);
	assert_int_equal(dlp_probe_effective_memory(p), 536870912);
	json_decref(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_cpu_max),
		cmocka_unit_test(parse_memory),
		cmocka_unit_test(cpulist),
		cmocka_unit_test(v2_quota_inherited),
		cmocka_unit_test(v2_unlimited),
		cmocka_unit_test(v1_hybrid),
		cmocka_unit_test(v2_namespace_root),
		cmocka_unit_test(no_cgroup),
		cmocka_unit_test(memory_effective),
		cmocka_unit_test(probe_under_fixture),
	};
	return cmocka_run_group_tests_name("probe_cgroup", tests, NULL, NULL);
}
