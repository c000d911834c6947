/* The CUDA probe against a fake libcuda (tests/fakes/fake_cuda.c) loaded
 * through DLPROBE_LIBCUDA: found, no device, init failure, missing symbol,
 * a crashing and a hanging driver. */
#include <stdlib.h>
#include <string.h>

#include "support/testutil.h"
#include "probe/cuda.h"
#include "probe/cuda_driver.h"

static json_t *probe_with(const char *lib, const char *mode, double timeout)
{
	setenv("DLPROBE_LIBCUDA", test_build_path(lib), 1);
	setenv("FAKE_CUDA_MODE", mode, 1);
	return dlp_cuda_probe(timeout);
}

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static void device_found(void **state)
{
	json_t *c = probe_with("libcuda_fake.so", "ok", 10), *d;

	(void)state;
	assert_string_equal(str(c, "status"), "ok");
	assert_true(json_is_null(json_object_get(c, "reason")));
	assert_int_equal(json_integer_value(json_object_get(c, "driver_version")), 13000);
	assert_int_equal(json_array_size(json_object_get(c, "devices")), 1);
	d = json_array_get(json_object_get(c, "devices"), 0);
	assert_string_equal(str(d, "name"), "Fake H100 0");
	assert_string_equal(str(d, "compute_capability"), "9.0");
	assert_int_equal(json_integer_value(json_object_get(d, "multiprocessors")), 132);
	assert_int_equal(json_integer_value(json_object_get(d, "memory_bytes")), 80ll << 30);
	assert_string_equal(str(d, "pci_bus_id"), "0000:18:00.0");
	assert_true(json_real_value(json_object_get(d, "clock_mhz")) == 1980.0);
	json_decref(c);
}

static void two_devices(void **state)
{
	json_t *c = probe_with("libcuda_fake.so", "two", 10);

	(void)state;
	assert_int_equal(json_array_size(json_object_get(c, "devices")), 2);
	json_decref(c);
}

static void no_device(void **state)
{
	json_t *c = probe_with("libcuda_fake.so", "nodevice", 10);

	(void)state;
	assert_string_equal(str(c, "status"), "unavailable");
	assert_non_null(strstr(str(c, "reason"), "CUDA_ERROR_NO_DEVICE"));
	assert_int_equal(json_array_size(json_object_get(c, "devices")), 0);
	json_decref(c);
}

static void init_failure(void **state)
{
	json_t *c = probe_with("libcuda_fake.so", "initfail", 10);

	(void)state;
	assert_string_equal(str(c, "status"), "error");
	assert_non_null(strstr(str(c, "reason"), "cuInit failed: CUDA_ERROR_NOT_INITIALIZED"));
	json_decref(c);
}

static void missing_symbol(void **state)
{
	json_t *c = probe_with("libcuda_nosym.so", "ok", 10);
	dlp_cuda_api api;

	(void)state;
	assert_string_equal(str(c, "status"), "unavailable");
	assert_non_null(strstr(str(c, "reason"), "lacks cuDeviceGetName"));
	json_decref(c);
	/* the loader itself refuses it and leaves nothing loaded */
	assert_int_equal(dlp_cuda_load(&api), -1);
	assert_null(api.handle);
}

static void missing_library(void **state)
{
	json_t *c = probe_with("no-such-libcuda.so", "ok", 10);

	(void)state;
	assert_string_equal(str(c, "status"), "unavailable");
	assert_non_null(strstr(str(c, "reason"), "cannot load the CUDA driver"));
	json_decref(c);
}

static void crashing_driver(void **state)
{
	json_t *c = probe_with("libcuda_fake.so", "crash", 10);

	(void)state;
	assert_string_equal(str(c, "status"), "error");
	assert_non_null(strstr(str(c, "reason"), "crashed (signal 11"));
	json_decref(c);
}

static void hanging_driver(void **state)
{
	json_t *c = probe_with("libcuda_fake.so", "hang", 0.3);

	(void)state;
	assert_string_equal(str(c, "status"), "error");
	assert_non_null(strstr(str(c, "reason"), "did not answer within 0.3 s"));
	json_decref(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(device_found),
		cmocka_unit_test(two_devices),
		cmocka_unit_test(no_device),
		cmocka_unit_test(init_failure),
		cmocka_unit_test(missing_symbol),
		cmocka_unit_test(missing_library),
		cmocka_unit_test(crashing_driver),
		cmocka_unit_test(hanging_driver),
	};
	return cmocka_run_group_tests_name("probe_cuda", tests, NULL, NULL);
}
