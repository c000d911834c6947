#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "kernels/host.h"

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static double normal_pair(uint64_t *s, double *second)
{
	double u1 = ((xorshift(s) >> 11) + 1.0) * (1.0 / 9007199254740993.0);
	double u2 = (xorshift(s) >> 11) * (1.0 / 9007199254740992.0);
	double r = sqrt(-2.0 * log(u1));

	*second = r * sin(2.0 * M_PI * u2);
	return r * cos(2.0 * M_PI * u2);
}

/* Mixed so that small seeds (0, 1, 2) still start far apart; xorshift's
 * state must not be zero. */
static uint64_t seed_state(uint64_t seed)
{
	return seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
}

void dlp_fill_normal_f64(double *x, size_t n, uint64_t seed)
{
	uint64_t s = seed_state(seed);
	double y;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		x[i] = normal_pair(&s, &x[i + 1]);
	if (i < n)
		x[i] = normal_pair(&s, &y);
}

void dlp_fill_uniform_f64(double *x, size_t n, uint64_t seed)
{
	uint64_t s = seed_state(seed);
	size_t i;

	for (i = 0; i < n; i++)
		x[i] = (xorshift(&s) >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

void dlp_fill_normal_f32(float *x, size_t n, uint64_t seed)
{
	uint64_t s = seed_state(seed);
	double y0, y1;
	size_t i;

	for (i = 0; i < n; i += 2) {
		y0 = normal_pair(&s, &y1);
		x[i] = (float)y0;
		if (i + 1 < n)
			x[i + 1] = (float)y1;
	}
}

void dlp_fill_normal_bf16(uint16_t *x, size_t n, uint64_t seed)
{
	uint64_t s = seed_state(seed);
	double y0, y1;
	size_t i;

	for (i = 0; i < n; i += 2) {
		y0 = normal_pair(&s, &y1);
		x[i] = dlp_f32_to_bf16((float)y0);
		if (i + 1 < n)
			x[i + 1] = dlp_f32_to_bf16((float)y1);
	}
}

/* Round to nearest even, as VCVTNEPS2BF16 and the GPUs' cvt.rn.bf16 do; NaN
 * stays a (quiet) NaN rather than rounding into infinity. */
uint16_t dlp_f32_to_bf16(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof u);
	if ((u & 0x7fffffffu) > 0x7f800000u)
		return (uint16_t)((u >> 16) | 0x40);
	u += 0x7fffu + ((u >> 16) & 1);
	return (uint16_t)(u >> 16);
}

float dlp_bf16_to_f32(uint16_t h)
{
	uint32_t u = (uint32_t)h << 16;
	float f;

	memcpy(&f, &u, sizeof f);
	return f;
}

uint16_t dlp_f32_to_f16(float f)
{
	uint32_t x, sign, mant;
	int exp;

	memcpy(&x, &f, sizeof x);
	sign = (x >> 16) & 0x8000u;
	exp = (int)((x >> 23) & 0xff) - 127 + 15;
	mant = x & 0x7fffffu;
	if (((x >> 23) & 0xff) == 0xff)
		return (uint16_t)(sign | 0x7c00u | (mant ? 0x200u : 0));
	if (exp >= 31)
		return (uint16_t)(sign | 0x7c00u);
	if (exp <= 0) {
		/* Subnormal half (or zero): shift the implicit bit in, round to even. */
		uint32_t m, shift, half_bits, rem, halfway;

		if (exp < -10)
			return (uint16_t)sign;
		m = mant | 0x800000u;
		shift = (uint32_t)(14 - exp);
		half_bits = m >> shift;
		rem = m & ((1u << shift) - 1);
		halfway = 1u << (shift - 1);
		if (rem > halfway || (rem == halfway && (half_bits & 1)))
			half_bits++;
		return (uint16_t)(sign | half_bits);
	}
	{
		uint32_t h = sign | ((uint32_t)exp << 10) | (mant >> 13);
		uint32_t rem = mant & 0x1fffu;

		/* A carry out of the mantissa correctly bumps the exponent. */
		if (rem > 0x1000u || (rem == 0x1000u && (h & 1)))
			h++;
		return (uint16_t)h;
	}
}

float dlp_f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ffu;
	uint32_t x;
	float f;

	if (exp == 0) {
		f = ldexpf((float)mant, -24);
		return sign ? -f : f;
	}
	if (exp == 31)
		x = sign | 0x7f800000u | (mant << 13);
	else
		x = sign | ((exp - 15 + 127) << 23) | (mant << 13);
	memcpy(&f, &x, sizeof f);
	return f;
}

