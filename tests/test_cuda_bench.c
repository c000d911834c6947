/* The CUDA backend without a GPU: the embedded PTX assembles for sm_90, and
 * a fake libcuda (tests/fakes/fake_cuda.c) drives every failure path into a
 * status. The fake's "device" memory is host memory and its kernels do
 * nothing, so copies verify and GEMMs fail verification, by design. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dlprobe/json.h"
#include "kernels/cuda/cu.h"

static const char *fake_path(const char *lib)
{
	static char p[512];
	const char *b = getenv("DLP_TEST_BUILD");

	snprintf(p, sizeof p, "%s/tests/%s", b ? b : "build", lib);
	return p;
}

/* The PTX is what the backend loads; the build flag can lag behind it. */
static int have_ptx(void)
{
	return dlp_embedded_get("ptx/gemm.ptx", NULL) != NULL;
}

static void small_cfg(dlp_cu_cfg *c)
{
	dlp_cu_cfg_from_opts(c, NULL);
	c->budget = (dlp_budget){ .warmups = 0, .budget_s = 0.001, .min_samples = 2, .max_samples = 3 };
	c->gemm_n[0] = 256;   /* the smallest shape every kernel's tile divides */
	c->gemm_n[1] = 0;
	c->bw_bytes = 1 << 20;
	c->xfer_bytes = 1 << 20;
	c->cublas_lib = "libcublas_not_here.so";
	c->cublaslt_lib = "libcublasLt_not_here.so";
	c->nvml_lib = "libnvidia-ml_not_here.so.1";
}

/* Run the backend on the fake in mode; returns the devices array. */
static json_t *run_fake_cfg(const char *mode, void (*tweak)(dlp_cuda_api *),
			    void (*cfg)(dlp_cu_cfg *))
{
	dlp_cuda_api api;
	dlp_cu_cfg c;
	json_t *devs = json_array();

	setenv("DLPROBE_LIBCUDA", fake_path("libcuda_fake.so"), 1);
	setenv("FAKE_CUDA_MODE", mode, 1);
	assert_int_equal(dlp_cuda_load(&api), 0);
	if (tweak)
		tweak(&api);
	small_cfg(&c);
	if (cfg)
		cfg(&c);
	assert_int_equal(dlp_cu_run_api(&api, &c, NULL, devs), 0);
	dlp_cuda_unload(&api);
	return devs;
}

static json_t *run_fake(const char *mode, void (*tweak)(dlp_cuda_api *))
{
	return run_fake_cfg(mode, tweak, NULL);
}

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* The first result matching kernel/impl/dtype/variant (NULL: any). */
static json_t *find(json_t *dev, const char *kernel, const char *impl, const char *dtype,
		    const char *variant)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(dev, "results"), i, r) {
		if (strcmp(str(r, "kernel"), kernel) || (impl && strcmp(str(r, "impl"), impl)) ||
		    (dtype && strcmp(str(r, "dtype"), dtype)) ||
		    (variant && strcmp(str(r, "variant"), variant)))
			continue;
		return r;
	}
	fail_msg("no %s/%s/%s result", kernel, impl ? impl : "*", dtype ? dtype : "*");
	return NULL;
}

