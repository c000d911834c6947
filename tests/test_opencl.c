/* The OpenCL backend on a real device (PoCL on CI): every kernel verified,
 * figures sane, and the error paths reported as statuses. Small sizes keep
 * the whole file to seconds; a machine without OpenCL skips it. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dlprobe/json.h"
#include "kernels/opencl/ocl.h"

static const dlp_budget tiny = { .warmups = 0, .budget_s = 0.002, .min_samples = 2,
				 .max_samples = 4 };

struct fx {
	dlp_ocl_dev d;
	cl_program gemm[DLP_NDTYPE], mem; /* by dtype: fp32, fp64, fp16 built */
};

static int setup(void **state)
{
	static struct fx f;
	static const char *const opts[DLP_NDTYPE] = {
		[DLP_FP32] = "", [DLP_FP64] = "-DDLP_FP64", [DLP_FP16] = "-DDLP_FP16",
	};
	cl_platform_id p;
	cl_device_id id;
	cl_uint np = 0;
	int i;

	memset(&f, 0, sizeof f);
	*state = NULL;
	if (clGetPlatformIDs(1, &p, &np) != CL_SUCCESS || np == 0 ||
	    clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 1, &id, NULL) != CL_SUCCESS)
		return 0;
	if (dlp_ocl_dev_open(&f.d, p, id) != 0)
		return -1;
	for (i = 0; i < DLP_NDTYPE; i++) {
		if (!opts[i] || (i == DLP_FP64 && !f.d.fp64))
			continue;
		if (dlp_ocl_build(&f.d, "kernels/opencl/gemm.cl", opts[i], &f.gemm[i], NULL) != 0)
			return -1;
	}
	if (dlp_ocl_build(&f.d, "kernels/opencl/mem.cl", "", &f.mem, NULL) != 0)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	int i;

	if (!f)
		return 0;
	for (i = 0; i < DLP_NDTYPE; i++)
		if (f->gemm[i])
			clReleaseProgram(f->gemm[i]);
	if (f->mem)
		clReleaseProgram(f->mem);
	dlp_ocl_dev_close(&f->d);
	return 0;
}

#define NEED_DEVICE(state)                                   \
	do {                                                 \
		if (!*(state))                               \
			skip();                              \
	} while (0)

static const char *status(const json_t *r)
{
	return json_string_value(json_object_get(r, "status"));
}

static const char *reason(const json_t *r)
{
	const char *s = json_string_value(json_object_get(r, "reason"));

	return s ? s : "";
}

static void assert_ok_rate(const json_t *r, const char *key)
{
	double v;

	if (strcmp(status(r), "ok") != 0)
		fail_msg("status %s: %s", status(r), reason(r));
	assert_true(json_is_true(json_object_get(r, "verified")));
	v = json_number_value(json_object_get(r, key));
	assert_true(v > 0.0 && isfinite(v));
	assert_true(json_array_size(json_object_get(r, "samples_s")) >= 2);
}

static void test_error_names(void **state)
{
	(void)state;
	assert_string_equal(dlp_ocl_error_name(CL_OUT_OF_RESOURCES), "CL_OUT_OF_RESOURCES");
	assert_string_equal(dlp_ocl_error_name(CL_INVALID_WORK_GROUP_SIZE),
			    "CL_INVALID_WORK_GROUP_SIZE");
	assert_string_equal(dlp_ocl_error_name(-1001), "CL_PLATFORM_NOT_FOUND_KHR");
	assert_string_equal(dlp_ocl_error_name(-9999), "CL error -9999");
	assert_int_equal(dlp_ocl_fail(CL_MEM_OBJECT_ALLOCATION_FAILURE, "here"), -1);
	assert_string_equal(dlp_error_message(), "CL_MEM_OBJECT_ALLOCATION_FAILURE (-4) at here");
}

static void test_gemm_every_kind_fp32(void **state)
{
	struct fx *f = *state;
	int i;

	NEED_DEVICE(state);
	for (i = 0; dlp_ocl_gemm_kinds[i].kernel; i++) {
		json_t *r = dlp_ocl_gemm(&f->d, f->gemm[DLP_FP32], &dlp_ocl_gemm_kinds[i],
					 DLP_FP32, 128, &tiny, 1, NULL);

		assert_non_null(r);
		assert_ok_rate(r, "rate_gflops");
		assert_int_equal(json_integer_value(json_object_get(r, "n")), 128);
		assert_true(json_number_value(json_object_get(r, "max_rel_err")) < 1e-5);
		json_decref(r);
	}
}

