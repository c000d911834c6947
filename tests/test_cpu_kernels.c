/* STREAM, histogram, dot/axpy and FMA-peak kernels against naive references
 * on edge sizes; the system BLAS loader with a missing library; AMX refusal. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dlprobe/probe.h"
#include "kernels/cpu/cpu.h"
#include "kernels/harness.h"

static const size_t lens[] = { 0, 1, 7, 33, 1000, 4099 };

static void test_stream(void **state)
{
	size_t li, i, off;
	int op, nt;

	for (li = 0; li < sizeof lens / sizeof lens[0]; li++)
		for (off = 0; off < 3; off++)  /* misaligned starts exercise the NT prologue */
			for (op = 0; op < 4; op++)
				for (nt = 0; nt < 2; nt++) {
					size_t n = lens[li] + off;
					double *a = dlp_cpu_alloc((n + 1) * 8), *b = dlp_cpu_alloc((n + 1) * 8);
					double *c = dlp_cpu_alloc((n + 1) * 8);

					for (i = 0; i < n; i++) {
						a[i] = -1;
						b[i] = (double)i;
						c[i] = 0.5 * (double)i;
					}
					dlp_stream_kernel(op, nt, a, b, c, 3.0, off, n);
					for (i = 0; i < n; i++) {
						double want = i < off ? -1 : op == DLP_STREAM_COPY ? b[i]
							    : op == DLP_STREAM_SCALE ? 3 * b[i]
							    : op == DLP_STREAM_ADD ? b[i] + c[i] : b[i] + 3 * c[i];

						assert_true(a[i] == want);
					}
					free(a);
					free(b);
					free(c);
				}
}

static void test_histogram(void **state)
{
	const size_t rows = 33, nf = 7, nb = 5;
	uint8_t bins[33 * 7];
	float g[33], h[33];
	double hist[7 * 5 * 2] = { 0 }, ref[7 * 5 * 2] = { 0 };
	size_t r, f;

	for (r = 0; r < rows; r++) {
		g[r] = (float)r - 10;
		h[r] = 1.0f;
		for (f = 0; f < nf; f++)
			bins[r * nf + f] = (uint8_t)((r * 3 + f) % nb);
	}
	for (r = 0; r < rows; r++)
		for (f = 0; f < nf; f++) {
			ref[2 * (f * nb + bins[r * nf + f])] += g[r];
			ref[2 * (f * nb + bins[r * nf + f]) + 1] += h[r];
		}
	dlp_hist_accumulate(bins, g, h, 0, 10, nf, nb, hist);
	dlp_hist_accumulate(bins, g, h, 10, rows, nf, nb, hist);
	assert_memory_equal(hist, ref, sizeof ref);
}

static void test_dot_axpy(void **state)
{
	size_t li, i;

	for (li = 0; li < sizeof lens / sizeof lens[0]; li++) {
		size_t n = lens[li];
		float *x = malloc((n + 1) * sizeof *x), *y = malloc((n + 1) * sizeof *y);
		double ref = 0, mag = 0;

		dlp_fill_normal_f32(x, n, 3);
		dlp_fill_normal_f32(y, n, 4);
		for (i = 0; i < n; i++) {
			ref += (double)x[i] * y[i];
			mag += fabs((double)x[i] * y[i]);
		}
		assert_true(fabs(dlp_dot(x, y, n) - ref) <= 1e-5 * (mag + 1));
		for (i = 0; i < n; i++)
			ref = y[i] + 0.5f * x[i];
		dlp_axpy(0.5f, x, y, n);
		if (n)
			assert_true(fabs(y[n - 1] - ref) < 1e-6 * (fabs(ref) + 1));
		free(x);
		free(y);
	}
}

/* The iteration count the backend's fma_peak runs (bench_fma.c). */
#define BENCH_ITERS 1000000L

/* One peak kernel (bf16: VDPBF16PS), its sink as a double. */
static double run_fma(dlp_cpu_isa isa, int f64, int bf16, long iters, double *flops)
{
	float fs = 0;
	double ds = 0;

	if (bf16)
		*flops = dlp_fma_peak_avx512bf16(iters, &fs);
	else if (isa == DLP_CPU_GENERIC)
		*flops = f64 ? dlp_fma_peak_generic_f64(iters, &ds) : dlp_fma_peak_generic_f32(iters, &fs);
	else if (isa == DLP_CPU_AVX2)
		*flops = f64 ? dlp_fma_peak_avx2_f64(iters, &ds) : dlp_fma_peak_avx2_f32(iters, &fs);
	else
		*flops = f64 ? dlp_fma_peak_avx512_f64(iters, &ds) : dlp_fma_peak_avx512_f32(iters, &fs);
	return (double)fs + ds;
}

