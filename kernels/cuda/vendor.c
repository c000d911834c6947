/* Loading the NVIDIA libraries of vendor.h: cuBLAS and cuBLASLt by
 * function table, NVML queried once per device. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "dlprobe/json.h"
#include "kernels/cuda/vendor.h"

_Static_assert(sizeof(dlp_cu_lt_heuristic) == 96, "cublasLtMatmulHeuristicResult_t is 96 bytes");

/* The first of names (or lib alone) that dlopen accepts. */
static void *open_first(const char *lib, const char *const *names, char *got, size_t len)
{
	void *so = NULL;
	size_t i;

	for (i = 0; !so && (lib ? i < 1 : names[i] != NULL); i++) {
		const char *n = lib ? lib : names[i];

		if ((so = dlopen(n, RTLD_NOW | RTLD_LOCAL)))
			snprintf(got, len, "%s", n);
	}
	return so;
}

/* A function pointer of a library struct, by offset, and whether the
 * library is refused without it. */
struct need {
	const char *name;
	size_t off;
	int required;
};

/* Open lib (or the first of names) into *so and libname, then resolve each
 * of need into the struct at base. 0 on success; -1 with why filled. */
static int load(void *base, void **so, char *libname, size_t namelen, const char *lib,
		const char *const *names, const char *what, const struct need *need, size_t n,
		char *why, size_t len)
{
	size_t i;
	int rc = -1;

	*so = open_first(lib, names, libname, namelen);
	if (!*so) {
		snprintf(why, len, "%s not found (%s%s)", what, lib ? lib : names[0],
			 lib ? "" : " or an older soname");
		goto out;
	}
	for (i = 0; i < n; i++) {
		void *p = dlsym(*so, need[i].name);

		memcpy((char *)base + need[i].off, &p, sizeof p);
		if (!p && need[i].required) {
			snprintf(why, len, "%s lacks %s", libname, need[i].name);
			goto out;
		}
	}
	rc = 0;
out:
	if (rc != 0 && *so) {
		dlclose(*so);
		*so = NULL;
	}
	return rc;
}

int dlp_cu_blas_load(dlp_cu_blas *b, const char *lib, char *why, size_t len)
{
	static const char *const names[] = { "libcublas.so.13", "libcublas.so.12",
					     "libcublas.so.11", "libcublas.so", NULL };
#define F(f, n, req) { n, offsetof(dlp_cu_blas, f), req }
	static const struct need need[] = {
		F(create, "cublasCreate_v2", 1),
		F(destroy, "cublasDestroy_v2", 1),
		F(set_math, "cublasSetMathMode", 1),
		F(gemm_ex, "cublasGemmEx", 1),
		F(get_version, "cublasGetVersion_v2", 0),
	};
#undef F

	memset(b, 0, sizeof *b);
	return load(b, &b->so, b->lib, sizeof b->lib, lib, names, "cuBLAS", need,
		    sizeof need / sizeof need[0], why, len);
}

int dlp_cu_blaslt_load(dlp_cu_blaslt *b, const char *lib, char *why, size_t len)
{
	static const char *const names[] = { "libcublasLt.so.13", "libcublasLt.so.12",
					     "libcublasLt.so.11", "libcublasLt.so", NULL };
#define F(f, n, req) { n, offsetof(dlp_cu_blaslt, f), req }
	static const struct need need[] = {
		F(create, "cublasLtCreate", 1),
		F(destroy, "cublasLtDestroy", 1),
		F(desc_create, "cublasLtMatmulDescCreate", 1),
		F(desc_destroy, "cublasLtMatmulDescDestroy", 1),
		F(desc_set, "cublasLtMatmulDescSetAttribute", 1),
		F(layout_create, "cublasLtMatrixLayoutCreate", 1),
		F(layout_destroy, "cublasLtMatrixLayoutDestroy", 1),
		F(pref_create, "cublasLtMatmulPreferenceCreate", 1),
		F(pref_destroy, "cublasLtMatmulPreferenceDestroy", 1),
		F(pref_set, "cublasLtMatmulPreferenceSetAttribute", 1),
		F(heuristic, "cublasLtMatmulAlgoGetHeuristic", 1),
		F(matmul, "cublasLtMatmul", 1),
		F(get_version, "cublasLtGetVersion", 0),
	};
#undef F

	memset(b, 0, sizeof *b);
	return load(b, &b->so, b->lib, sizeof b->lib, lib, names, "cuBLASLt", need,
		    sizeof need / sizeof need[0], why, len);
}

