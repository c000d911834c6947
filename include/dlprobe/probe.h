/* probe/: what is on this machine. Detection only; it never benchmarks.
 * The result is the "probe" section of a dlprobe document (docs/json.md). */
#ifndef DLPROBE_PROBE_H
#define DLPROBE_PROBE_H

#include <stdint.h>
#include <jansson.h>

#include "dlprobe/dlprobe.h"

/* ISA features usable by this process: the CPU reports them (CPUID) and the
 * OS saves their state (XGETBV). AMX also needs a per-process permission,
 * see dlp_cpu_amx_request(). */
enum dlp_isa {
	DLP_ISA_SSE42 = 1u << 0,
	DLP_ISA_AVX = 1u << 1,
	DLP_ISA_AVX2 = 1u << 2,
	DLP_ISA_FMA = 1u << 3,
	DLP_ISA_F16C = 1u << 4,
	DLP_ISA_AVX512F = 1u << 5,
	DLP_ISA_AVX512BW = 1u << 6,
	DLP_ISA_AVX512VL = 1u << 7,
	DLP_ISA_AVX512DQ = 1u << 8,
	DLP_ISA_AVX512VNNI = 1u << 9,
	DLP_ISA_AVX512BF16 = 1u << 10,
	DLP_ISA_AVX512FP16 = 1u << 11,
	DLP_ISA_AMX_TILE = 1u << 12,
	DLP_ISA_AMX_BF16 = 1u << 13,
	DLP_ISA_AMX_INT8 = 1u << 14,
};

/* Bitmask of enum dlp_isa usable here (cached after the first call). */
uint32_t dlp_cpu_isa_usable(void);
/* Ask the kernel for the AMX tile-data permission (arch_prctl). 0 when
 * granted; -1 with the reason (no AMX, refused, old kernel) otherwise. */
int dlp_cpu_amx_request(void);

typedef struct dlp_probe_opts {
	/* Root for /proc and /sys reads ("" or NULL: the real ones). Tests point
	 * it at fixture trees. */
	const char *sysroot;
	/* hwloc XML or synthetic description instead of this machine (tests). */
	const char *hwloc_xml;
	const char *hwloc_synthetic;
	/* Seconds an OpenCL/CUDA enumeration may take before it is declared
	 * hung (it runs in a child process so a crash cannot kill dlprobe). */
	double enum_timeout_s;
	int skip_opencl, skip_cuda;
} dlp_probe_opts;

/* Probe the machine; returns the new "probe" object or NULL (message set). */
json_t *dlp_probe_run(const dlp_probe_opts *o);

/* The "host" identity of a document: hostname, DMI sys_vendor and
 * product_name (null where absent), instance_type where the provider's DMI
 * product name is one (AWS). sysroot as in dlp_probe_opts. */
json_t *dlp_probe_host(const char *sysroot);

/* Readers over a probe object, for kernels/ and the front end. Unknown: -1. */
long dlp_probe_effective_cpus(const json_t *probe);
/* Size of the data (or unified) cache at level 1..3 as seen by one core, bytes. */
long long dlp_probe_cache_bytes(const json_t *probe, int level);
long long dlp_probe_effective_memory(const json_t *probe);

#endif
