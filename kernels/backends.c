#include <string.h>

#include "kernels/backend.h"

extern const dlp_backend dlp_backend_cpu;
extern const dlp_backend dlp_backend_opencl;
extern const dlp_backend dlp_backend_cuda;

const dlp_backend *const dlp_backends[] = {
	&dlp_backend_cpu,
	&dlp_backend_opencl,
	&dlp_backend_cuda,
	NULL,
};

const dlp_backend *dlp_backend_find(const char *name)
{
	size_t i;

	for (i = 0; dlp_backends[i]; i++)
		if (strcmp(dlp_backends[i]->name, name) == 0)
			return dlp_backends[i];
	return NULL;
}

/* The GPU backends load vendor drivers; the CPU backend runs only dlprobe's
 * own code and the system BLAS in the process. */
static const dlp_backend *const isolated[] = {
	&dlp_backend_opencl,
	&dlp_backend_cuda,
	NULL,
};

int dlp_backend_isolated(const dlp_backend *b)
{
	size_t i;

	for (i = 0; isolated[i]; i++)
		if (isolated[i] == b)
			return 1;
	return 0;
}