json_t *dlp_cu_nvml_info(const char *lib, const char *pci)
{
	void *so = dlopen(lib ? lib : "libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
	int (*init)(void), (*shut)(void), (*by_pci)(const char *, void **);
	int (*max_clock)(void *, int, unsigned *), (*clock)(void *, int, unsigned *);
	int (*power)(void *, unsigned *), (*gen)(void *, unsigned *), (*width)(void *, unsigned *);
	int (*maxgen)(void *, unsigned *), (*maxwidth)(void *, unsigned *);
	json_t *j = json_object();
	void *dev = NULL;
	unsigned v;

	if (!so) {
		dlp_json_set_status(j, DLP_STATUS_UNAVAILABLE, "libnvidia-ml.so.1 not found");
		return j;
	}
	*(void **)&init = dlsym(so, "nvmlInit_v2");
	*(void **)&shut = dlsym(so, "nvmlShutdown");
	*(void **)&by_pci = dlsym(so, "nvmlDeviceGetHandleByPciBusId_v2");
	*(void **)&max_clock = dlsym(so, "nvmlDeviceGetMaxClockInfo");
	*(void **)&clock = dlsym(so, "nvmlDeviceGetClockInfo");
	*(void **)&power = dlsym(so, "nvmlDeviceGetPowerManagementLimit");
	*(void **)&gen = dlsym(so, "nvmlDeviceGetCurrPcieLinkGeneration");
	*(void **)&width = dlsym(so, "nvmlDeviceGetCurrPcieLinkWidth");
	*(void **)&maxgen = dlsym(so, "nvmlDeviceGetMaxPcieLinkGeneration");
	*(void **)&maxwidth = dlsym(so, "nvmlDeviceGetMaxPcieLinkWidth");
	if (!init || !shut || !by_pci || init() != 0) {
		dlp_json_set_status(j, DLP_STATUS_ERROR, "NVML did not initialise");
		dlclose(so);
		return j;
	}
	if (by_pci(pci, &dev) != 0) {
		dlp_json_set_status(j, DLP_STATUS_ERROR, "NVML does not know this PCI bus id");
		goto out;
	}
	/* NVML_CLOCK_SM = 1, NVML_CLOCK_MEM = 2 */
	json_object_set_new(j, "sm_clock_max_mhz", max_clock && !max_clock(dev, 1, &v) ? json_integer(v) : json_null());
	json_object_set_new(j, "mem_clock_max_mhz", max_clock && !max_clock(dev, 2, &v) ? json_integer(v) : json_null());
	json_object_set_new(j, "sm_clock_mhz", clock && !clock(dev, 1, &v) ? json_integer(v) : json_null());
	json_object_set_new(j, "power_limit_w", power && !power(dev, &v) ? json_real(v / 1000.0) : json_null());
	json_object_set_new(j, "pcie_gen", gen && !gen(dev, &v) ? json_integer(v) : json_null());
	json_object_set_new(j, "pcie_width", width && !width(dev, &v) ? json_integer(v) : json_null());
	json_object_set_new(j, "pcie_gen_max", maxgen && !maxgen(dev, &v) ? json_integer(v) : json_null());
	json_object_set_new(j, "pcie_width_max", maxwidth && !maxwidth(dev, &v) ? json_integer(v) : json_null());
	dlp_json_set_status(j, DLP_STATUS_OK, NULL);
out:
	shut();
	dlclose(so);
	return j;
}
