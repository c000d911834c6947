/* The CUDA backend's driver requirements and its embedded PTX modules,
 * loaded per device with cuModuleLoadData. */
#include <stdio.h>
#include <string.h>

#include "kernels/cuda/cu_impl.h"

int dlp_cu_fail(const dlp_cuda_api *api, dlp_cu_result r, const char *what)
{
	char b[64];

	return dlp_error_set("%s (%d) at %s", dlp_cuda_error_name(api, r, b, sizeof b), r, what);
}

/* The optional driver entry points the backend needs, or the first missing. */
const char *dlp_cu_missing_symbol(const dlp_cuda_api *a)
{
#define NEED(f) if (!a->f) return #f
	NEED(cuCtxCreate);
	NEED(cuCtxDestroy);
	NEED(cuCtxSetCurrent);
	NEED(cuCtxSynchronize);
	NEED(cuMemAlloc);
	NEED(cuMemFree);
	NEED(cuMemcpyHtoD);
	NEED(cuMemcpyDtoH);
	NEED(cuMemcpyDtoD);
	NEED(cuEventCreate);
	NEED(cuEventDestroy);
	NEED(cuEventRecord);
	NEED(cuEventSynchronize);
	NEED(cuEventElapsedTime);
#undef NEED
	return NULL;
}

static const char *missing_kernel_symbol(const dlp_cuda_api *a)
{
	if (!a->cuModuleLoadData)
		return "cuModuleLoadData";
	if (!a->cuModuleGetFunction)
		return "cuModuleGetFunction";
	if (!a->cuModuleUnload)
		return "cuModuleUnload";
	if (!a->cuLaunchKernel)
		return "cuLaunchKernel";
	return NULL;
}

/* sm_90a PTX (wgmma, TMA) is arch-specific: the driver JITs it for compute
 * capability 9.0 only, not for later GPUs. */
static const struct {
	const char *file;
	int cc;         /* minimum compute capability, x10 */
	int exact;      /* and maximum */
} mod_desc[MOD_COUNT] = {
	{ "ptx/gemm.ptx", 75, 0 },
	{ "ptx/gemm_sm80.ptx", 80, 0 },
	{ "ptx/gemm_sm90a.ptx", 90, 1 },
};

static int load_module(struct cu_dev *d, const char *name, dlp_cu_module *m, char *why,
		       size_t len, dlp_status *st)
{
	size_t n;
	const char *ptx = dlp_embedded_get(name, &n);
	const char *miss = missing_kernel_symbol(d->api);
	dlp_cu_result r;
	char b[64];

	*st = DLP_STATUS_UNAVAILABLE;
	if (!ptx) {
		snprintf(why, len, "the CUDA kernels were not built (no nvcc at build time)");
		return -1;
	}
	*st = DLP_STATUS_ERROR;
	if (miss) {
		snprintf(why, len, "the CUDA driver lacks %s", miss);
		return -1;
	}
	r = d->api->cuModuleLoadData(m, ptx);
	if (r != 0) {
		*m = NULL;
		snprintf(why, len, "%s (%d) at cuModuleLoadData(%s)",
			 dlp_cuda_error_name(d->api, r, b, sizeof b), r, name);
		return -1;
	}
	return 0;
}

void dlp_cu_modules_load(struct cu_dev *d)
{
	const int cc = d->ccmaj * 10 + d->ccmin;
	int m;

	for (m = 0; m < MOD_COUNT; m++) {
		if (cc < mod_desc[m].cc || (mod_desc[m].exact && cc != mod_desc[m].cc)) {
			snprintf(d->mod_why[m], sizeof d->mod_why[m],
				 mod_desc[m].exact ? "needs compute capability %d.%d exactly"
						     " (arch-specific PTX)"
						   : "needs compute capability %d.%d",
				 mod_desc[m].cc / 10, mod_desc[m].cc % 10);
			d->mod_st[m] = DLP_STATUS_UNAVAILABLE;
			continue;
		}
		load_module(d, mod_desc[m].file, &d->mod[m], d->mod_why[m], sizeof d->mod_why[m],
			    &d->mod_st[m]);
	}
}

void dlp_cu_modules_unload(struct cu_dev *d)
{
	int m;

	for (m = 0; m < MOD_COUNT; m++)
		if (d->mod[m])
			d->api->cuModuleUnload(d->mod[m]);
	memset(d->mod, 0, sizeof d->mod);
}
