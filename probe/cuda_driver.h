/* The CUDA driver API, loaded at run time: dlprobe never links libcuda, so a
 * machine without NVIDIA's driver runs the same binary. DLPROBE_LIBCUDA
 * overrides the library path (tests load a fake driver through it). */
#ifndef DLPROBE_PROBE_CUDA_DRIVER_H
#define DLPROBE_PROBE_CUDA_DRIVER_H

#include <stddef.h>

typedef int dlp_cu_result;          /* CUresult */
typedef int dlp_cu_device;          /* CUdevice */
typedef struct dlp_cu_ctx_st *dlp_cu_context;
typedef struct dlp_cu_mod_st *dlp_cu_module;
typedef struct dlp_cu_func_st *dlp_cu_function;
typedef struct dlp_cu_stream_st *dlp_cu_stream;
typedef struct dlp_cu_event_st *dlp_cu_event;
typedef unsigned long long dlp_cu_deviceptr;

/* CUdevice_attribute values used here (cuda.h, stable across versions). */
enum {
	DLP_CU_ATTR_CLOCK_RATE = 13,
	DLP_CU_ATTR_MULTIPROCESSOR_COUNT = 16,
	DLP_CU_ATTR_MEMORY_CLOCK_RATE = 36,
	DLP_CU_ATTR_GLOBAL_MEMORY_BUS_WIDTH = 37,
	DLP_CU_ATTR_COMPUTE_CAPABILITY_MAJOR = 75,
	DLP_CU_ATTR_COMPUTE_CAPABILITY_MINOR = 76,
};
#define DLP_CU_FUNC_ATTR_MAX_DYNAMIC_SHARED_SIZE_BYTES 8
/* CUtensorMap* values (cuda.h) */
enum {
	DLP_CU_TMAP_FLOAT16 = 6,
	DLP_CU_TMAP_FLOAT32 = 7,
	DLP_CU_TMAP_BFLOAT16 = 9,
	DLP_CU_TMAP_SWIZZLE_128B = 3,
	DLP_CU_TMAP_L2_256B = 3,
};
#define DLP_CUDA_ERROR_NO_DEVICE 100

/* Required symbols come first: a library lacking any of them is refused.
 * The rest are optional (NULL when absent) and used by kernels/cuda. */
typedef struct dlp_cuda_api {
	void *handle;
	char path[256];
	dlp_cu_result (*cuInit)(unsigned int);
	dlp_cu_result (*cuDriverGetVersion)(int *);
	dlp_cu_result (*cuDeviceGetCount)(int *);
	dlp_cu_result (*cuDeviceGet)(dlp_cu_device *, int);
	dlp_cu_result (*cuDeviceGetName)(char *, int, dlp_cu_device);
	dlp_cu_result (*cuDeviceTotalMem)(size_t *, dlp_cu_device);          /* _v2 */
	dlp_cu_result (*cuDeviceGetAttribute)(int *, int, dlp_cu_device);
	/* optional */
	dlp_cu_result (*cuDeviceGetPCIBusId)(char *, int, dlp_cu_device);
	dlp_cu_result (*cuGetErrorName)(dlp_cu_result, const char **);
	dlp_cu_result (*cuCtxCreate)(dlp_cu_context *, unsigned int, dlp_cu_device); /* _v2 */
	dlp_cu_result (*cuCtxDestroy)(dlp_cu_context);                              /* _v2 */
	dlp_cu_result (*cuCtxSynchronize)(void);
	dlp_cu_result (*cuModuleLoadData)(dlp_cu_module *, const void *);
	dlp_cu_result (*cuModuleUnload)(dlp_cu_module);
	dlp_cu_result (*cuModuleGetFunction)(dlp_cu_function *, dlp_cu_module, const char *);
	dlp_cu_result (*cuLaunchKernel)(dlp_cu_function, unsigned, unsigned, unsigned,
					unsigned, unsigned, unsigned, unsigned, dlp_cu_stream,
					void **, void **);
	dlp_cu_result (*cuMemAlloc)(dlp_cu_deviceptr *, size_t);                   /* _v2 */
	dlp_cu_result (*cuMemFree)(dlp_cu_deviceptr);                               /* _v2 */
	dlp_cu_result (*cuMemAllocHost)(void **, size_t);                           /* _v2 */
	dlp_cu_result (*cuMemFreeHost)(void *);
	dlp_cu_result (*cuMemcpyHtoD)(dlp_cu_deviceptr, const void *, size_t);      /* _v2 */
	dlp_cu_result (*cuMemcpyDtoH)(void *, dlp_cu_deviceptr, size_t);            /* _v2 */
	dlp_cu_result (*cuMemcpyDtoD)(dlp_cu_deviceptr, dlp_cu_deviceptr, size_t);  /* _v2 */
	dlp_cu_result (*cuMemsetD8)(dlp_cu_deviceptr, unsigned char, size_t);       /* _v2 */
	dlp_cu_result (*cuEventCreate)(dlp_cu_event *, unsigned int);
	dlp_cu_result (*cuEventDestroy)(dlp_cu_event);                              /* _v2 */
	dlp_cu_result (*cuEventRecord)(dlp_cu_event, dlp_cu_stream);
	dlp_cu_result (*cuEventSynchronize)(dlp_cu_event);
	dlp_cu_result (*cuEventElapsedTime)(float *, dlp_cu_event, dlp_cu_event);
	dlp_cu_result (*cuDeviceCanAccessPeer)(int *, dlp_cu_device, dlp_cu_device);
	dlp_cu_result (*cuCtxEnablePeerAccess)(dlp_cu_context, unsigned int);
	dlp_cu_result (*cuMemcpyPeer)(dlp_cu_deviceptr, dlp_cu_context, dlp_cu_deviceptr,
				      dlp_cu_context, size_t);
	dlp_cu_result (*cuCtxSetCurrent)(dlp_cu_context);
	/* kernels above 48 KiB of dynamic shared memory (CUDA 9) */
	dlp_cu_result (*cuFuncSetAttribute)(dlp_cu_function, int, int);
	/* TMA descriptors for sm_90 kernels (CUDA 12): the CUtensorMap enums
	 * are passed as int, cuuint32_t/cuuint64_t as unsigned/unsigned long long */
	dlp_cu_result (*cuTensorMapEncodeTiled)(void *, int, unsigned, void *,
						const unsigned long long *,
						const unsigned long long *, const unsigned *,
						const unsigned *, int, int, int, int);
} dlp_cuda_api;

/* Load the driver. 0 on success; -1 with the reason (library not found,
 * missing symbol) in dlp_error_message(). */
int dlp_cuda_load(dlp_cuda_api *api);
void dlp_cuda_unload(dlp_cuda_api *api);
/* "CUDA_ERROR_NO_DEVICE" when the driver can name it, else "CUDA error 100". */
const char *dlp_cuda_error_name(const dlp_cuda_api *api, dlp_cu_result r, char *buf, size_t len);

#endif
