/* Timing a workload's own shapes (kernels/measure.c): what the answer says,
 * not how fast it was. */
#include <dirent.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "dlprobe/bench.h"
#include "dlprobe/json.h"
#include "kernels/measure.h"

#define SHORT_BUDGET_S 0.5

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* Each elementwise operator is verified and timed at its size. */
static void elementwise_verified(void **state)
{
	json_t *req = json_pack("{s:i,s:[],s:[{s:s,s:f},{s:s,s:f},{s:s,s:f},{s:s,s:f}]}", "batch", 8, "gemm",
				"elementwise", "op", "activation", "elements", 65536.0, "op", "pool", "elements",
				65536.0, "op", "add", "elements", 65536.0, "op", "batchnorm", "elements", 65536.0);
	json_t *ans, *e;
	size_t i;

	(void)state;
	assert_non_null(req);
	ans = dlp_measure_workload(req, SHORT_BUDGET_S, 0);
	assert_non_null(ans);
	json_array_foreach(json_object_get(ans, "elementwise"), i, e) {
		assert_string_equal(str(e, "status"), "ok");
		assert_true(dlp_json_num(e, DLP_RATE_GBPS) > 0);
	}
	assert_int_equal(i, 4);
	json_decref(ans);
	json_decref(req);
}

/* Convolutions without a framework to run them: skipped, saying why, and
 * no child started. */
static void conv_without_framework(void **state)
{
	json_t *req = json_pack("{s:i,s:[],s:[],s:[{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:b}]}", "batch", 8,
				"gemm", "elementwise", "conv", "in", 3, "h", 8, "w", 8, "out", 4, "k", 3, "stride", 1,
				"pad", 1, "groups", 1, "dilation", 1, "bias", 1, "input_grad", 0);
	json_t *ans, *c;

	(void)state;
	assert_non_null(req);
	ans = dlp_measure_workload(req, SHORT_BUDGET_S, 0);
	assert_non_null(ans);
	c = json_array_get(json_object_get(ans, "conv"), 0);
	assert_string_equal(str(c, "status"), "skipped");
	assert_string_equal(str(c, "reason"), DLP_MEASURE_NO_FRAMEWORK);
	assert_null(json_object_get(ans, "conv_probe"));
	json_decref(ans);
	json_decref(req);
}

/* A framework's answer must repeat each convolution's format: one timed
 * in another (a probe that ignored "dtype") is no answer to it. The child
 * is a fake python that answers every entry, flipping the second one's
 * dtype. */
static void conv_answer_keeps_dtype(void **state)
{
	static const char fake[] =
		"#!/bin/sh\ncat >/dev/null\nexec /usr/bin/python3 -c '\nimport json, os\n"
		"r = json.load(open(os.environ[\"DLPROBE_FW_CONV_FILE\"]))\nout = []\n"
		"for i, c in enumerate(r[\"conv\"]):\n"
		"    c = dict(c, status=\"ok\", verified=True, fwd_bwd_s=1e-4, fwd_bwd_median_s=1e-4)\n"
		"    if i == 1:\n        c[\"dtype\"] = \"fp32\"\n    out.append(c)\n"
		"print(json.dumps({\"conv\": out, \"activation\": []}))\n'\n";
	char dir[] = "/tmp/dlprobe-test-XXXXXX", path[64];
	json_t *req, *ans, *convs;
	FILE *f;

	(void)state;
	if (access("/usr/bin/python3", X_OK) != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/python", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(fake, f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0755), 0);
	req = json_pack("{s:i,s:s,s:[],s:[],s:[{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:b,s:s},"
			"{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:b,s:s}]}", "batch", 8, "conv_through",
			DLP_MEASURE_CONV_TORCH, "gemm", "elementwise", "conv", "in", 3, "h", 8, "w", 8, "out", 4, "k", 3,
			"stride", 1, "pad", 1, "groups", 1, "dilation", 1, "bias", 1, "input_grad", 0, "dtype", "bf16",
			"in", 4, "h", 8, "w", 8, "out", 4, "k", 3, "stride", 1, "pad", 1, "groups", 1, "dilation", 1,
			"bias", 1, "input_grad", 1, "dtype", "bf16");
	assert_non_null(req);
	setenv("DLPROBE_PYTHON", path, 1);
	ans = dlp_measure_workload(req, SHORT_BUDGET_S, 0);
	unsetenv("DLPROBE_PYTHON");
	unlink(path);
	rmdir(dir);
	assert_non_null(ans);
	convs = json_object_get(ans, "conv");
	assert_string_equal(str(json_array_get(convs, 0), "status"), "ok");
	assert_true(dlp_json_num(json_array_get(convs, 0), "fwd_bwd_s") > 0);
	assert_string_equal(str(json_array_get(convs, 1), "status"), "error");
	assert_string_equal(str(json_array_get(convs, 1), "dtype"), "bf16");
	assert_null(json_object_get(json_array_get(convs, 1), "fwd_bwd_s"));
	json_decref(ans);
	json_decref(req);
}

/* CPUs in a "Cpus_allowed_list" value ("0-3,6"). */
static int count_list(const char *s)
{
	int n = 0, a, b, used;

	while (sscanf(s, "%d%n", &a, &used) == 1) {
		s += used;
		b = a;
		if (*s == '-' && sscanf(s + 1, "%d%n", &b, &used) == 1)
			s += 1 + used;
		n += b - a + 1;
		if (*s != ',')
			break;
		s++;
	}
	return n;
}

/* Every thread of this process may run on every CPU the process may: the
 * measurement's thread team binds its threads, and a BLAS whose threads
 * started inside that binding ran its 2-thread GEMMs on one CPU. The
 * threads the BLAS leaves behind are read once the answer is back. */
static void blas_threads_not_confined(void **state)
{
	json_t *req = json_pack("{s:i,s:[{s:f,s:f,s:f,s:f}],s:[]}", "batch", 8, "gemm", "m", 256.0, "n", 256.0, "k",
				256.0, "flops", 1.0, "elementwise");
	json_t *ans;
	cpu_set_t set;
	DIR *d;
	struct dirent *de;
	int cpus, threads = 0;

	(void)state;
	if (sched_getaffinity(0, sizeof set, &set) != 0 || CPU_COUNT(&set) < 2)
		skip();
	cpus = CPU_COUNT(&set);
	ans = dlp_measure_workload(req, SHORT_BUDGET_S, 0);
	assert_non_null(ans);
	d = opendir("/proc/self/task");
	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[300], line[512];
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/self/task/%s/status", de->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		while (fgets(line, sizeof line, f))
			if (strncmp(line, "Cpus_allowed_list:", 18) == 0) {
				const char *list = line + 18 + strspn(line + 18, " \t");

				if (count_list(list) != cpus)
					fail_msg("thread %s may run on CPUs %.*s only, of %d", de->d_name,
						 (int)strcspn(list, "\n"), list, cpus);
				threads++;
			}
		fclose(f);
	}
	closedir(d);
	assert_true(threads >= 1);
	json_decref(ans);
	json_decref(req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(elementwise_verified),
		cmocka_unit_test(conv_without_framework),
		cmocka_unit_test(conv_answer_keeps_dtype),
		cmocka_unit_test(blas_threads_not_confined),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
