#include <cpuid.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/decimal.h"
#include "dlprobe/json.h"
#include "dlprobe/probe.h"
#include "probe/cpu.h"
#include "probe/sysfile.h"

const char *const dlp_cpu_feature_names[DLP_F_COUNT] = {
	"sse4_2", "avx", "avx2", "fma", "f16c",
	"avx512f", "avx512bw", "avx512vl", "avx512dq",
	"avx512_vnni", "avx512_bf16", "avx512_fp16",
	"amx_tile", "amx_bf16", "amx_int8",
};

/* XCR0 state components the OS must save for each register file. */
#define XCR0_YMM 0x6ull          /* SSE + AVX */
#define XCR0_ZMM 0xe6ull         /* + opmask, ZMM_Hi256, Hi16_ZMM */
#define XCR0_AMX 0x60000ull      /* XTILECFG + XTILEDATA */

#define ARCH_GET_XCOMP_PERM 0x1022
#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
}

void dlp_cpuid_read(struct dlp_cpuid_raw *raw)
{
	uint32_t max;
	int i;

	memset(raw, 0, sizeof *raw);
	cpuid(0, 0, raw->leaf0);
	max = raw->leaf0[0];
	if (max >= 1)
		cpuid(1, 0, raw->leaf1);
	if (max >= 7) {
		cpuid(7, 0, raw->leaf7_0);
		if (raw->leaf7_0[0] >= 1)
			cpuid(7, 1, raw->leaf7_1);
	}
	if (max >= 0x16)
		cpuid(0x16, 0, raw->leaf16);
	if (raw->leaf1[2] & (1u << 31))
		cpuid(0x40000000, 0, raw->hv);
	{
		uint32_t r[4];
		cpuid(0x80000000, 0, r);
		raw->ext_max = r[0];
	}
	if (raw->ext_max >= 0x80000004)
		for (i = 0; i < 3; i++)
			cpuid(0x80000002 + (uint32_t)i, 0, &raw->brand[4 * i]);
	if (raw->leaf1[2] & (1u << 27)) { /* OSXSAVE: XGETBV is allowed */
		uint32_t lo, hi;
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		raw->xcr0 = ((uint64_t)hi << 32) | lo;
	}
}

/* No CPU clocks at 1 THz: a figure above it in a model string or cpuinfo is
 * not a clock. */
#define MAX_GHZ 1000.0

static void trim(char *s)
{
	char *p = s;
	size_t n;

	while (*p == ' ')
		p++;
	memmove(s, p, strlen(p) + 1);
	n = strlen(s);
	while (n > 0 && s[n - 1] == ' ')
		s[--n] = '\0';
}

void dlp_cpu_decode(const struct dlp_cpuid_raw *raw, struct dlp_cpu_info *c)
{
	uint32_t eax = raw->leaf1[0], ecx1 = raw->leaf1[2];
	uint32_t ebx7 = raw->leaf7_0[1], ecx7 = raw->leaf7_0[2], edx7 = raw->leaf7_0[3];
	int base_family = (eax >> 8) & 0xf;
	int ymm = (raw->xcr0 & XCR0_YMM) == XCR0_YMM;
	int zmm = (raw->xcr0 & XCR0_ZMM) == XCR0_ZMM;
	int amx = (raw->xcr0 & XCR0_AMX) == XCR0_AMX;
	const char *at;
	int i;

	memset(c, 0, sizeof *c);
	memcpy(c->vendor + 0, &raw->leaf0[1], 4);
	memcpy(c->vendor + 4, &raw->leaf0[3], 4);
	memcpy(c->vendor + 8, &raw->leaf0[2], 4);
	memcpy(c->brand, raw->brand, 48);
	trim(c->brand);

	c->family = base_family == 0xf ? base_family + (int)((eax >> 20) & 0xff) : base_family;
	c->model = (int)((eax >> 4) & 0xf);
	if (base_family == 0x6 || base_family == 0xf)
		c->model += (int)((eax >> 16) & 0xf) << 4;
	c->stepping = (int)(eax & 0xf);

	c->cpu_has[DLP_F_SSE42] = !!(ecx1 & (1u << 20));
	c->cpu_has[DLP_F_FMA] = !!(ecx1 & (1u << 12));
	c->cpu_has[DLP_F_AVX] = !!(ecx1 & (1u << 28));
	c->cpu_has[DLP_F_F16C] = !!(ecx1 & (1u << 29));
	c->cpu_has[DLP_F_AVX2] = !!(ebx7 & (1u << 5));
	c->cpu_has[DLP_F_AVX512F] = !!(ebx7 & (1u << 16));
	c->cpu_has[DLP_F_AVX512DQ] = !!(ebx7 & (1u << 17));
	c->cpu_has[DLP_F_AVX512BW] = !!(ebx7 & (1u << 30));
	c->cpu_has[DLP_F_AVX512VL] = !!(ebx7 & (1u << 31));
	c->cpu_has[DLP_F_AVX512VNNI] = !!(ecx7 & (1u << 11));
	c->cpu_has[DLP_F_AVX512FP16] = !!(edx7 & (1u << 23));
	c->cpu_has[DLP_F_AMX_BF16] = !!(edx7 & (1u << 22));
	c->cpu_has[DLP_F_AMX_TILE] = !!(edx7 & (1u << 24));
	c->cpu_has[DLP_F_AMX_INT8] = !!(edx7 & (1u << 25));
	c->cpu_has[DLP_F_AVX512BF16] = !!(raw->leaf7_1[0] & (1u << 5));

	for (i = 0; i < DLP_F_COUNT; i++) {
		int os;

		if (i == DLP_F_SSE42)
			os = 1; /* SSE state is always saved on x86-64 */
		else if (i <= DLP_F_F16C)
			os = ymm;
		else if (i <= DLP_F_AVX512FP16)
			os = zmm;
		else
			os = amx;
		c->os_has[i] = c->cpu_has[i] && os;
	}

	c->hypervisor = !!(ecx1 & (1u << 31));
	if (c->hypervisor) {
		memcpy(c->hypervisor_vendor + 0, &raw->hv[1], 4);
		memcpy(c->hypervisor_vendor + 4, &raw->hv[2], 4);
		memcpy(c->hypervisor_vendor + 8, &raw->hv[3], 4);
		trim(c->hypervisor_vendor);
	}

	c->nominal_mhz = NAN;
	if (raw->leaf16[0] & 0xffff) {
		c->nominal_mhz = raw->leaf16[0] & 0xffff;
		c->nominal_source = "cpuid leaf 0x16";
	} else if ((at = strstr(c->brand, "@ ")) != NULL) {
		const char *end;
		double v;
		if (dlp_decimal_double(at + 2, &end, &v) == 0 && v > 0 && v < MAX_GHZ && strncmp(end, "GHz", 3) == 0) {
			c->nominal_mhz = v * 1000.0;
			c->nominal_source = "model string";
		}
	}
}

