#include "dlprobe/dlprobe.h"

/* DLP_HAVE_CUDA_PTX is defined by the Makefile when nvcc built the kernels. */
const char *dlp_build_backends(void)
{
	return "cpu opencl cuda";
}

int dlp_build_cuda_kernels(void)
{
#ifdef DLP_HAVE_CUDA_PTX
	return 1;
#else
	return 0;
#endif
}
