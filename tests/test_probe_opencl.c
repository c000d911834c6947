/* OpenCL enumeration: the real PoCL device on the CI machine, and a crashing
 * or hanging ICD (tests/fakes/fake_icd_crash.c) reported as an error entry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/testutil.h"
#include "probe/opencl.h"

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static void pocl_found_and_described(void **state)
{
	json_t *cl, *p, *d = NULL;
	size_t i, j;

	(void)state;
	unsetenv("OCL_ICD_VENDORS");
	cl = dlp_opencl_probe(30);
	assert_string_equal(str(cl, "status"), "ok");
	json_array_foreach(json_object_get(cl, "platforms"), i, p) {
		json_t *dev;
		if (strcmp(str(p, "name"), "Portable Computing Language") != 0)
			continue;
		json_array_foreach(json_object_get(p, "devices"), j, dev)
			d = dev;
	}
	assert_non_null(d);
	assert_non_null(strstr(str(d, "name"), "pthread"));
	assert_string_equal(str(d, "type"), "cpu");
	assert_true(json_integer_value(json_object_get(d, "compute_units")) >= 1);
	assert_true(json_integer_value(json_object_get(d, "global_memory_bytes")) > 0);
	assert_true(json_integer_value(json_object_get(d, "max_alloc_bytes")) > 0);
	assert_true(json_integer_value(json_object_get(d, "max_alloc_bytes")) <=
		    json_integer_value(json_object_get(d, "global_memory_bytes")));
	assert_true(json_is_boolean(json_object_get(d, "fp64")));
	json_decref(cl);
}

/* Point the ICD loader at one vendor file naming the fake library. */
static void use_fake_icd(char *dir, size_t len)
{
	char path[1200], lib[1024];
	FILE *f;

	snprintf(dir, len, "/tmp/dlprobe-icd-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/crash.icd", dir);
	assert_non_null(realpath(test_build_path("libOpenCL_crash.so"), lib));
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", lib);
	fclose(f);
	setenv("OCL_ICD_VENDORS", dir, 1);
}

static void drop_fake_icd(const char *dir)
{
	char path[1200];

	snprintf(path, sizeof path, "%s/crash.icd", dir);
	unlink(path);
	rmdir(dir);
	unsetenv("OCL_ICD_VENDORS");
	unsetenv("FAKE_ICD_MODE");
}

static void crashing_icd_is_an_error_entry(void **state)
{
	char dir[64];
	json_t *cl;

	(void)state;
	use_fake_icd(dir, sizeof dir);
	cl = dlp_opencl_probe(30);
	drop_fake_icd(dir);
	assert_string_equal(str(cl, "status"), "error");
	assert_non_null(strstr(str(cl, "reason"), "crashed"));
	json_decref(cl);
}

static void hanging_icd_times_out(void **state)
{
	char dir[64];
	json_t *cl;

	(void)state;
	use_fake_icd(dir, sizeof dir);
	setenv("FAKE_ICD_MODE", "hang", 1);
	cl = dlp_opencl_probe(0.5);
	drop_fake_icd(dir);
	assert_string_equal(str(cl, "status"), "error");
	assert_non_null(strstr(str(cl, "reason"), "did not answer within 0.5 s"));
	json_decref(cl);
}

static void no_platform_is_unavailable(void **state)
{
	char dir[64];
	json_t *cl;

	(void)state;
	/* an empty vendors directory: the loader finds no platform at all */
	snprintf(dir, sizeof dir, "/tmp/dlprobe-icd-XXXXXX");
	assert_non_null(mkdtemp(dir));
	setenv("OCL_ICD_VENDORS", dir, 1);
	cl = dlp_opencl_probe(30);
	rmdir(dir);
	unsetenv("OCL_ICD_VENDORS");
	if (strcmp(str(cl, "status"), "unavailable") != 0)
		fail_msg("status %s: %s", str(cl, "status"), str(cl, "reason"));
	assert_non_null(strstr(str(cl, "reason"), "no OpenCL platform"));
	json_decref(cl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pocl_found_and_described),
		cmocka_unit_test(crashing_icd_is_an_error_entry),
		cmocka_unit_test(hanging_icd_times_out),
		cmocka_unit_test(no_platform_is_unavailable),
	};
	return cmocka_run_group_tests_name("probe_opencl", tests, NULL, NULL);
}
