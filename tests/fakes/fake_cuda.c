/* A fake libcuda.so.1 for tests, loaded through DLPROBE_LIBCUDA.
 * FAKE_CUDA_MODE selects the behaviour:
 *   ok (default)  one device, "Fake H100", cc 9.0, 132 SMs, 80 GiB
 *   two           two such devices
 *   nodevice      cuInit fails with CUDA_ERROR_NO_DEVICE (100)
 *   initfail      cuInit fails with CUDA_ERROR_NOT_INITIALIZED (3)
 *   crash         cuInit dereferences NULL (a broken driver)
 *   hang          cuInit never returns
 * Built with -DFAKE_CUDA_NO_NAME it lacks cuDeviceGetName (a missing symbol). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <unistd.h>

static const char *mode(void)
{
	const char *m = getenv("FAKE_CUDA_MODE");
	return m ? m : "ok";
}

static int ndev(void)
{
	return strcmp(mode(), "two") == 0 ? 2 : 1;
}

int cuInit(unsigned int flags)
{
	(void)flags;
	if (strcmp(mode(), "nodevice") == 0)
		return 100;
	if (strcmp(mode(), "initfail") == 0)
		return 3;
	if (strcmp(mode(), "crash") == 0)
		raise(SIGSEGV);
	if (strcmp(mode(), "hang") == 0)
		for (;;)
			pause();
	return 0;
}

int cuDriverGetVersion(int *v)
{
	*v = 13000;
	return 0;
}

int cuDeviceGetCount(int *n)
{
	*n = ndev();
	return 0;
}

int cuDeviceGet(int *d, int ordinal)
{
	if (ordinal < 0 || ordinal >= ndev())
		return 101; /* CUDA_ERROR_INVALID_DEVICE */
	*d = ordinal;
	return 0;
}

#ifndef FAKE_CUDA_NO_NAME
int cuDeviceGetName(char *name, int len, int d)
{
	snprintf(name, (size_t)len, "Fake H100 %d", d);
	return 0;
}
#endif

int cuDeviceTotalMem_v2(size_t *bytes, int d)
{
	(void)d;
	*bytes = (size_t)80 << 30;
	return 0;
}

int cuDeviceGetAttribute(int *v, int attr, int d)
{
	(void)d;
	switch (attr) {
	case 13: *v = 1980000; return 0;  /* clock, kHz */
	case 16: *v = 132; return 0;      /* SMs */
	case 36: *v = 2619000; return 0;  /* memory clock, kHz */
	case 37: *v = 5120; return 0;     /* bus width, bits */
	case 75: *v = strcmp(mode(), "sm80") == 0 ? 8 : 9; return 0;
	case 76: *v = 0; return 0;
	}
	return 1; /* CUDA_ERROR_INVALID_VALUE */
}

int cuDeviceGetPCIBusId(char *bus, int len, int d)
{
	snprintf(bus, (size_t)len, "0000:%02x:00.0", 0x18 + d);
	return 0;
}

int cuGetErrorName(int r, const char **name)
{
	switch (r) {
	case 3: *name = "CUDA_ERROR_NOT_INITIALIZED"; return 0;
	case 100: *name = "CUDA_ERROR_NO_DEVICE"; return 0;
	case 101: *name = "CUDA_ERROR_INVALID_DEVICE"; return 0;
	case 2: *name = "CUDA_ERROR_OUT_OF_MEMORY"; return 0;
	case 218: *name = "CUDA_ERROR_INVALID_PTX"; return 0;
	case 719: *name = "CUDA_ERROR_LAUNCH_FAILED"; return 0;
	}
	return 1;
}

/* ---- Added for the CUDA backend tests (kernels/cuda): a context, modules,
 * launches, memory and events. "Device" memory is host memory, so copies
 * are real and kernels do nothing (their outputs then fail verification).
 * More FAKE_CUDA_MODE values:
 *   modfail      cuModuleLoadData fails with CUDA_ERROR_INVALID_PTX (218)
 *   launchfail   cuLaunchKernel fails with CUDA_ERROR_LAUNCH_FAILED (719)
 *   allocfail    cuMemAlloc_v2 fails with CUDA_ERROR_OUT_OF_MEMORY (2)
 *   sm80         the device is compute capability 8.0 (no sm_90a kernels)
 *   ctxcrash     cuCtxCreate dereferences NULL: the probe (which creates no
 *                context) passes, the bench's measurement crashes
 *   ctxhang      cuCtxCreate never returns */
static int fake_ctx_token, fake_mod_token, fake_func_token, fake_event_token;

int cuCtxCreate_v2(void **ctx, unsigned int flags, int d)
{
	(void)flags;
	(void)d;
	if (strcmp(mode(), "ctxcrash") == 0)
		raise(SIGSEGV);
	if (strcmp(mode(), "ctxhang") == 0)
		for (;;)
			pause();
	*ctx = &fake_ctx_token;
	return 0;
}

int cuCtxDestroy_v2(void *ctx)
{
	(void)ctx;
	return 0;
}

int cuCtxSetCurrent(void *ctx)
{
	(void)ctx;
	return 0;
}

int cuCtxSynchronize(void)
{
	return 0;
}

int cuModuleLoadData(void **mod, const void *image)
{
	(void)image;
	if (strcmp(mode(), "modfail") == 0)
		return 218;
	*mod = &fake_mod_token;
	return 0;
}