static void test_ptx_embedded_and_assembles(void **state)
{
	/* arch: what ptxas assembles each module for (sm_90a PTX is 9.0-only) */
	static const struct { const char *file, *arch, *entries[7]; } mods[] = {
		{ "ptx/gemm.ptx", "sm_75",
		  { "dlp_sgemm_128x128", "dlp_sgemm_128x128_db", "dlp_hgemm_wmma", "dlp_copy_f4",
		    "dlp_copy_f4_oneshot", "dlp_noop", NULL } },
		{ "ptx/gemm_sm80.ptx", "sm_80",
		  { "dlp_hgemm_mma", "dlp_bgemm_mma", "dlp_bgemm_wmma", "dlp_tgemm_wmma", NULL } },
		{ "ptx/gemm_sm90a.ptx", "sm_90a",
		  { "dlp_hgemm_wgmma", "dlp_bgemm_wgmma", "dlp_tgemm_wgmma", NULL } },
	};
	const char *ptxas = NULL;
	char cmd[1024], tmpl[] = "/tmp/dlp_ptx_XXXXXX";
	size_t i, j, len;

	(void)state;
	if (!have_ptx())
		skip();
	for (i = 0; i < 3; i++) {
		const char *p = dlp_embedded_get(mods[i].file, &len);
		char want[64];

		assert_non_null(p);
		for (j = 0; mods[i].entries[j]; j++) {
			snprintf(want, sizeof want, ".entry %s(", mods[i].entries[j]);
			if (!strstr(p, want))
				fail_msg("%s lacks %s", mods[i].file, want);
		}
	}
	if (access("/usr/local/cuda/bin/ptxas", X_OK) == 0)
		ptxas = "/usr/local/cuda/bin/ptxas";
	else if (system("command -v ptxas >/dev/null 2>&1") == 0)
		ptxas = "ptxas";
	if (!ptxas)
		skip();
	for (i = 0; i < 3; i++) {
		const char *p = dlp_embedded_get(mods[i].file, &len);
		int fd = mkstemp(tmpl);
		FILE *f;

		assert_true(fd >= 0);
		f = fdopen(fd, "w");
		assert_non_null(f);
		assert_int_equal(fwrite(p, 1, len, f), len);
		fclose(f);
		/* and every portable module for Hopper, as the driver there JITs it */
		if (i < 2)
			snprintf(cmd, sizeof cmd, "%s -arch=%s %s -o /dev/null && %s -arch=sm_90 %s -o /dev/null",
				 ptxas, mods[i].arch, tmpl, ptxas, tmpl);
		else
			snprintf(cmd, sizeof cmd, "%s -arch=%s %s -o /dev/null", ptxas, mods[i].arch, tmpl);
		if (system(cmd) != 0)
			fail_msg("ptxas rejected %s", mods[i].file);
		unlink(tmpl);
		strcpy(tmpl, "/tmp/dlp_ptx_XXXXXX");
	}
}

static void test_fake_ok(void **state)
{
	json_t *devs = run_fake("ok", NULL), *dev, *r;

	(void)state;
	assert_int_equal(json_array_size(devs), 1);
	dev = json_array_get(devs, 0);
	assert_string_equal(str(dev, "name"), "Fake H100 0");
	assert_string_equal(str(dev, "compute_capability"), "9.0");
	assert_string_equal(str(dev, "status"), "ok");
	/* Real copies through the fake: verified and timed. */
	r = find(dev, "d2d", "dlprobe", NULL, "cuMemcpyDtoD");
	assert_string_equal(str(r, "status"), "ok");
	assert_true(json_number_value(json_object_get(r, "rate_gbps")) > 0.0);
	/* the fake runs no kernel: an unwritten destination is caught */
	if (have_ptx())
		assert_non_null(strstr(str(find(dev, "d2d", "dlprobe", NULL, "dlp_copy_f4"), "reason"),
				       "verification failed"));
	r = find(dev, "h2d", NULL, NULL, "pinned");
	assert_string_equal(str(r, "status"), "ok");
	r = find(dev, "d2h", NULL, NULL, "pageable");
	assert_string_equal(str(r, "status"), "ok");
	/* Kernels that do not run never pass as measurements. */
	r = find(dev, "gemm", "dlprobe", "fp32", NULL);
	if (have_ptx()) {
		assert_string_equal(str(r, "status"), "error");
		assert_non_null(strstr(str(r, "reason"), "verification failed"));
		r = find(dev, "gemm", "dlprobe", "bf16", NULL);
		assert_string_equal(str(r, "status"), "error");
		r = find(dev, "launch_latency", NULL, NULL, NULL);
		assert_string_equal(str(r, "status"), "error");
	} else {
		assert_string_equal(str(r, "status"), "unavailable");
	}
	assert_null(json_object_get(r, "rate_gflops"));
	if (have_ptx()) {
		/* Every kernel of the table was launched (the big-shared-memory and
		 * tensor-map ones included) and its empty output caught. */
		static const char *const k[] = { "dlp_sgemm_128x128", "dlp_sgemm_128x128_db",
						 "dlp_tgemm_wmma", "dlp_tgemm_wgmma",
						 "dlp_hgemm_wmma", "dlp_hgemm_mma",
						 "dlp_hgemm_wgmma", "dlp_bgemm_wmma", "dlp_bgemm_mma",
						 "dlp_bgemm_wgmma" };
		size_t i;

		for (i = 0; i < sizeof k / sizeof k[0]; i++) {
			r = find(dev, "gemm", "dlprobe", NULL, k[i]);
			assert_string_equal(str(r, "status"), "error");
			if (!strstr(str(r, "reason"), "verification failed"))
				fail_msg("%s: %s", k[i], str(r, "reason"));
			assert_string_equal(str(r, "layout"), i < 2 ? "A*B" : "A*B^T");
			/* C is filled with NaN first: an unwritten element fails the full
			 * scan, not only when a sample lands on it */
			assert_non_null(strstr(str(r, "reason"), "is not finite"));
		}
	}
	assert_non_null(strstr(str(dev, "cublas"), "not found"));
	assert_non_null(strstr(str(dev, "cublaslt"), "not found"));
	assert_string_equal(str(json_object_get(dev, "nvml"), "status"), "unavailable");
	json_decref(devs);
}

