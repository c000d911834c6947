#define CL_TARGET_OPENCL_VERSION 300
#include <CL/cl.h>

/* cl_khr_icd: the loader found no platform at all (cl_ext.h value). */
#ifndef CL_PLATFORM_NOT_FOUND_KHR
#define CL_PLATFORM_NOT_FOUND_KHR -1001
#endif
#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/isolate.h"
#include "dlprobe/dlprobe.h"
#include "dlprobe/json.h"
#include "probe/opencl.h"

#define MAX_PLATFORMS 16
#define MAX_DEVICES 64
/* Where the ocl-icd loader looks for vendor files unless OCL_ICD_VENDORS says. */
#define ICD_VENDORS_DIR "/etc/OpenCL/vendors"
#define MAX_ICD_FILES 16

/* Fixed-size records: they cross the pipe from the child as raw bytes. */
struct cl_dev_rec {
	int platform;
	char name[256], vendor[128], version[128], driver_version[64], c_version[64];
	char type[16];
	unsigned compute_units, clock_mhz;
	unsigned long long global_mem, local_mem, max_alloc;
	unsigned long long max_work_group;
	int fp16, fp64;
};

struct cl_plat_rec {
	char name[128], vendor[128], version[128];
	int ndev;
	int dev_status;               /* cl error of clGetDeviceIDs, 0 ok */
};

struct cl_answer {
	int nplat, ndev;
	int plat_status;              /* clGetPlatformIDs result */
	char no_platform_why[512];    /* with no platform: what the vendor libraries say, "" if none */
	struct cl_plat_rec plat[MAX_PLATFORMS];
	struct cl_dev_rec dev[MAX_DEVICES];
};

static const char *type_name(cl_device_type t)
{
	if (t & CL_DEVICE_TYPE_GPU)
		return "gpu";
	if (t & CL_DEVICE_TYPE_ACCELERATOR)
		return "accelerator";
	if (t & CL_DEVICE_TYPE_CPU)
		return "cpu";
	return "other";
}

static void dev_str(cl_device_id d, cl_device_info what, char *buf, size_t len)
{
	buf[0] = '\0';
	if (clGetDeviceInfo(d, what, len, buf, NULL) != CL_SUCCESS)
		buf[0] = '\0';
	buf[len - 1] = '\0';
}

static void describe(cl_device_id d, struct cl_dev_rec *r)
{
	cl_device_type type = 0;
	cl_uint u = 0;
	cl_ulong ul = 0;
	size_t sz = 0;
	char ext[8192];

	dev_str(d, CL_DEVICE_NAME, r->name, sizeof r->name);
	dev_str(d, CL_DEVICE_VENDOR, r->vendor, sizeof r->vendor);
	dev_str(d, CL_DEVICE_VERSION, r->version, sizeof r->version);
	dev_str(d, CL_DRIVER_VERSION, r->driver_version, sizeof r->driver_version);
	dev_str(d, CL_DEVICE_OPENCL_C_VERSION, r->c_version, sizeof r->c_version);
	if (clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof type, &type, NULL) == CL_SUCCESS)
		snprintf(r->type, sizeof r->type, "%s", type_name(type));
	if (clGetDeviceInfo(d, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof u, &u, NULL) == CL_SUCCESS)
		r->compute_units = u;
	if (clGetDeviceInfo(d, CL_DEVICE_MAX_CLOCK_FREQUENCY, sizeof u, &u, NULL) == CL_SUCCESS)
		r->clock_mhz = u;
	if (clGetDeviceInfo(d, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof ul, &ul, NULL) == CL_SUCCESS)
		r->global_mem = ul;
	if (clGetDeviceInfo(d, CL_DEVICE_LOCAL_MEM_SIZE, sizeof ul, &ul, NULL) == CL_SUCCESS)
		r->local_mem = ul;
	if (clGetDeviceInfo(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof ul, &ul, NULL) == CL_SUCCESS)
		r->max_alloc = ul;
	if (clGetDeviceInfo(d, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof sz, &sz, NULL) == CL_SUCCESS)
		r->max_work_group = sz;
	dev_str(d, CL_DEVICE_EXTENSIONS, ext, sizeof ext);
	r->fp16 = strstr(ext, "cl_khr_fp16") != NULL;
	/* fp64: the extension, or a non-zero double config on OpenCL 3.0 */
	{
		cl_device_fp_config fc = 0;
		r->fp64 = strstr(ext, "cl_khr_fp64") != NULL ||
			  (clGetDeviceInfo(d, CL_DEVICE_DOUBLE_FP_CONFIG, sizeof fc, &fc, NULL) == CL_SUCCESS && fc);
	}
}