int cuModuleUnload(void *mod)
{
	(void)mod;
	return 0;
}

/* One slot per kernel name, holding what cuFuncSetAttribute allowed it:
 * a launch above 48 KiB of dynamic shared memory fails like the real driver's
 * unless the limit was raised first. */
static struct fake_fn {
	char name[64];
	int max_dyn_smem;
} fake_fns[32];

int cuModuleGetFunction(void **f, void *mod, const char *name)
{
	size_t i;

	(void)mod;
	for (i = 0; i < sizeof fake_fns / sizeof fake_fns[0]; i++) {
		if (!fake_fns[i].name[0])
			snprintf(fake_fns[i].name, sizeof fake_fns[i].name, "%s", name);
		if (strcmp(fake_fns[i].name, name) == 0) {
			*f = &fake_fns[i];
			return 0;
		}
	}
	*f = &fake_func_token;
	return 0;
}

int cuFuncSetAttribute(void *f, int attr, int value)
{
	if (attr != 8 || value > 227 * 1024)   /* MAX_DYNAMIC_SHARED_SIZE_BYTES, H100's 227 KiB */
		return 1;
	if (f != &fake_func_token)
		((struct fake_fn *)f)->max_dyn_smem = value;
	return 0;
}

int cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
		   unsigned bz, unsigned shmem, void *stream, void **params, void **extra)
{
	(void)gx; (void)gy; (void)gz; (void)by; (void)bz;
	(void)stream; (void)params; (void)extra;
	if (strcmp(mode(), "launchfail") == 0)
		return 719;
	if (bx > 1024 || (shmem > 48 * 1024 && (f == &fake_func_token ||
						 (int)shmem > ((struct fake_fn *)f)->max_dyn_smem)))
		return 1;   /* CUDA_ERROR_INVALID_VALUE */
	return 0;
}

/* The checks the real encoder makes that the host could get wrong: rank 2,
 * a 64-byte-aligned map, 16-byte-aligned address and strides, and a box row
 * no wider than the 128-byte swizzle. */
int cuTensorMapEncodeTiled(void *map, int type, unsigned rank, void *addr,
			   const unsigned long long *dim, const unsigned long long *stride,
			   const unsigned *box, const unsigned *estr, int interleave, int swizzle,
			   int l2, int oob)
{
	unsigned es = type == 6 || type == 9 ? 2 : 4;

	(void)l2; (void)oob;
	if (rank != 2 || (uintptr_t)map % 64 || (uintptr_t)addr % 16 || stride[0] % 16 ||
	    interleave != 0 || estr[0] != 1 || estr[1] != 1 || box[1] > 256 || box[0] > 256 ||
	    (swizzle == 3 && box[0] * es > 128) || dim[0] * es > stride[0])
		return 1;
	memset(map, 0x5a, 128);
	return 0;
}

int cuMemAlloc_v2(unsigned long long *p, size_t bytes)
{
	void *m;

	if (strcmp(mode(), "allocfail") == 0)
		return 2;
	m = calloc(1, bytes ? bytes : 1);
	if (!m)
		return 2;
	*p = (unsigned long long)(uintptr_t)m;
	return 0;
}

int cuMemFree_v2(unsigned long long p)
{
	free((void *)(uintptr_t)p);
	return 0;
}

int cuMemAllocHost_v2(void **p, size_t bytes)
{
	*p = malloc(bytes ? bytes : 1);
	return *p ? 0 : 2;
}

int cuMemFreeHost(void *p)
{
	free(p);
	return 0;
}

int cuMemcpyHtoD_v2(unsigned long long dst, const void *src, size_t n)
{
	memcpy((void *)(uintptr_t)dst, src, n);
	return 0;
}

int cuMemcpyDtoH_v2(void *dst, unsigned long long src, size_t n)
{
	memcpy(dst, (const void *)(uintptr_t)src, n);
	return 0;
}

int cuMemcpyDtoD_v2(unsigned long long dst, unsigned long long src, size_t n)
{
	memmove((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, n);
	return 0;
}

int cuMemsetD8_v2(unsigned long long dst, unsigned char v, size_t n)
{
	memset((void *)(uintptr_t)dst, v, n);
	return 0;
}

int cuEventCreate(void **e, unsigned int flags)
{
	(void)flags;
	*e = &fake_event_token;
	return 0;
}

int cuEventDestroy_v2(void *e)
{
	(void)e;
	return 0;
}

int cuEventRecord(void *e, void *stream)
{
	(void)e;
	(void)stream;
	return 0;
}

int cuEventSynchronize(void *e)
{
	(void)e;
	return 0;
}

int cuEventElapsedTime(float *ms, void *a, void *b)
{
	(void)a;
	(void)b;
	*ms = 0.5f;
	return 0;
}

int cuDeviceCanAccessPeer(int *can, int a, int b)
{
	*can = a != b;
	return 0;
}

int cuCtxEnablePeerAccess(void *ctx, unsigned int flags)
{
	(void)ctx;
	(void)flags;
	return 0;
}

int cuMemcpyPeer(unsigned long long dst, void *dctx, unsigned long long src, void *sctx, size_t n)
{
	(void)dctx;
	(void)sctx;
	memcpy((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, n);
	return 0;
}