static void test_fake_module_load_fails(void **state)
{
	json_t *devs = run_fake("modfail", NULL), *dev, *r;

	(void)state;
	if (!have_ptx())
		skip();
	dev = json_array_get(devs, 0);
	r = find(dev, "gemm", "dlprobe", "fp16", NULL);
	assert_string_equal(str(r, "status"), "error");
	assert_non_null(strstr(str(r, "reason"), "CUDA_ERROR_INVALID_PTX"));
	assert_non_null(strstr(str(r, "reason"), "cuModuleLoadData"));
	r = find(dev, "d2d", "dlprobe", NULL, "dlp_copy_f4_oneshot");
	assert_string_equal(str(r, "status"), "error");
	/* What needs no module is still measured. */
	assert_string_equal(str(find(dev, "h2d", NULL, NULL, "pinned"), "status"), "ok");
	assert_string_equal(str(dev, "status"), "ok");
	json_decref(devs);
}

static void test_fake_launch_fails(void **state)
{
	json_t *devs = run_fake("launchfail", NULL), *dev, *r;

	(void)state;
	if (!have_ptx())
		skip();
	dev = json_array_get(devs, 0);
	r = find(dev, "gemm", "dlprobe", "fp32", NULL);
	assert_string_equal(str(r, "status"), "error");
	assert_non_null(strstr(str(r, "reason"), "CUDA_ERROR_LAUNCH_FAILED"));
	r = find(dev, "launch_latency", NULL, NULL, NULL);
	assert_non_null(strstr(str(r, "reason"), "CUDA_ERROR_LAUNCH_FAILED"));
	json_decref(devs);
}

static void test_fake_alloc_fails(void **state)
{
	json_t *devs = run_fake("allocfail", NULL), *dev, *r;
	size_t i;

	(void)state;
	dev = json_array_get(devs, 0);
	json_array_foreach(json_object_get(dev, "results"), i, r)
		if (strcmp(str(r, "status"), "ok") == 0)
			fail_msg("%s measured without memory", str(r, "kernel"));
	r = find(dev, "gemm", "dlprobe", NULL, NULL);
	assert_non_null(strstr(str(r, "reason"), "CUDA_ERROR_OUT_OF_MEMORY"));
	assert_string_equal(str(dev, "status"), "error");
	json_decref(devs);
}

static void test_fake_two_devices_peer(void **state)
{
	json_t *devs = run_fake("two", NULL), *r;

	(void)state;
	assert_int_equal(json_array_size(devs), 2);
	r = find(json_array_get(devs, 0), "p2p", NULL, NULL, NULL);
	assert_int_equal(json_integer_value(json_object_get(r, "peer")), 1);
	assert_string_equal(str(r, "status"), "ok");
	r = find(json_array_get(devs, 1), "p2p", NULL, NULL, NULL);
	assert_int_equal(json_integer_value(json_object_get(r, "peer")), 0);
	json_decref(devs);
}

static void drop_launch(dlp_cuda_api *a)
{
	a->cuLaunchKernel = NULL;
}

static void drop_ctx(dlp_cuda_api *a)
{
	a->cuCtxCreate = NULL;
}