/* The kernel's sink meets the expectation at several counts (the real one
 * included), and the sink of a loop that did not run, or ran once, fails
 * against the expectation for the real count. */
static void check_fma(dlp_cpu_isa isa, int f64, int bf16, double flops_per_iter)
{
	static const long counts[] = { 0, 1, 700, 3000, 20000, BENCH_ITERS };
	double lo, hi, fl;
	size_t i;

	for (i = 0; i < sizeof counts / sizeof counts[0]; i++) {
		double sink = run_fma(isa, f64, bf16, counts[i], &fl);

		assert_true(fl == (double)counts[i] * flops_per_iter);
		dlp_fma_peak_expect(isa, f64, bf16, counts[i], &lo, &hi);
		if (dlp_fma_peak_check(sink, lo, hi) != 0)
			fail_msg("isa %d f64 %d bf16 %d iters %ld: %s", (int)isa, f64, bf16, counts[i],
				 dlp_error_message());
	}
	dlp_fma_peak_expect(isa, f64, bf16, BENCH_ITERS, &lo, &hi);
	assert_int_equal(dlp_fma_peak_check(run_fma(isa, f64, bf16, 0, &fl), lo, hi), -1);
	assert_non_null(strstr(dlp_error_message(), "expected"));
	assert_int_equal(dlp_fma_peak_check(run_fma(isa, f64, bf16, 1, &fl), lo, hi), -1);
	assert_int_equal(dlp_fma_peak_check(NAN, lo, hi), -1);
	assert_int_equal(dlp_fma_peak_check(0, lo, hi), -1);
}

static void test_fma_peak_kernels(void **state)
{
	double lo, hi;

	/* Flop counts are lanes x chains x 2 per iteration, and chains converge
	 * to 1.0 (so the sum after the real count is lanes x chains). */
	check_fma(DLP_CPU_GENERIC, 0, 0, 12 * 4 * 2);
	check_fma(DLP_CPU_GENERIC, 1, 0, 12 * 2 * 2);
	dlp_fma_peak_expect(DLP_CPU_GENERIC, 0, 0, BENCH_ITERS, &lo, &hi);
	assert_true(lo <= 48 && 48 <= hi && hi - lo < 0.1);
	if (dlp_cpu_isa_ok(DLP_CPU_AVX2)) {
		check_fma(DLP_CPU_AVX2, 0, 0, 12 * 8 * 2);
		check_fma(DLP_CPU_AVX2, 1, 0, 12 * 4 * 2);
	}
	if (dlp_cpu_isa_ok(DLP_CPU_AVX512)) {
		check_fma(DLP_CPU_AVX512, 0, 0, 16 * 16 * 2);
		check_fma(DLP_CPU_AVX512, 1, 0, 16 * 8 * 2);
	}
	dlp_fma_peak_expect(DLP_CPU_AVX512, 1, 0, BENCH_ITERS, &lo, &hi);
	assert_true(lo <= 128 && 128 <= hi);
}

static void test_blas_missing(void **state)
{
	dlp_blas *b;

	setenv("DLPROBE_BLAS_LIB", "/nonexistent/libblas.so.3", 1);
	b = dlp_blas_open();
	assert_null(b);
	assert_non_null(strstr(dlp_error_message(), "/nonexistent/libblas.so.3"));
	/* A library without CBLAS symbols is refused, not called. */
	setenv("DLPROBE_BLAS_LIB", "libm.so.6", 1);
	assert_null(dlp_blas_open());
	assert_non_null(strstr(dlp_error_message(), "cblas_sgemm"));
	unsetenv("DLPROBE_BLAS_LIB");
}

static void test_blas_present(void **state)
{
	const size_t m = 33, n = 7, k = 17;
	float a[33 * 17], bm[17 * 7], c[33 * 7];
	double ref[33 * 7];
	dlp_blas *b = dlp_blas_open();
	json_t *id;

	if (!b)
		skip();  /* no system BLAS on this machine: reported, nothing to check */
	id = dlp_blas_identity(b);
	assert_non_null(json_object_get(id, "library"));
	assert_non_null(json_object_get(json_object_get(id, "env"), "OPENBLAS_CORETYPE"));
	json_decref(id);
	dlp_fill_normal_f32(a, m * k, 1);
	dlp_fill_normal_f32(bm, k * n, 2);
	dlp_blas_set_threads(b, 1);
	assert_int_equal(dlp_blas_sgemm(b, m, n, k, a, bm, c), 0);
	dlp_gemm_ref_f32(m, n, k, a, bm, ref);
	assert_true(dlp_max_rel_err_f32(m * n, c, ref, k) < 1e-5);
	/* X w and X^T r on row-major X, as numpy calls them (linear_pass blas) */
	{
		double x[33 * 17], w[17], r[33], z[33], xtr[17];

		dlp_fill_normal_f64(x, m * k, 3);
		dlp_fill_normal_f64(w, k, 4);
		dlp_fill_normal_f64(r, m, 5);
		assert_int_equal(dlp_blas_dgemv_pair(b, m, k, x, w, r, z, xtr), 0);
		assert_true(dlp_gemv_check(x, m, k, w, r, z, xtr) <= 1e-12);
	}
	dlp_blas_close(b);
}