#define CHECK_SAMPLES 257

static double c_at(const dlp_gemm_sample_check *g, size_t x)
{
	return g->c_f64 ? ((const double *)g->c)[x] : (double)((const float *)g->c)[x];
}

int dlp_gemm_check_sampled(const dlp_gemm_sample_check *g, double *max_err)
{
	const size_t n = g->n;
	double worst = 0.0;
	size_t s, k, x;

	*max_err = 0.0;
	for (x = 0; x < n * n; x++)
		if (!isfinite(c_at(g, x)))
			return dlp_error_set("verification failed: C[%zu] is not finite", x);
	for (s = 0; s < CHECK_SAMPLES; s++) {
		size_t i = s == 0 ? 0 : s == 1 ? n - 1 : (s * 7919u + 13u) % n;
		size_t j = s == 0 ? 0 : s == 1 ? n - 1 : (s * 104729u + 7u) % n;
		double ref = 0.0, mag = 0.0, got = c_at(g, i * n + j), e;

		for (k = 0; k < n; k++) {
			double p = (double)g->a[i * n + k] *
				   (double)g->b[g->b_transposed ? j * n + k : k * n + j];

			ref += p;
			mag += fabs(p);
		}
		e = fabs(got - ref) / (mag > 0.0 ? mag : 1.0);
		if (e > worst)
			worst = e;
		if (!(e <= g->tol)) {
			*max_err = e;
			return dlp_error_set("verification failed: C[%zu][%zu] = %g, reference %g "
					     "(error %.3g of sum|ab|, tolerance %.1g)",
					     i, j, got, ref, e, g->tol);
		}
	}
	*max_err = worst;
	return 0;
}

void dlp_fill_bytes(unsigned char *p, size_t n, unsigned salt)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 131u + 7u + salt);
}

int dlp_transfer_verify(const dlp_transfer_check *t)
{
	unsigned char *check = malloc(t->bytes);
	double dummy;
	int rc = -1;

	if (!check) {
		dlp_error_set("out of memory for a %zu-byte host buffer", t->bytes);
		goto out;
	}
	dlp_fill_bytes(check, t->bytes, 0);
	if (t->h2d) {
		memcpy(t->host, check, t->bytes);
		if (t->transfer(t->ctx, &dummy) != 0)
			goto out;
		memset(t->host, 0, t->bytes);
		if (t->download(t->ctx, t->host) != 0)
			goto out;
	} else {
		if (t->upload(t->ctx, check) != 0)
			goto out;
		memset(t->host, 0, t->bytes);
		if (t->transfer(t->ctx, &dummy) != 0)
			goto out;
	}
	if (memcmp(t->host, check, t->bytes) != 0) {
		dlp_error_set("verification failed: the %s bytes differ from those sent", t->what);
		goto out;
	}
	rc = 0;
out:
	free(check);
	return rc;
}

void dlp_devices_append_status(json_t *devices, dlp_status st, const char *why)
{
	json_t *dev = json_object();

	json_object_set_new(dev, "name", json_null());
	json_object_set_new(dev, "type", json_null());
	json_object_set_new(dev, "memory_bytes", json_null());
	dlp_json_set_status(dev, st, why);
	json_object_set_new(dev, "results", json_array());
	json_array_append_new(devices, dev);
}

void dlp_device_status_from_results(json_t *dev)
{
	json_t *results = json_object_get(dev, "results"), *r;
	const char *first = NULL;
	size_t i, nok = 0;

	json_array_foreach(results, i, r) {
		const char *st = json_string_value(json_object_get(r, "status"));

		if (st && strcmp(st, "ok") == 0)
			nok++;
		else if (st && strcmp(st, "error") == 0 && !first)
			first = json_string_value(json_object_get(r, "reason"));
	}
	if (nok)
		dlp_json_set_status(dev, DLP_STATUS_OK, NULL);
	else
		dlp_json_set_status(dev, DLP_STATUS_ERROR, first ? first : "nothing could be measured");
}

void dlp_result_vs_reference(json_t *own, const json_t *ref)
{
	json_t *a = json_object_get(own, "rate_gflops"), *b = json_object_get(ref, "rate_gflops");

	if (json_is_number(a) && json_is_number(b) && json_number_value(b) > 0.0)
		json_object_set_new(own, "vs_reference",
				    dlp_json_real(json_number_value(a) / json_number_value(b)));
}