static void test_gemm_fp64_fp16(void **state)
{
	struct fx *f = *state;
	json_t *r;
	int i;

	NEED_DEVICE(state);
	for (i = 0; dlp_ocl_gemm_kinds[i].kernel; i++) {
		r = dlp_ocl_gemm(&f->d, f->gemm[DLP_FP16], &dlp_ocl_gemm_kinds[i],
				 DLP_FP16, 128, &tiny, 1, NULL);
		assert_ok_rate(r, "rate_gflops");
		assert_string_equal(json_string_value(json_object_get(r, "dtype")), "fp16");
		json_decref(r);
		if (!f->gemm[DLP_FP64])
			continue;
		r = dlp_ocl_gemm(&f->d, f->gemm[DLP_FP64], &dlp_ocl_gemm_kinds[i],
				 DLP_FP64, 128, &tiny, 1, NULL);
		assert_ok_rate(r, "rate_gflops");
		assert_true(json_number_value(json_object_get(r, "max_rel_err")) < 1e-12);
		json_decref(r);
	}
}

static void test_gemm_shape_not_multiple_is_skipped(void **state)
{
	struct fx *f = *state;
	json_t *r;

	NEED_DEVICE(state);
	r = dlp_ocl_gemm(&f->d, f->gemm[DLP_FP32], &dlp_ocl_gemm_kinds[0], DLP_FP32, 40, &tiny, 1,
			 NULL);
	assert_string_equal(status(r), "skipped");
	assert_non_null(strstr(reason(r), "multiple"));
	assert_null(json_object_get(r, "rate_gflops"));
	json_decref(r);
}

static void test_tune_records_choice(void **state)
{
	struct fx *f = *state;
	json_t *t = NULL, *cands;
	int chosen;

	NEED_DEVICE(state);
	chosen = dlp_ocl_gemm_tune(&f->d, f->gemm[DLP_FP32], DLP_FP32, 64, &tiny, &t);
	assert_true(chosen >= 0);
	assert_non_null(t);
	cands = json_object_get(t, "candidates");
	assert_true(json_array_size(cands) >= 5);
	assert_non_null(json_string_value(json_object_get(t, "chosen")));
	assert_non_null(strstr(json_string_value(json_object_get(t, "chosen")),
			       dlp_ocl_gemm_kinds[chosen].kernel));
	json_decref(t);
}

/* reqd_work_group_size(16,16) launched 8x8, and a local size over the
 * device's limit: the driver's error names reach the result. */
static void test_invalid_work_group(void **state)
{
	struct fx *f = *state;
	dlp_ocl_gemm_kind bad = { "gemm_tiled_wg16_rt4", DLP_OCL_TILED, 0, 64, 16, 8, 8, 0 };
	dlp_ocl_gemm_kind huge = { "gemm_cpu_mr8", DLP_OCL_CPU, 8, 0, 0, 0, 1, 16 };
	json_t *r;

	NEED_DEVICE(state);
	r = dlp_ocl_gemm(&f->d, f->gemm[DLP_FP32], &bad, DLP_FP32, 64, &tiny, 0, NULL);
	assert_string_equal(status(r), "error");
	assert_non_null(strstr(reason(r), "CL_INVALID_WORK_GROUP_SIZE"));
	assert_false(json_is_true(json_object_get(r, "verified")));
	json_decref(r);

	huge.lx = f->d.max_wg * 2;
	r = dlp_ocl_gemm(&f->d, f->gemm[DLP_FP32], &huge, DLP_FP32, 64, &tiny, 1, NULL);
	assert_string_equal(status(r), "skipped");
	assert_non_null(strstr(reason(r), "CL_DEVICE_MAX_WORK_GROUP_SIZE"));
	json_decref(r);
	r = dlp_ocl_gemm(&f->d, f->gemm[DLP_FP32], &huge, DLP_FP32, 64, &tiny, 0,
			 NULL);
	assert_string_equal(status(r), "error");
	assert_non_null(strstr(reason(r), "CL_INVALID_WORK_"));
	json_decref(r);
}

static void test_bandwidth(void **state)
{
	static const char *const kinds[] = { "read", "copy", "triad" };
	struct fx *f = *state;
	int i;

	NEED_DEVICE(state);
	for (i = 0; i < 3; i++) {
		json_t *r = dlp_ocl_bandwidth(&f->d, f->mem, kinds[i], 1 << 20, &tiny, 1);

		assert_ok_rate(r, "rate_gbps");
		assert_int_equal(json_integer_value(json_object_get(r, "bytes")), 1 << 20);
		json_decref(r);
	}
}

static void test_transfers(void **state)
{
	static const char *const v[] = { "pageable", "pinned", "mapped" };
	struct fx *f = *state;
	int i, j;

	NEED_DEVICE(state);
	for (i = 0; i < 2; i++)
		for (j = 0; j < 3; j++) {
			json_t *r = dlp_ocl_transfer(&f->d, i ? "d2h" : "h2d", v[j], 1 << 20,
						     &tiny, 1);

			assert_ok_rate(r, "rate_gbps");
			json_decref(r);
		}
}

