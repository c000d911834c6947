/* An OpenCL ICD whose platform query crashes, as broken vendor drivers do
 * (clinfo#35, #64). Loaded by the ICD loader through OCL_ICD_VENDORS; dlprobe
 * must turn the crash into an error entry, not die. FAKE_ICD_MODE=hang makes
 * it block forever instead. */
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int clIcdGetPlatformIDsKHR(unsigned int n, void **platforms, unsigned int *count)
{
	const char *m = getenv("FAKE_ICD_MODE");

	(void)n; (void)platforms; (void)count;
	if (m && strcmp(m, "hang") == 0)
		for (;;)
			pause();
	raise(SIGSEGV);
	return -1001;
}

int clGetPlatformInfo(void *platform, unsigned int what, size_t size, void *value, size_t *ret)
{
	(void)platform; (void)what; (void)size; (void)value; (void)ret;
	return -32; /* CL_INVALID_PLATFORM */
}

/* ocl-icd finds both entry points through this, not through dlsym, and skips
 * a vendor that lacks either. */
void *clGetExtensionFunctionAddress(const char *name)
{
	if (strcmp(name, "clIcdGetPlatformIDsKHR") == 0)
		return (void *)clIcdGetPlatformIDsKHR;
	if (strcmp(name, "clGetPlatformInfo") == 0)
		return (void *)clGetPlatformInfo;
	return NULL;
}
