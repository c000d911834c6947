/* The host helpers the backends share (kernels/host.c): random inputs,
 * 16-bit float conversions, the sampled GEMM check, the transfer check and
 * device entries. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support/testutil.h"
#include "dlprobe/json.h"
#include "kernels/host.h"

static void half_conversion(void **state)
{
	static const float exact[] = { 0.0f, 1.0f, -2.5f, 65504.0f, 0.000061035156f, 5.9604645e-8f };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof exact / sizeof exact[0]; i++)
		assert_true(dlp_f16_to_f32(dlp_f32_to_f16(exact[i])) == exact[i]);
	assert_int_equal(dlp_f32_to_f16(1e6f), 0x7c00);        /* overflow: inf */
	assert_int_equal(dlp_f32_to_f16(1.0f + 1.0f / 4096), 0x3c00); /* ties to even */
	assert_true(fabsf(dlp_f16_to_f32(dlp_f32_to_f16(3.14159f)) - 3.14159f) < 2e-3f);
	assert_true(isnan(dlp_f16_to_f32(dlp_f32_to_f16(NAN))));
}

static void bf16_conversion(void **state)
{
	(void)state;
	assert_int_equal(dlp_f32_to_bf16(1.0f), 0x3f80);
	/* 1 + 2^-8 is halfway between two bf16 values: ties to even (down) */
	assert_int_equal(dlp_f32_to_bf16(1.0f + 1.0f / 256), 0x3f80);
	assert_int_equal(dlp_f32_to_bf16(1.0f + 3.0f / 256), 0x3f82);
	assert_true(dlp_bf16_to_f32(dlp_f32_to_bf16(-2.5f)) == -2.5f);
	assert_true(isnan(dlp_bf16_to_f32(dlp_f32_to_bf16(NAN))));
}

static void normals_are_deterministic_and_normal(void **state)
{
	enum { N = 100001 };
	float *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
	uint16_t *h = malloc(N * sizeof *h);
	double mean = 0.0, var = 0.0;
	size_t i;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(h);
	dlp_fill_normal_f32(a, N, 7);
	dlp_fill_normal_f32(b, N, 7);
	assert_memory_equal(a, b, N * sizeof *a);
	dlp_fill_normal_f32(b, N, 8);
	assert_true(memcmp(a, b, N * sizeof *a) != 0);
	for (i = 0; i < N; i++)
		mean += a[i];
	mean /= N;
	for (i = 0; i < N; i++)
		var += (a[i] - mean) * (a[i] - mean);
	var /= N - 1;
	assert_true(fabs(mean) < 0.02);
	assert_true(fabs(var - 1.0) < 0.02);
	/* bf16 inputs are the fp32 stream rounded */
	dlp_fill_normal_bf16(h, N, 7);
	for (i = 0; i < N; i += 997)
		assert_int_equal(h[i], dlp_f32_to_bf16(a[i]));
	free(a);
	free(b);
	free(h);
}

static void sampled_check(void **state)
{
	enum { n = 64 };
	float *a = malloc(n * n * sizeof *a), *b = malloc(n * n * sizeof *b);
	float *c = malloc(n * n * sizeof *c);
	double *cd = malloc(n * n * sizeof *cd), err = -1.0;
	dlp_gemm_sample_check g = { n, a, b, 0, c, 0, 1e-5 };
	size_t i, j, k;

	(void)state;
	dlp_fill_normal_f32(a, n * n, 1);
	dlp_fill_normal_f32(b, n * n, 2);
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			double s = 0.0, st = 0.0;

			for (k = 0; k < n; k++) {
				s += (double)a[i * n + k] * b[k * n + j];
				st += (double)a[i * n + k] * b[j * n + k];
			}
			c[i * n + j] = (float)s;
			cd[i * n + j] = st;
		}
	assert_int_equal(dlp_gemm_check_sampled(&g, &err), 0);
	assert_true(err >= 0.0 && err < 1e-6);
	/* the same output read as A B^T is wrong */
	g.b_transposed = 1;
	assert_int_equal(dlp_gemm_check_sampled(&g, &err), -1);
	assert_non_null(strstr(dlp_error_message(), "verification failed: C[0][0]"));
	/* doubles, A B^T */
	g.c = cd;
	g.c_f64 = 1;
	g.tol = 1e-12;
	assert_int_equal(dlp_gemm_check_sampled(&g, &err), 0);
	/* one NaN anywhere fails, sampled or not */
	cd[5 * n + 7] = NAN;
	assert_int_equal(dlp_gemm_check_sampled(&g, &err), -1);
	assert_string_equal(dlp_error_message(), "verification failed: C[327] is not finite");
	free(a);
	free(b);
	free(c);
	free(cd);
}