static void test_too_large_allocation(void **state)
{
	struct fx *f = *state;
	size_t big;
	json_t *r;

	NEED_DEVICE(state);
	big = (size_t)f->d.max_alloc + 4096;
	r = dlp_ocl_transfer(&f->d, "h2d", "pageable", big, &tiny, 1);
	assert_string_equal(status(r), "skipped");
	assert_non_null(strstr(reason(r), "CL_DEVICE_MAX_MEM_ALLOC_SIZE"));
	json_decref(r);
	/* Without dlprobe's own check the driver refuses, by name. */
	r = dlp_ocl_transfer(&f->d, "h2d", "pageable", big, &tiny, 0);
	assert_string_equal(status(r), "error");
	assert_non_null(strstr(reason(r), "CL_"));
	assert_non_null(strstr(reason(r), "clCreateBuffer"));
	json_decref(r);
	r = dlp_ocl_bandwidth(&f->d, f->mem, "copy", big, &tiny, 1);
	assert_string_equal(status(r), "skipped");
	json_decref(r);
}

static void test_launch_latency(void **state)
{
	struct fx *f = *state;
	json_t *r;
	double l;

	NEED_DEVICE(state);
	r = dlp_ocl_launch_latency(&f->d, f->mem, &tiny);
	assert_ok_rate(r, "latency_s");
	l = json_number_value(json_object_get(r, "latency_s"));
	assert_true(l < 1.0);
	json_decref(r);
}

static void test_build_errors(void **state)
{
	struct fx *f = *state;
	cl_program p = NULL;

	NEED_DEVICE(state);
	assert_int_equal(dlp_ocl_build(&f->d, "kernels/opencl/nope.cl", "", &p, NULL), -1);
	assert_null(p);
	assert_non_null(strstr(dlp_error_message(), "not embedded"));
	/* A macro that breaks the source: the build log reaches the message. */
	assert_int_equal(dlp_ocl_build(&f->d, "kernels/opencl/mem.cl", "-Dper_item=)",
				       &p, NULL), -1);
	assert_null(p);
	assert_non_null(strstr(dlp_error_message(), "CL_BUILD_PROGRAM_FAILURE"));
}

static void test_clblast_missing_is_unavailable(void **state)
{
	struct fx *f = *state;
	json_t *r;

	NEED_DEVICE(state);
	r = dlp_ocl_clblast_sgemm(&f->d, 64, &tiny, "libclblast_does_not_exist.so.1");
	assert_string_equal(status(r), "unavailable");
	assert_string_equal(json_string_value(json_object_get(r, "impl")), "clblast");
	json_decref(r);
}

/* CLBlast compiles for seconds on its first call: only on request. */
static void test_clblast_real(void **state)
{
	struct fx *f = *state;
	json_t *r;

	NEED_DEVICE(state);
	if (!getenv("DLP_TEST_CLBLAST"))
		skip();
	r = dlp_ocl_clblast_sgemm(&f->d, 128, &tiny, NULL);
	assert_ok_rate(r, "rate_gflops");
	json_decref(r);
}

static void test_whole_backend_small(void **state)
{
	dlp_ocl_cfg c;
	json_t *devs = json_array(), *dev, *r, *results;
	size_t i, nok = 0;

	NEED_DEVICE(state);
	dlp_ocl_cfg_from_opts(&c, NULL);
	c.budget = tiny;
	c.tune_budget = tiny;
	c.tune_n = 64;
	c.gemm_n[0] = 128;
	c.other_n = 64;
	c.bw_bytes = c.xfer_bytes = 1 << 20;
	assert_int_equal(dlp_ocl_run_cfg(&c, NULL, devs), 0);
	assert_true(json_array_size(devs) >= 1);
	dev = json_array_get(devs, 0);
	assert_string_equal(status(dev), "ok");
	assert_non_null(json_object_get(json_object_get(dev, "autotune"), "fp32"));
	assert_true(json_is_number(json_object_get(json_object_get(dev, "program_build_s"),
						   "gemm_fp32")));
	results = json_object_get(dev, "results");
	json_array_foreach(results, i, r) {
		const char *impl = json_string_value(json_object_get(r, "impl"));

		if (strcmp(impl, "clblast") == 0) {
			assert_string_equal(status(r), "skipped");
			continue;
		}
		if (strcmp(status(r), "ok") != 0 && strcmp(status(r), "unavailable") != 0)
			fail_msg("%s: %s %s", json_string_value(json_object_get(r, "kernel")),
				 status(r), reason(r));
		if (strcmp(status(r), "ok") == 0)
			nok++;
	}
	/* gemm fp32/fp16 (+fp64), 3 bandwidths, latency, 6 transfers. */
	assert_true(nok >= 12);
	json_decref(devs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_names),
		cmocka_unit_test(test_gemm_every_kind_fp32),
		cmocka_unit_test(test_gemm_fp64_fp16),
		cmocka_unit_test(test_gemm_shape_not_multiple_is_skipped),
		cmocka_unit_test(test_tune_records_choice),
		cmocka_unit_test(test_invalid_work_group),
		cmocka_unit_test(test_bandwidth),
		cmocka_unit_test(test_transfers),
		cmocka_unit_test(test_too_large_allocation),
		cmocka_unit_test(test_launch_latency),
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_clblast_missing_is_unavailable),
		cmocka_unit_test(test_clblast_real),
		cmocka_unit_test(test_whole_backend_small),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
