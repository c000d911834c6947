/* ISA selection and the small helpers every CPU kernel shares. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xmmintrin.h>

#include "dlprobe/probe.h"
#include "kernels/cpu/cpu.h"

static const char *const isa_names[DLP_CPU_NISA] = { "generic", "avx2", "avx512" };

/* Ceiling levels DLPROBE_CPU_ISA may name: the GEMM ISAs, then the bf16
 * paths above them, so "avx512" keeps fp32 AVX-512 and forbids bf16. */
enum { LVL_BF16 = DLP_CPU_NISA, LVL_AMX, LVL_NLEVELS };
static const char *const level_names[LVL_NLEVELS] = { "generic", "avx2", "avx512", "avx512_bf16",
						      "amx" };

const char *dlp_cpu_isa_name(dlp_cpu_isa isa)
{
	return isa >= 0 && isa < DLP_CPU_NISA ? isa_names[isa] : "unknown";
}

/* The ceiling DLPROBE_CPU_ISA sets; an unknown value is refused by the front
 * end before any bench (dlp_cpu_isa_env_check), never guessed at here. */
static int isa_ceiling(void)
{
	const char *e = getenv("DLPROBE_CPU_ISA");
	int i;

	if (e && *e)
		for (i = 0; i < LVL_NLEVELS; i++)
			if (strcmp(e, level_names[i]) == 0)
				return i;
	return LVL_AMX;
}

int dlp_cpu_isa_env_check(void)
{
	const char *e = getenv("DLPROBE_CPU_ISA");
	char list[128] = "";
	size_t u = 0;
	int i;

	if (!e || !*e)
		return 0;
	for (i = 0; i < LVL_NLEVELS; i++) {
		if (strcmp(e, level_names[i]) == 0)
			return 0;
		u += (size_t)snprintf(list + u, u < sizeof list ? sizeof list - u : 0, "%s%s", i ? ", " : "",
				      level_names[i]);
	}
	return dlp_error_set("DLPROBE_CPU_ISA=%s is not one of %s", e, list);
}

int dlp_cpu_isa_ok(dlp_cpu_isa isa)
{
	uint32_t u = dlp_cpu_isa_usable();
	const uint32_t avx2 = DLP_ISA_AVX2 | DLP_ISA_FMA;
	const uint32_t avx512 = avx2 | DLP_ISA_AVX512F | DLP_ISA_AVX512BW | DLP_ISA_AVX512VL |
				DLP_ISA_AVX512DQ;

	if ((int)isa > isa_ceiling())
		return 0;
	switch (isa) {
	case DLP_CPU_GENERIC:
		return 1;
	case DLP_CPU_AVX2:
		return (u & avx2) == avx2;
	case DLP_CPU_AVX512:
		return (u & avx512) == avx512;
	default:
		return 0;
	}
}

dlp_cpu_isa dlp_cpu_isa_best(void)
{
	int i;

	for (i = DLP_CPU_NISA - 1; i > 0; i--)
		if (dlp_cpu_isa_ok((dlp_cpu_isa)i))
			return (dlp_cpu_isa)i;
	return DLP_CPU_GENERIC;
}

int dlp_cpu_bf16_ok(void)
{
	return dlp_cpu_bf16_why() == NULL;
}

const char *dlp_cpu_bf16_why(void)
{
	uint32_t u = dlp_cpu_isa_usable();

	if (!(u & DLP_ISA_AVX512BF16) || (u & (DLP_ISA_AVX512F | DLP_ISA_AVX512BW)) !=
					     (DLP_ISA_AVX512F | DLP_ISA_AVX512BW))
		return "the CPU has no AVX512_BF16 (or the OS does not save AVX-512 state)";
	if (isa_ceiling() < LVL_BF16)
		return "DLPROBE_CPU_ISA forbids avx512_bf16";
	return NULL;
}

int dlp_cpu_amx_ok(void)
{
	uint32_t u = dlp_cpu_isa_usable();

	return isa_ceiling() >= LVL_AMX &&
	       (u & (DLP_ISA_AMX_TILE | DLP_ISA_AMX_BF16)) == (DLP_ISA_AMX_TILE | DLP_ISA_AMX_BF16);
}

int dlp_cpu_amx_forbidden(void)
{
	return isa_ceiling() < LVL_AMX;
}

void dlp_cpu_ftz_daz(void)
{
	_mm_setcsr(_mm_getcsr() | 0x8040);
}

void *dlp_cpu_alloc(size_t bytes)
{
	void *p = NULL;

	if (posix_memalign(&p, 64, bytes ? (bytes + 63) & ~(size_t)63 : 64) != 0)
		return NULL;
	return p;
}

void dlp_gemm_ref_bf16(size_t m, size_t n, size_t k, const uint16_t *a, const uint16_t *b,
		       double *c)
{
	size_t i, j, p;

	for (j = 0; j < n; j++) {
		for (i = 0; i < m; i++)
			c[i + j * m] = 0.0;
		for (p = 0; p < k; p++) {
			double bv = dlp_bf16_to_f32(b[p + j * k]);

			for (i = 0; i < m; i++)
				c[i + j * m] += (double)dlp_bf16_to_f32(a[i + p * m]) * bv;
		}
	}
}

void dlp_gemm_ref_f32(size_t m, size_t n, size_t k, const float *a, const float *b, double *c)
{
	size_t i, j, p;

	for (j = 0; j < n; j++) {
		for (i = 0; i < m; i++)
			c[i + j * m] = 0.0;
		for (p = 0; p < k; p++) {
			double bv = b[p + j * k];

			for (i = 0; i < m; i++)
				c[i + j * m] += (double)a[i + p * m] * bv;
		}
	}
}

void dlp_gemm_ref_f64(size_t m, size_t n, size_t k, const double *a, const double *b, double *c)
{
	size_t i, j, p;

	for (j = 0; j < n; j++) {
		for (i = 0; i < m; i++)
			c[i + j * m] = 0.0;
		for (p = 0; p < k; p++) {
			double bv = b[p + j * k];

			for (i = 0; i < m; i++)
				c[i + j * m] += a[i + p * m] * bv;
		}
	}
}

/* Dividing by |ref| alone would call a tiny entry of a cancelling sum wrong:
 * the error of a k-term sum of unit normals scales with sqrt(k). */
double dlp_max_rel_err_f32(size_t n, const float *c, const double *ref, size_t k)
{
	double e = 0.0, d;
	size_t i;

	for (i = 0; i < n; i++) {
		d = fabs((double)c[i] - ref[i]) / (fabs(ref[i]) + sqrt((double)k) + 1e-30);
		if (isnan(d))
			return INFINITY;  /* a NaN output fails every tolerance */
		if (d > e)
			e = d;
	}
	return e;
}

double dlp_max_rel_err_f64(size_t n, const double *c, const double *ref, size_t k)
{
	double e = 0.0, d;
	size_t i;

	for (i = 0; i < n; i++) {
		d = fabs(c[i] - ref[i]) / (fabs(ref[i]) + sqrt((double)k) + 1e-300);
		if (isnan(d))
			return INFINITY;
		if (d > e)
			e = d;
	}
	return e;
}