static json_t *result(const char *status, const char *reason, double rate)
{
	json_t *r = json_object();

	dlp_json_set_status(r, status[0] == 'o' ? DLP_STATUS_OK : DLP_STATUS_ERROR, reason);
	if (rate > 0)
		json_object_set_new(r, "rate_gflops", json_real(rate));
	return r;
}

/* A "device" in host memory for dlp_transfer_verify: the transfer copies
 * between host and dev, optionally flipping one byte or failing. */
struct fake_xfer {
	unsigned char host[64], dev[64];
	int h2d, flip, fail_download;
};

static int fake_transfer(void *ctx, double *elapsed_s)
{
	struct fake_xfer *f = ctx;

	*elapsed_s = -1.0;
	if (f->h2d)
		memcpy(f->dev, f->host, sizeof f->dev);
	else
		memcpy(f->host, f->dev, sizeof f->host);
	if (f->flip)
		(f->h2d ? f->dev : f->host)[37] ^= 1;
	return 0;
}

static int fake_upload(void *ctx, const void *src)
{
	struct fake_xfer *f = ctx;

	memcpy(f->dev, src, sizeof f->dev);
	return 0;
}

static int fake_download(void *ctx, void *dst)
{
	struct fake_xfer *f = ctx;

	if (f->fail_download)
		return dlp_error_set("download failed");
	memcpy(dst, f->dev, sizeof f->dev);
	return 0;
}

static void transfer_check(void **state)
{
	struct fake_xfer f;
	dlp_transfer_check t = { .bytes = sizeof f.host, .transfer = fake_transfer, .upload = fake_upload,
				 .download = fake_download, .ctx = &f };
	unsigned char want[4];
	int h2d;

	(void)state;
	dlp_fill_bytes(want, sizeof want, 3);
	assert_int_equal(want[0], 10);
	assert_int_equal(want[1], (131 + 10) & 255);
	for (h2d = 0; h2d < 2; h2d++) {
		memset(&f, 0, sizeof f);
		f.h2d = t.h2d = h2d;
		t.host = f.host;
		t.what = h2d ? "h2d" : "d2h";
		assert_int_equal(dlp_transfer_verify(&t), 0);
		assert_int_equal(f.host[1], 138); /* the pattern went through */
		f.flip = 1;
		assert_int_equal(dlp_transfer_verify(&t), -1);
		assert_non_null(strstr(dlp_error_message(), h2d ? "the h2d bytes differ" : "the d2h bytes differ"));
	}
	memset(&f, 0, sizeof f);
	f.h2d = t.h2d = 1;
	f.fail_download = 1;
	t.host = f.host;
	assert_int_equal(dlp_transfer_verify(&t), -1);
	assert_string_equal(dlp_error_message(), "download failed");
}

static void device_entries(void **state)
{
	json_t *devs = json_array(), *dev, *res;

	(void)state;
	dlp_devices_append_status(devs, DLP_STATUS_UNAVAILABLE, "no device");
	dev = json_array_get(devs, 0);
	assert_true(json_is_null(json_object_get(dev, "name")));
	assert_string_equal(json_string_value(json_object_get(dev, "status")), "unavailable");
	assert_string_equal(json_string_value(json_object_get(dev, "reason")), "no device");
	assert_int_equal(json_array_size(json_object_get(dev, "results")), 0);

	res = json_object_get(dev, "results");
	json_array_append_new(res, result("error", "first", 0));
	json_array_append_new(res, result("error", "second", 0));
	dlp_device_status_from_results(dev);
	assert_string_equal(json_string_value(json_object_get(dev, "status")), "error");
	assert_string_equal(json_string_value(json_object_get(dev, "reason")), "first");
	json_array_append_new(res, result("ok", NULL, 50));
	dlp_device_status_from_results(dev);
	assert_string_equal(json_string_value(json_object_get(dev, "status")), "ok");

	dlp_result_vs_reference(json_array_get(res, 2), json_array_get(res, 0));
	assert_null(json_object_get(json_array_get(res, 2), "vs_reference")); /* no reference rate */
	{
		json_t *ref = result("ok", NULL, 100);

		dlp_result_vs_reference(json_array_get(res, 2), ref);
		assert_true(json_real_value(json_object_get(json_array_get(res, 2), "vs_reference")) == 0.5);
		json_decref(ref);
	}
	json_decref(devs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(half_conversion),
		cmocka_unit_test(bf16_conversion),
		cmocka_unit_test(normals_are_deterministic_and_normal),
		cmocka_unit_test(sampled_check),
		cmocka_unit_test(transfer_check),
		cmocka_unit_test(device_entries),
	};
	return cmocka_run_group_tests_name("host", tests, NULL, NULL);
}
