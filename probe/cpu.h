/* CPU identification from CPUID and XGETBV, decoded from raw register values
 * so tests can feed synthetic leaves. */
#ifndef DLPROBE_PROBE_CPU_H
#define DLPROBE_PROBE_CPU_H

#include <stdint.h>
#include <jansson.h>

struct dlp_cpuid_raw {
	uint32_t leaf0[4];          /* eax ebx ecx edx of leaf 0 */
	uint32_t leaf1[4];
	uint32_t leaf7_0[4];
	uint32_t leaf7_1[4];
	uint32_t leaf16[4];         /* base/max/bus MHz (Intel), zero when absent */
	uint32_t hv[4];             /* leaf 0x40000000 */
	uint32_t ext_max;           /* highest extended leaf */
	uint32_t brand[12];         /* leaves 0x80000002..4 */
	uint64_t xcr0;              /* 0 when OSXSAVE is off */
};

enum dlp_cpu_feature {
	DLP_F_SSE42, DLP_F_AVX, DLP_F_AVX2, DLP_F_FMA, DLP_F_F16C,
	DLP_F_AVX512F, DLP_F_AVX512BW, DLP_F_AVX512VL, DLP_F_AVX512DQ,
	DLP_F_AVX512VNNI, DLP_F_AVX512BF16, DLP_F_AVX512FP16,
	DLP_F_AMX_TILE, DLP_F_AMX_BF16, DLP_F_AMX_INT8,
	DLP_F_COUNT
};

struct dlp_cpu_info {
	char vendor[13];
	char brand[49];
	int family, model, stepping;
	int cpu_has[DLP_F_COUNT];   /* CPUID says the core implements it */
	int os_has[DLP_F_COUNT];    /* XCR0 says the OS saves its state */
	int hypervisor;
	char hypervisor_vendor[13];
	double nominal_mhz;         /* NaN when unknown */
	const char *nominal_source; /* where nominal_mhz came from, NULL if unknown */
};

extern const char *const dlp_cpu_feature_names[DLP_F_COUNT];

void dlp_cpuid_read(struct dlp_cpuid_raw *raw);
void dlp_cpu_decode(const struct dlp_cpuid_raw *raw, struct dlp_cpu_info *out);
json_t *dlp_cpu_to_json(const struct dlp_cpu_info *c, const char *sysroot);

#endif