static void test_missing_optional_symbols(void **state)
{
	json_t *devs, *r;

	(void)state;
	devs = run_fake("ok", drop_launch);
	r = find(json_array_get(devs, 0), "gemm", "dlprobe", "fp32", NULL);
	if (have_ptx()) {
		assert_string_equal(str(r, "status"), "error");
		assert_non_null(strstr(str(r, "reason"), "lacks cuLaunchKernel"));
	}
	json_decref(devs);
	devs = run_fake("ok", drop_ctx);
	assert_int_equal(json_array_size(devs), 1);
	assert_string_equal(str(json_array_get(devs, 0), "status"), "error");
	assert_non_null(strstr(str(json_array_get(devs, 0), "reason"), "lacks cuCtxCreate"));
	json_decref(devs);
}

static void drop_func_attr(dlp_cuda_api *a)
{
	a->cuFuncSetAttribute = NULL;
}

static void drop_tensor_map(dlp_cuda_api *a)
{
	a->cuTensorMapEncodeTiled = NULL;
}

static void small_n(dlp_cu_cfg *c)
{
	c->gemm_n[0] = 128;
}

/* Run the fake so that one requirement fails: kernel `hit` must report
 * status/why, and kernel `other` must still have been launched (its empty
 * output fails verification). */
static void expect_requirement(const char *mode, void (*tweak)(dlp_cuda_api *),
			       void (*cfg)(dlp_cu_cfg *), const char *hit, const char *status,
			       const char *why, const char *other)
{
	json_t *devs = run_fake_cfg(mode, tweak, cfg), *dev = json_array_get(devs, 0), *r;

	r = find(dev, "gemm", "dlprobe", NULL, hit);
	assert_string_equal(str(r, "status"), status);
	if (!strstr(str(r, "reason"), why))
		fail_msg("%s: \"%s\" lacks \"%s\"", hit, str(r, "reason"), why);
	r = find(dev, "gemm", "dlprobe", NULL, other);
	assert_non_null(strstr(str(r, "reason"), "verification failed"));
	json_decref(devs);
}

/* Each kernel says why it cannot run, and the others still do. */
static void test_gemm_kernel_requirements(void **state)
{
	(void)state;
	if (!have_ptx())
		skip();
	expect_requirement("ok", drop_func_attr, NULL, "dlp_bgemm_mma", "error",
			   "lacks cuFuncSetAttribute", "dlp_bgemm_wmma");
	expect_requirement("ok", drop_tensor_map, NULL, "dlp_hgemm_wgmma", "error",
			   "lacks cuTensorMapEncodeTiled", "dlp_hgemm_mma");
	/* sm_90a PTX does not run on other GPUs: unavailable, not an error */
	expect_requirement("sm80", NULL, NULL, "dlp_bgemm_wgmma", "unavailable",
			   "compute capability 9.0 exactly", "dlp_bgemm_mma");
	expect_requirement("ok", NULL, small_n, "dlp_bgemm_mma", "unavailable", "not a multiple",
			   "dlp_sgemm_128x128_db");
	setenv("DLPROBE_CUDA_SKIP", "dlp_tgemm_wmma,dlp_hgemm_wgmma", 1);
	expect_requirement("ok", NULL, NULL, "dlp_hgemm_wgmma", "skipped", "DLPROBE_CUDA_SKIP",
			   "dlp_bgemm_wgmma");
	expect_requirement("ok", NULL, NULL, "dlp_tgemm_wmma", "skipped", "DLPROBE_CUDA_SKIP",
			   "dlp_tgemm_wgmma");
	unsetenv("DLPROBE_CUDA_SKIP");
}

/* a library without the symbols: the CUDA fake */
static void wrong_blas(dlp_cu_cfg *c)
{
	c->cublas_lib = fake_path("libcuda_fake.so");
	c->cublaslt_lib = c->cublas_lib;
}

static void fake_blas(dlp_cu_cfg *c)
{
	c->cublas_lib = fake_path("libcublas_fake.so");
	c->cublaslt_lib = c->cublas_lib;
}

/* The cuBLAS and cuBLASLt paths through a fake library that checks the
 * arguments it is given and computes nothing: every reference result must
 * reach verification (which then fails), never a rejected call. */
