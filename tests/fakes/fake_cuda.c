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
	case 75: *v = 9; return 0;
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
	}
	return 1;
}