/* BLIS loaded by name beside the system BLAS: its identity names the
 * configuration it chose for this CPU and its kernel kind, and it computes. */
static void test_blis_identity(void **state)
{
	const size_t m = 19, n = 7, k = 33;
	float a[19 * 33], bm[33 * 7], c[19 * 7];
	double ref[19 * 7];
	dlp_blas *b = dlp_blas_open_lib("libblis.so.4");
	json_t *id, *bl;

	if (!b)
		skip();  /* libblis4 not installed */
	id = dlp_blas_identity(b);
	assert_string_equal(json_string_value(json_object_get(id, "library")), "blis");
	bl = json_object_get(id, "blis");
	assert_non_null(bl);
	assert_true(json_is_string(json_object_get(bl, "arch")));
	assert_string_equal(json_string_value(json_object_get(bl, "arch")),
			    json_string_value(json_object_get(id, "corename")));
	assert_true(json_is_string(json_object_get(bl, "sgemm_ukr")));
	json_decref(id);
	dlp_fill_normal_f32(a, m * k, 3);
	dlp_fill_normal_f32(bm, k * n, 4);
	assert_int_equal(dlp_blas_set_threads(b, 1), 0);
	assert_int_equal(dlp_blas_sgemm(b, m, n, k, a, bm, c), 0);
	dlp_gemm_ref_f32(m, n, k, a, bm, ref);
	assert_true(dlp_max_rel_err_f32(m * n, c, ref, k) < 1e-5);
	dlp_blas_close(b);
	/* DLPROBE_BLAS_LIB may list several: the first is the system's. */
	setenv("DLPROBE_BLAS_LIB", "/nonexistent/a.so,libblis.so.4", 1);
	assert_null(dlp_blas_open());
	assert_non_null(strstr(dlp_error_message(), "/nonexistent/a.so"));
	unsetenv("DLPROBE_BLAS_LIB");
}

static void test_amx_refusal(void **state)
{
	/* Where the CPU has no AMX (or the OS refuses), the request fails with a
	 * reason instead of faulting later on a tile instruction. */
	if (dlp_cpu_isa_usable() & DLP_ISA_AMX_TILE)
		skip();
	dlp_error_clear();
	assert_int_equal(dlp_cpu_amx_request(), -1);
	assert_true(strlen(dlp_error_message()) > 0);
}

/* The bench entries for bf16 paths that cannot run: a result with a status
 * and the reason, never a crash or a number. */
static void test_bf16_unavailable_entries(void **state)
{
	json_t *r;

	setenv("DLPROBE_CPU_ISA", "avx2", 1);
	r = dlp_cpu_bf16_unavailable(0);
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "isa")), "avx512_bf16");
	assert_string_equal(json_string_value(json_object_get(r, "dtype")), "bf16");
	assert_true(!strcmp(json_string_value(json_object_get(r, "status")), "skipped") ||
		    !strcmp(json_string_value(json_object_get(r, "status")), "unavailable"));
	assert_true(strlen(json_string_value(json_object_get(r, "reason"))) > 0);
	assert_null(json_object_get(r, "rate_gflops"));
	json_decref(r);
	r = dlp_cpu_bf16_unavailable(1);
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "status")), "skipped");
	assert_non_null(strstr(json_string_value(json_object_get(r, "reason")), "amx"));
	json_decref(r);
	unsetenv("DLPROBE_CPU_ISA");
	/* Without AMX: "unavailable" with dlp_cpu_amx_request()'s reason. */
	if (!(dlp_cpu_isa_usable() & DLP_ISA_AMX_TILE)) {
		r = dlp_cpu_bf16_unavailable(1);
		assert_non_null(r);
		assert_string_equal(json_string_value(json_object_get(r, "kernel")), "gemm");
		assert_string_equal(json_string_value(json_object_get(r, "isa")), "amx");
		assert_string_equal(json_string_value(json_object_get(r, "status")), "unavailable");
		assert_non_null(strstr(json_string_value(json_object_get(r, "reason")), "AMX"));
		json_decref(r);
	}
	if (dlp_cpu_bf16_ok())
		assert_null(dlp_cpu_bf16_unavailable(0));
}

