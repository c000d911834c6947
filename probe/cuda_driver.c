#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/dlprobe.h"
#include "probe/cuda_driver.h"

/* Each slot: the name to look up (the _v2 entry points where the driver has
 * them: the unsuffixed ones keep 32-bit sizes for old binaries) and the
 * offset of its pointer in dlp_cuda_api. */
struct sym {
	const char *name;
	size_t offset;
	int required;
};

#define REQ(field, name) { name, offsetof(dlp_cuda_api, field), 1 }
#define OPT(field, name) { name, offsetof(dlp_cuda_api, field), 0 }

static const struct sym syms[] = {
	REQ(cuInit, "cuInit"),
	REQ(cuDriverGetVersion, "cuDriverGetVersion"),
	REQ(cuDeviceGetCount, "cuDeviceGetCount"),
	REQ(cuDeviceGet, "cuDeviceGet"),
	REQ(cuDeviceGetName, "cuDeviceGetName"),
	REQ(cuDeviceTotalMem, "cuDeviceTotalMem_v2"),
	REQ(cuDeviceGetAttribute, "cuDeviceGetAttribute"),
	OPT(cuDeviceGetPCIBusId, "cuDeviceGetPCIBusId"),
	OPT(cuGetErrorName, "cuGetErrorName"),
	OPT(cuCtxCreate, "cuCtxCreate_v2"),
	OPT(cuCtxDestroy, "cuCtxDestroy_v2"),
	OPT(cuCtxSynchronize, "cuCtxSynchronize"),
	OPT(cuModuleLoadData, "cuModuleLoadData"),
	OPT(cuModuleUnload, "cuModuleUnload"),
	OPT(cuModuleGetFunction, "cuModuleGetFunction"),
	OPT(cuLaunchKernel, "cuLaunchKernel"),
	OPT(cuMemAlloc, "cuMemAlloc_v2"),
	OPT(cuMemFree, "cuMemFree_v2"),
	OPT(cuMemAllocHost, "cuMemAllocHost_v2"),
	OPT(cuMemFreeHost, "cuMemFreeHost"),
	OPT(cuMemcpyHtoD, "cuMemcpyHtoD_v2"),
	OPT(cuMemcpyDtoH, "cuMemcpyDtoH_v2"),
	OPT(cuMemcpyDtoD, "cuMemcpyDtoD_v2"),
	OPT(cuMemsetD8, "cuMemsetD8_v2"),
	OPT(cuEventCreate, "cuEventCreate"),
	OPT(cuEventDestroy, "cuEventDestroy_v2"),
	OPT(cuEventRecord, "cuEventRecord"),
	OPT(cuEventSynchronize, "cuEventSynchronize"),
	OPT(cuEventElapsedTime, "cuEventElapsedTime"),
	OPT(cuDeviceCanAccessPeer, "cuDeviceCanAccessPeer"),
	OPT(cuCtxEnablePeerAccess, "cuCtxEnablePeerAccess"),
	OPT(cuMemcpyPeer, "cuMemcpyPeer"),
	OPT(cuCtxSetCurrent, "cuCtxSetCurrent"),
	OPT(cuFuncSetAttribute, "cuFuncSetAttribute"),
	OPT(cuTensorMapEncodeTiled, "cuTensorMapEncodeTiled"),
};

int dlp_cuda_load(dlp_cuda_api *api)
{
	const char *path = getenv("DLPROBE_LIBCUDA");
	size_t i;
	int ret = -1;

	memset(api, 0, sizeof *api);
	if (!path || !*path)
		path = "libcuda.so.1";
	snprintf(api->path, sizeof api->path, "%s", path);
	api->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!api->handle) {
		/* dlerror() names the file and why; keep it on one line */
		const char *e = dlerror();
		dlp_error_set("cannot load the CUDA driver (%s)", e ? e : path);
		goto out;
	}
	for (i = 0; i < sizeof syms / sizeof syms[0]; i++) {
		void *p = dlsym(api->handle, syms[i].name);

		if (!p && syms[i].required) {
			dlp_error_set("the CUDA driver %s lacks %s", path, syms[i].name);
			goto out;
		}
		/* POSIX guarantees object and function pointers convert via void * */
		memcpy((char *)api + syms[i].offset, &p, sizeof p);
	}
	ret = 0;
out:
	if (ret != 0 && api->handle) {
		dlclose(api->handle);
		api->handle = NULL;
	}
	return ret;
}

void dlp_cuda_unload(dlp_cuda_api *api)
{
	if (api->handle)
		dlclose(api->handle);
	memset(api, 0, sizeof *api);
}

const char *dlp_cuda_error_name(const dlp_cuda_api *api, dlp_cu_result r, char *buf, size_t len)
{
	const char *name = NULL;

	if (api->cuGetErrorName && api->cuGetErrorName(r, &name) == 0 && name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "CUDA error %d", r);
	return buf;
}
