/* GPU backends measured in a child (kernels/bench.c): the answer is the same
 * JSON as in the process, a crash or a hang is the backend's error entry,
 * and a backend whose driver failed in the probe is not run again. Driven
 * through the fake libcuda (tests/fakes/fake_cuda.c). */
#include <stdlib.h>
#include <string.h>

#include "support/testutil.h"
#include "dlprobe/json.h"
#include "kernels/backend.h"

extern const dlp_backend dlp_backend_cpu;
extern const dlp_backend dlp_backend_opencl;
extern const dlp_backend dlp_backend_cuda;

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static void use_fake(const char *mode)
{
	setenv("DLPROBE_LIBCUDA", test_build_path("libcuda_fake.so"), 1);
	setenv("FAKE_CUDA_MODE", mode, 1);
}

static void gpu_backends_are_isolated(void **state)
{
	(void)state;
	assert_false(dlp_backend_isolated(&dlp_backend_cpu));
	assert_true(dlp_backend_isolated(&dlp_backend_opencl));
	assert_true(dlp_backend_isolated(&dlp_backend_cuda));
}

/* The child's JSON reads back as what the process itself would build. */
static void same_json_as_in_process(void **state)
{
	dlp_bench_opts o = { 0 };
	json_t *direct = json_array(), *entry;

	(void)state;
	use_fake("nodevice");
	assert_int_equal(dlp_backend_cuda.run(&o, direct), 0);
	entry = dlp_bench_run_backend(&dlp_backend_cuda, &o);
	assert_string_equal(str(entry, "backend"), "cuda");
	assert_string_equal(str(entry, "status"), "ok");
	assert_true(json_equal(json_object_get(entry, "devices"), direct));
	assert_string_equal(str(json_array_get(direct, 0), "status"), "unavailable");
	json_decref(entry);
	json_decref(direct);
}

static void crash_in_the_measurement(void **state)
{
	dlp_bench_opts o = { 0 };
	json_t *entry;

	(void)state;
	use_fake("ctxcrash");
	entry = dlp_bench_run_backend(&dlp_backend_cuda, &o);
	assert_string_equal(str(entry, "status"), "error");
	assert_string_equal(str(entry, "reason"), "the cuda measurement crashed (signal 11, SIGSEGV)");
	assert_int_equal(json_array_size(json_object_get(entry, "devices")), 0);
	json_decref(entry);
}

static void hang_in_the_measurement(void **state)
{
	dlp_bench_opts o = { 0 };
	json_t *entry;

	(void)state;
	use_fake("ctxhang");
	setenv("DLPROBE_GPU_TIMEOUT", "0.5", 1);
	entry = dlp_bench_run_backend(&dlp_backend_cuda, &o);
	assert_string_equal(str(entry, "status"), "error");
	assert_string_equal(str(entry, "reason"), "the cuda measurement did not answer within 0.5 s");
	json_decref(entry);
	/* hex, infinity and zero are not a deadline */
	setenv("DLPROBE_GPU_TIMEOUT", "inf", 1);
	entry = dlp_bench_run_backend(&dlp_backend_cuda, &o);
	assert_non_null(strstr(str(entry, "reason"), "DLPROBE_GPU_TIMEOUT=inf is not a decimal"));
	json_decref(entry);
	setenv("DLPROBE_GPU_TIMEOUT", "0", 1);
	entry = dlp_bench_run_backend(&dlp_backend_cuda, &o);
	assert_non_null(strstr(str(entry, "reason"), "DLPROBE_GPU_TIMEOUT=0 is not a number of seconds"));
	json_decref(entry);
	unsetenv("DLPROBE_GPU_TIMEOUT");
}

/* A driver that crashed or hung in the probe is not called again; another
 * probe error (a missing library, say) does not stop the measurement. */
static void probe_failure_skips(void **state)
{
	json_t *probe = json_pack("{s:{s:s, s:s, s:[]}}", "cuda", "status", "error", "reason",
				  "the CUDA driver crashed (signal 11, SIGSEGV)", "devices");
	dlp_bench_opts o = { 0 };
	json_t *entry;

	(void)state;
	use_fake("ctxhang");   /* would hang if it ran */
	o.probe = probe;
	entry = dlp_bench_run_backend(&dlp_backend_cuda, &o);
	assert_string_equal(str(entry, "reason"),
			    "not measured: in the probe, the CUDA driver crashed (signal 11, SIGSEGV)");
	json_decref(entry);
	json_object_set_new(json_object_get(probe, "cuda"), "reason",
			    json_string("the CUDA driver did not answer within 10.0 s"));
	entry = dlp_bench_run_backend(&dlp_backend_cuda, &o);
	assert_non_null(strstr(str(entry, "reason"), "not measured: in the probe"));
	json_decref(entry);
	use_fake("nodevice");
	json_object_set_new(json_object_get(probe, "cuda"), "reason",
			    json_string("cannot load the CUDA driver"));
	entry = dlp_bench_run_backend(&dlp_backend_cuda, &o);
	assert_string_equal(str(entry, "status"), "ok");
	json_decref(entry);
	json_decref(probe);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gpu_backends_are_isolated),
		cmocka_unit_test(same_json_as_in_process),
		cmocka_unit_test(crash_in_the_measurement),
		cmocka_unit_test(hang_in_the_measurement),
		cmocka_unit_test(probe_failure_skips),
	};
	return cmocka_run_group_tests_name("bench_isolate", tests, NULL, NULL);
}