static void test_fake_cublas(void **state)
{
	static const char *const dts[] = { "fp32", "tf32", "fp16", "bf16" };
	json_t *devs, *dev, *r;
	size_t i;

	(void)state;
	devs = run_fake_cfg("ok", NULL, fake_blas);
	dev = json_array_get(devs, 0);
	assert_non_null(strstr(str(json_object_get(dev, "cublas"), "library"), "libcublas_fake.so"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(dev, "cublaslt"),
							      "version")), 99999);
	for (i = 0; i < 4; i++) {
		r = find(dev, "gemm", "cublas", dts[i], NULL);
		if (!strstr(str(r, "reason"), "is not finite"))
			fail_msg("cublas %s: %s", dts[i], str(r, "reason"));
		assert_string_equal(str(r, "layout"), i ? "A*B^T" : "A*B");
		r = find(dev, "gemm", "cublaslt", dts[i], NULL);
		if (!strstr(str(r, "reason"), "is not finite"))
			fail_msg("cublaslt %s: %s", dts[i], str(r, "reason"));
		assert_int_equal(json_integer_value(json_object_get(r, "workspace_bytes")), 4 << 20);
		assert_string_equal(str(r, "math_mode"), i == 1 ? "CUBLAS_COMPUTE_32F_FAST_TF32"
								 : "CUBLAS_COMPUTE_32F");
	}
	/* fp32 is measured twice by cuBLAS: pedantic (the reference) and default math */
	r = find(dev, "gemm", "cublas", "fp32", "CUBLAS_DEFAULT_MATH/CUBLAS_COMPUTE_32F");
	assert_string_equal(str(r, "status"), "error");
	json_decref(devs);

	setenv("FAKE_CUBLAS_MODE", "noalgo", 1);
	devs = run_fake_cfg("ok", NULL, fake_blas);
	r = find(json_array_get(devs, 0), "gemm", "cublaslt", "bf16", NULL);
	assert_non_null(strstr(str(r, "reason"), "no algorithm"));
	json_decref(devs);
	setenv("FAKE_CUBLAS_MODE", "ltfail", 1);
	devs = run_fake_cfg("ok", NULL, fake_blas);
	r = find(json_array_get(devs, 0), "gemm", "cublaslt", "fp16", NULL);
	assert_non_null(strstr(str(r, "reason"), "cublasLtMatmul returned cuBLAS status 13"));
	/* the cuBLAS result beside it is unaffected */
	r = find(json_array_get(devs, 0), "gemm", "cublas", "fp16", NULL);
	assert_non_null(strstr(str(r, "reason"), "is not finite"));
	json_decref(devs);
	unsetenv("FAKE_CUBLAS_MODE");

	devs = run_fake_cfg("ok", NULL, wrong_blas);
	dev = json_array_get(devs, 0);
	assert_non_null(strstr(str(dev, "cublas"), "lacks cublasCreate_v2"));
	assert_non_null(strstr(str(dev, "cublaslt"), "lacks cublasLtCreate"));
	json_decref(devs);
}

static void test_no_device_and_no_driver(void **state)
{
	extern const dlp_backend dlp_backend_cuda;
	json_t *devs = run_fake("nodevice", NULL);

	(void)state;
	assert_string_equal(str(json_array_get(devs, 0), "status"), "unavailable");
	json_decref(devs);

	/* A driver lacking a required symbol: the backend says so, unavailable. */
	setenv("DLPROBE_LIBCUDA", fake_path("libcuda_nosym.so"), 1);
	devs = json_array();
	assert_int_equal(dlp_backend_cuda.run(NULL, devs), 0);
	assert_string_equal(str(json_array_get(devs, 0), "status"), "unavailable");
	assert_non_null(strstr(str(json_array_get(devs, 0), "reason"), "cuDeviceGetName"));
	json_decref(devs);

	setenv("DLPROBE_LIBCUDA", "/nonexistent/libcuda.so.1", 1);
	devs = json_array();
	assert_int_equal(dlp_backend_cuda.run(NULL, devs), 0);
	assert_string_equal(str(json_array_get(devs, 0), "status"), "unavailable");
	json_decref(devs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ptx_embedded_and_assembles),
		cmocka_unit_test(test_fake_ok),
		cmocka_unit_test(test_fake_module_load_fails),
		cmocka_unit_test(test_fake_launch_fails),
		cmocka_unit_test(test_fake_alloc_fails),
		cmocka_unit_test(test_fake_two_devices_peer),
		cmocka_unit_test(test_missing_optional_symbols),
		cmocka_unit_test(test_gemm_kernel_requirements),
		cmocka_unit_test(test_fake_cublas),
		cmocka_unit_test(test_no_device_and_no_driver),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