static void test_fma_peak_bf16(void **state)
{
	float fs = 0;

	if (!dlp_cpu_bf16_ok())
		skip();
	/* 16 chains x 16 lanes x 2 pairs x 2 flops; chains start at 1..16 and
	 * only grow, by 2^-21 per step. */
	assert_true(dlp_fma_peak_avx512bf16(20000, &fs) == 20000.0 * 16 * 16 * 2 * 2);
	assert_true(fs > 16 * 136 && fs < 16 * 137);
	check_fma(DLP_CPU_AVX512, 0, 1, 16 * 16 * 2 * 2);
}

/* The bf16 bounds alone (any CPU): 16 chains of 16 lanes from 1..16, the
 * three under 4 growing exactly by 2^-21 a step; zero steps fall below. */
static void test_fma_expect_bf16(void **state)
{
	double lo, hi;

	dlp_fma_peak_expect(DLP_CPU_AVX512, 0, 1, 0, &lo, &hi);
	assert_int_equal(dlp_fma_peak_check(16 * 136, lo, hi), 0);
	dlp_fma_peak_expect(DLP_CPU_AVX512, 0, 1, BENCH_ITERS, &lo, &hi);
	assert_true(fabs(lo - 16 * (136 + 3 * BENCH_ITERS * 0x1p-21)) < 0.1);
	assert_true(fabs(hi - 16 * (136 + 16 * BENCH_ITERS * 0x1p-21)) < 0.1);
	assert_int_equal(dlp_fma_peak_check(16 * 136, lo, hi), -1);
}

/* A BLAS without a thread-count control (the reference BLAS): the result
 * says its thread count is unknown, and no ratio is taken against it. */
static void test_blas_no_thread_control(void **state)
{
	static const char ref_blas[] = "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3";
	json_t *own, *ref;
	dlp_blas *b;

	if (access(ref_blas, R_OK) != 0)
		skip();  /* Debian's libblas3 is not installed */
	setenv("DLPROBE_BLAS_LIB", ref_blas, 1);
	b = dlp_blas_open();
	unsetenv("DLPROBE_BLAS_LIB");
	assert_non_null(b);
	own = dlp_result_new("gemm", "dlprobe", "fp32");
	ref = dlp_result_new("gemm", "blas", "fp32");
	json_object_set_new(own, "threads", json_integer(4));
	json_object_set_new(ref, "threads", json_integer(4));
	assert_int_equal(dlp_cpu_blas_threads(b, 4, ref), -1);
	assert_true(json_is_null(json_object_get(ref, "threads")));
	assert_non_null(strstr(json_string_value(json_object_get(ref, "note")), "thread"));
	json_object_set_new(own, "rate_gflops", json_real(10));
	json_object_set_new(ref, "rate_gflops", json_real(5));
	json_object_set_new(own, "vs_reference", json_null());
	json_object_set_new(ref, "vs_reference", json_null());
	dlp_cpu_vs_reference(own, ref);
	assert_true(json_is_null(json_object_get(own, "vs_reference")));
	assert_true(json_is_null(json_object_get(ref, "vs_reference")));
	/* The same results on a known, equal count are compared. */
	json_object_set_new(ref, "threads", json_integer(4));
	dlp_cpu_vs_reference(own, ref);
	assert_true(fabs(json_number_value(json_object_get(own, "vs_reference")) - 2.0) < 1e-12);
	assert_true(fabs(json_number_value(json_object_get(ref, "vs_reference")) - 0.5) < 1e-12);
	json_decref(own);
	json_decref(ref);
	dlp_blas_close(b);
}

static void test_rel_err_nan(void **state)
{
	float c[2] = { 1.0f, NAN };
	double r[2] = { 1.0, 1.0 };

	assert_true(isinf(dlp_max_rel_err_f32(2, c, r, 4)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_dot_axpy),
		cmocka_unit_test(test_fma_peak_kernels),
		cmocka_unit_test(test_blas_missing),
		cmocka_unit_test(test_blas_present),
		cmocka_unit_test(test_amx_refusal),
		cmocka_unit_test(test_blis_identity),
		cmocka_unit_test(test_bf16_unavailable_entries),
		cmocka_unit_test(test_fma_peak_bf16),
		cmocka_unit_test(test_fma_expect_bf16),
		cmocka_unit_test(test_blas_no_thread_control),
		cmocka_unit_test(test_rel_err_nan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