uint32_t dlp_cpu_isa_usable(void)
{
	static const uint32_t map[DLP_F_COUNT] = {
		DLP_ISA_SSE42, DLP_ISA_AVX, DLP_ISA_AVX2, DLP_ISA_FMA, DLP_ISA_F16C,
		DLP_ISA_AVX512F, DLP_ISA_AVX512BW, DLP_ISA_AVX512VL, DLP_ISA_AVX512DQ,
		DLP_ISA_AVX512VNNI, DLP_ISA_AVX512BF16, DLP_ISA_AVX512FP16,
		DLP_ISA_AMX_TILE, DLP_ISA_AMX_BF16, DLP_ISA_AMX_INT8,
	};
	static uint32_t cached;
	static int done;
	struct dlp_cpuid_raw raw;
	struct dlp_cpu_info c;
	uint32_t m = 0;
	int i;

	if (done)
		return cached;
	dlp_cpuid_read(&raw);
	dlp_cpu_decode(&raw, &c);
	for (i = 0; i < DLP_F_COUNT; i++)
		if (c.os_has[i])
			m |= map[i];
	cached = m;
	done = 1;
	return m;
}

int dlp_cpu_amx_request(void)
{
	uint32_t isa = dlp_cpu_isa_usable();
	unsigned long perm = 0;

	if (!(isa & DLP_ISA_AMX_TILE))
		return dlp_error_set("the CPU has no AMX or the OS does not enable its state (XCR0)");
	if (syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) != 0)
		return dlp_error_set("the kernel refused the AMX tile-data permission (arch_prctl)");
	if (syscall(SYS_arch_prctl, ARCH_GET_XCOMP_PERM, &perm) != 0 ||
	    !(perm & (1ul << XFEATURE_XTILEDATA)))
		return dlp_error_set("AMX tile-data permission not granted");
	return 0;
}

/* /proc/cpuinfo "cpu MHz": a decimal figure of a plausible clock, else null. */
static json_t *current_mhz(const char *s)
{
	const char *end;
	double v;

	if (s && dlp_decimal_double(s, &end, &v) == 0 && !*end && v > 0 && v < MAX_GHZ * 1000)
		return dlp_json_real(v);
	return json_null();
}

json_t *dlp_cpu_to_json(const struct dlp_cpu_info *c, const char *sysroot)
{
	json_t *o = json_object(), *f = json_object(), *amx = json_object();
	char *mhz = NULL;
	int i;

	json_object_set_new(o, "vendor", dlp_json_str(c->vendor));
	json_object_set_new(o, "model_name", dlp_json_str(c->brand));
	json_object_set_new(o, "family", json_integer(c->family));
	json_object_set_new(o, "model", json_integer(c->model));
	json_object_set_new(o, "stepping", json_integer(c->stepping));
	for (i = 0; i < DLP_F_COUNT; i++) {
		json_t *e = json_object();
		json_object_set_new(e, "cpu", json_boolean(c->cpu_has[i]));
		json_object_set_new(e, "os", json_boolean(c->os_has[i]));
		json_object_set_new(f, dlp_cpu_feature_names[i], e);
	}
	json_object_set_new(o, "features", f);

	if (!c->os_has[DLP_F_AMX_TILE]) {
		dlp_json_set_status(amx, DLP_STATUS_UNAVAILABLE,
				    c->cpu_has[DLP_F_AMX_TILE] ? "the OS does not enable AMX state (XCR0)"
							       : "the CPU has no AMX");
	} else if (dlp_cpu_amx_request() != 0) {
		dlp_json_set_status(amx, DLP_STATUS_ERROR, dlp_error_message());
	} else {
		dlp_json_set_status(amx, DLP_STATUS_OK, NULL);
	}
	json_object_set_new(o, "amx_permission", amx);

	json_object_set_new(o, "hypervisor", json_boolean(c->hypervisor));
	json_object_set_new(o, "hypervisor_vendor", c->hypervisor ? dlp_json_str(c->hypervisor_vendor) : json_null());
	json_object_set_new(o, "nominal_mhz", dlp_json_real(c->nominal_mhz));
	json_object_set_new(o, "nominal_mhz_source", dlp_json_str(c->nominal_source));
	/* The kernel's current (not nominal) figure, kept apart so nobody mistakes one for the other. */
	mhz = dlp_sysfile_field(sysroot, "/proc/cpuinfo", "cpu MHz");
	json_object_set_new(o, "current_mhz", current_mhz(mhz));
	free(mhz);
	return o;
}