/* One vendor library, loaded as the ICD loader would: "" when it loads, else
 * the dynamic loader's reason (a memory limit shows here as "failed to map
 * segment", which the ICD loader swallows). */
static void try_vendor(const char *icd, const char *lib, char *why, size_t len)
{
	size_t used = strlen(why);
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	const char *err = h ? NULL : dlerror();

	if (used + 2 >= len)
		return;
	snprintf(why + used, len - used, "%s%s (%s) %s%s", used ? "; " : "", icd, lib,
		 h ? "loads but offers no platform" : "failed to load: ", err ? err : "");
	/* never dlclose a vendor library: some do not survive it */
}

/* A vendor file names its library on the first line. */
static int read_icd(const char *path, const char *name, char *why, size_t len)
{
	char lib[512];
	FILE *f = fopen(path, "r");
	int found = 0;

	if (!f)
		return 0;
	if (fgets(lib, sizeof lib, f)) {
		lib[strcspn(lib, "\r\n")] = '\0';
		if (lib[0]) {
			try_vendor(name, lib, why, len);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && strcmp(s + n - k, suffix) == 0;
}

/* The ICD loader says only "no platform": ask each vendor file's library.
 * OCL_ICD_VENDORS, as ocl-icd reads it, is a directory, one .icd file or a
 * library name. */
static void diagnose_no_platform(char *why, size_t len)
{
	const char *env = getenv("OCL_ICD_VENDORS");
	const char *dir = ICD_VENDORS_DIR;
	struct dirent *e;
	DIR *d;
	int n = 0;

	why[0] = '\0';
	if (env && *env) {
		if (has_suffix(env, ".icd")) {
			read_icd(env, env, why, len);
			return;
		}
		if (!(d = opendir(env))) {
			try_vendor("OCL_ICD_VENDORS", env, why, len);
			return;
		}
		closedir(d);
		dir = env;
	}
	if (!(d = opendir(dir)))
		return;
	while ((e = readdir(d)) && n < MAX_ICD_FILES) {
		char path[1024];

		if (!has_suffix(e->d_name, ".icd"))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		n += read_icd(path, e->d_name, why, len);
	}
	closedir(d);
}

static int enumerate(void *arg, void *buf, size_t cap, size_t *len)
{
	struct cl_answer *a = buf;
	cl_platform_id plats[MAX_PLATFORMS];
	cl_uint np = 0;
	int i;

	(void)arg;
	if (cap < sizeof *a)
		return dlp_error_set("answer buffer too small");
	memset(a, 0, sizeof *a);
	a->plat_status = clGetPlatformIDs(MAX_PLATFORMS, plats, &np);
	if (a->plat_status == CL_SUCCESS) {
		a->nplat = (int)(np > MAX_PLATFORMS ? MAX_PLATFORMS : np);
		for (i = 0; i < a->nplat; i++) {
			struct cl_plat_rec *p = &a->plat[i];
			cl_device_id devs[MAX_DEVICES];
			cl_uint nd = 0, j;

			clGetPlatformInfo(plats[i], CL_PLATFORM_NAME, sizeof p->name, p->name, NULL);
			clGetPlatformInfo(plats[i], CL_PLATFORM_VENDOR, sizeof p->vendor, p->vendor, NULL);
			clGetPlatformInfo(plats[i], CL_PLATFORM_VERSION, sizeof p->version, p->version, NULL);
			p->name[sizeof p->name - 1] = p->vendor[sizeof p->vendor - 1] = '\0';
			p->version[sizeof p->version - 1] = '\0';
			p->dev_status = clGetDeviceIDs(plats[i], CL_DEVICE_TYPE_ALL, MAX_DEVICES, devs, &nd);
			if (p->dev_status != CL_SUCCESS)
				continue;
			for (j = 0; j < nd && a->ndev < MAX_DEVICES; j++) {
				a->dev[a->ndev].platform = i;
				describe(devs[j], &a->dev[a->ndev]);
				a->ndev++;
				p->ndev++;
			}
		}
	}
	if (a->plat_status == CL_PLATFORM_NOT_FOUND_KHR || (a->plat_status == CL_SUCCESS && a->nplat == 0))
		diagnose_no_platform(a->no_platform_why, sizeof a->no_platform_why);
	*len = sizeof *a;
	return 0;
}

json_t *dlp_opencl_probe(double timeout_s)
{
	struct cl_answer *a = calloc(1, sizeof *a);
	json_t *o = json_object(), *plats = json_array();
	size_t len = 0;
	int i, d;

	json_object_set_new(o, "platforms", plats);
	if (!a) {
		dlp_json_set_status(o, DLP_STATUS_ERROR, "out of memory");
		goto out;
	}
	if (dlp_isolate_run(enumerate, NULL, a, sizeof *a, &len, timeout_s) != 0 || len != sizeof *a) {
		char why[600];
		snprintf(why, sizeof why, "OpenCL enumeration %s", len ? "answered garbage" : dlp_error_message());
		dlp_json_set_status(o, DLP_STATUS_ERROR, why);
		goto out;
	}
	if (a->plat_status == CL_PLATFORM_NOT_FOUND_KHR || (a->plat_status == CL_SUCCESS && a->nplat == 0)) {
		char why[700];

		a->no_platform_why[sizeof a->no_platform_why - 1] = '\0';
		if (a->no_platform_why[0])
			snprintf(why, sizeof why, "no OpenCL platform loaded: %s", a->no_platform_why);
		else
			snprintf(why, sizeof why, "no OpenCL platform installed (ICD loader found none)");
		dlp_json_set_status(o, DLP_STATUS_UNAVAILABLE, why);
		goto out;
	}
	if (a->plat_status != CL_SUCCESS) {
		char why[96];
		snprintf(why, sizeof why, "clGetPlatformIDs failed (error %d)", a->plat_status);
		dlp_json_set_status(o, DLP_STATUS_ERROR, why);
		goto out;
	}
	for (i = 0; i < a->nplat; i++) {
		json_t *p = json_object(), *devs = json_array();

		json_object_set_new(p, "name", dlp_json_str(a->plat[i].name));
		json_object_set_new(p, "vendor", dlp_json_str(a->plat[i].vendor));
		json_object_set_new(p, "version", dlp_json_str(a->plat[i].version));
		if (a->plat[i].dev_status == CL_DEVICE_NOT_FOUND || (a->plat[i].dev_status == 0 && a->plat[i].ndev == 0)) {
			dlp_json_set_status(p, DLP_STATUS_UNAVAILABLE, "platform has no device");
		} else if (a->plat[i].dev_status != CL_SUCCESS) {
			char why[96];
			snprintf(why, sizeof why, "clGetDeviceIDs failed (error %d)", a->plat[i].dev_status);
			dlp_json_set_status(p, DLP_STATUS_ERROR, why);
		} else {
			dlp_json_set_status(p, DLP_STATUS_OK, NULL);
		}
		for (d = 0; d < a->ndev; d++) {
			const struct cl_dev_rec *r = &a->dev[d];
			json_t *e;

			if (r->platform != i)
				continue;
			e = json_object();
			json_object_set_new(e, "name", dlp_json_str(r->name));
			json_object_set_new(e, "vendor", dlp_json_str(r->vendor));
			json_object_set_new(e, "version", dlp_json_str(r->version));
			json_object_set_new(e, "driver_version", dlp_json_str(r->driver_version));
			json_object_set_new(e, "opencl_c_version", dlp_json_str(r->c_version));
			json_object_set_new(e, "type", dlp_json_str(r->type));
			json_object_set_new(e, "compute_units", json_integer(r->compute_units));
			json_object_set_new(e, "clock_mhz", r->clock_mhz ? json_integer(r->clock_mhz) : json_null());
			json_object_set_new(e, "global_memory_bytes", json_integer((json_int_t)r->global_mem));
			json_object_set_new(e, "local_memory_bytes", json_integer((json_int_t)r->local_mem));
			json_object_set_new(e, "max_alloc_bytes", json_integer((json_int_t)r->max_alloc));
			json_object_set_new(e, "max_work_group_size", json_integer((json_int_t)r->max_work_group));
			json_object_set_new(e, "fp16", json_boolean(r->fp16));
			json_object_set_new(e, "fp64", json_boolean(r->fp64));
			dlp_json_set_status(e, DLP_STATUS_OK, NULL);
			json_array_append_new(devs, e);
		}
		json_object_set_new(p, "devices", devs);
		json_array_append_new(plats, p);
	}
	dlp_json_set_status(o, a->ndev ? DLP_STATUS_OK : DLP_STATUS_UNAVAILABLE,
			    a->ndev ? NULL : "no OpenCL device on any platform");
out:
	free(a);
	return o;
}
