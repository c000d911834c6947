/* The CUDA backend: host code on the driver API loaded at run time
 * (probe/cuda_driver.c), dlprobe's kernels as PTX embedded at build time
 * (kernels/cuda/NAME.cu) and loaded with cuModuleLoadData, cuBLAS and NVML
 * loaded at run time when present. Kernel times are CUDA events; copies
 * through the driver's synchronous calls are timed on the host clock.
 * This file is the device loop; the measurement families live in
 * cu_module.c (modules), cu_host.c (host data), cu_gemm.c (own GEMMs),
 * cu_blas.c (cuBLAS, cuBLASLt) and cu_mem.c (copy, transfer, latency, peer). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "kernels/backend.h"
#include "kernels/cuda/cu_impl.h"

#define MIB ((size_t)1 << 20)

void dlp_cu_cfg_from_opts(dlp_cu_cfg *c, const dlp_bench_opts *o)
{
	int full = o && o->full;
	double bs = o && o->budget_s > 0.0 ? o->budget_s : full ? 1.0 : 0.25;

	memset(c, 0, sizeof *c);
	c->budget = (dlp_budget){ .warmups = 2, .budget_s = bs, .min_samples = 3, .max_samples = 500 };
	if (full) {
		c->gemm_n[0] = 2048;
		c->gemm_n[1] = 4096;
		c->gemm_n[2] = 8192;
		c->bw_bytes = 1024 * MIB;
		c->xfer_bytes = 512 * MIB;
	} else {
		c->gemm_n[0] = 4096;
		c->bw_bytes = 256 * MIB;
		c->xfer_bytes = 256 * MIB;
	}
	c->cublas = 1;
}

void dlp_cu_progress(const dlp_bench_opts *o, const char *what)
{
	if (o && o->progress)
		o->progress(o->progress_user, what);
}

static void dev_close(struct cu_dev *d)
{
	if (!d->ctx)
		return;
	d->api->cuCtxSetCurrent(d->ctx);
	if (d->blas_handle)
		d->blas->destroy(d->blas_handle);
	if (d->lt_handle)
		d->lt->destroy(d->lt_handle);
	if (d->e0)
		d->api->cuEventDestroy(d->e0);
	if (d->e1)
		d->api->cuEventDestroy(d->e1);
	dlp_cu_modules_unload(d);
	d->api->cuCtxDestroy(d->ctx);
	d->ctx = NULL;
}

static json_t *dev_object(struct cu_dev *d, const dlp_cu_cfg *c)
{
	json_t *dev = json_object();
	char name[256] = "", pci[64] = "";
	size_t mem = 0;
	int v = -1;

	d->api->cuDeviceGetName(name, sizeof name, d->dev);
	d->api->cuDeviceTotalMem(&mem, d->dev);
	d->api->cuDeviceGetAttribute(&d->ccmaj, DLP_CU_ATTR_COMPUTE_CAPABILITY_MAJOR, d->dev);
	d->api->cuDeviceGetAttribute(&d->ccmin, DLP_CU_ATTR_COMPUTE_CAPABILITY_MINOR, d->dev);
	d->api->cuDeviceGetAttribute(&d->sms, DLP_CU_ATTR_MULTIPROCESSOR_COUNT, d->dev);
	if (d->sms <= 0)
		d->sms = 1;
	json_object_set_new(dev, "name", dlp_json_str(name));
	json_object_set_new(dev, "type", json_string("gpu"));
	json_object_set_new(dev, "ordinal", json_integer(d->ord));
	json_object_set_new(dev, "memory_bytes", mem ? json_integer((json_int_t)mem) : json_null());
	{
		char cc[16];

		snprintf(cc, sizeof cc, "%d.%d", d->ccmaj, d->ccmin);
		json_object_set_new(dev, "compute_capability", json_string(cc));
	}
	json_object_set_new(dev, "sm_count", json_integer(d->sms));
	if (d->api->cuDeviceGetAttribute(&v, DLP_CU_ATTR_CLOCK_RATE, d->dev) == 0 && v > 0)
		json_object_set_new(dev, "clock_mhz", json_real(v / 1000.0));
	if (d->api->cuDeviceGetPCIBusId && d->api->cuDeviceGetPCIBusId(pci, sizeof pci, d->dev) == 0) {
		json_object_set_new(dev, "pci_bus_id", json_string(pci));
		json_object_set_new(dev, "nvml", dlp_cu_nvml_info(c->nvml_lib, pci));
	}
	json_object_set_new(dev, "cuda_kernels_built", json_boolean(dlp_build_cuda_kernels()));
	json_object_set_new(dev, "results", json_array());
	return dev;
}

/* cuBLAS and cuBLASLt, loaded once for every device (or why not). */
struct cu_libs {
	dlp_cu_blas blas;
	dlp_cu_blaslt lt;
	int have_blas, have_lt;
	char why[256], lt_why[256];
};

static void libs_load(struct cu_libs *l, const dlp_cu_cfg *c)
{
	memset(l, 0, sizeof *l);
	if (!c->cublas) {
		snprintf(l->why, sizeof l->why, "cuBLAS not requested");
		snprintf(l->lt_why, sizeof l->lt_why, "cuBLASLt not requested");
		return;
	}
	l->have_blas = dlp_cu_blas_load(&l->blas, c->cublas_lib, l->why, sizeof l->why) == 0;
	l->have_lt = dlp_cu_blaslt_load(&l->lt, c->cublaslt_lib, l->lt_why, sizeof l->lt_why) == 0;
}

/* Open device d->ord: its object (appended to devices, *obj), context,
 * events, modules and library handles. 0 when it can be measured; else
 * the object (or an entry in its place) says why. */
static int dev_open(struct cu_dev *d, const dlp_cu_cfg *c, const dlp_bench_opts *o,
		    struct cu_libs *l, json_t *devices, json_t **obj)
{
	dlp_cuda_api *api = d->api;
	dlp_cu_result r;
	json_t *dev;

	if ((r = api->cuDeviceGet(&d->dev, d->ord)) != 0) {
		dlp_cu_fail(api, r, "cuDeviceGet");
		dlp_devices_append_status(devices, DLP_STATUS_ERROR, dlp_error_message());
		return -1;
	}
	dev = *obj = dev_object(d, c);
	json_array_append_new(devices, dev);
	if ((r = api->cuCtxCreate(&d->ctx, 0, d->dev)) != 0) {
		d->ctx = NULL;
		dlp_cu_fail(api, r, "cuCtxCreate");
		dlp_json_set_status(dev, DLP_STATUS_ERROR, dlp_error_message());
		return -1;
	}
	if ((r = api->cuEventCreate(&d->e0, 0)) != 0 || (r = api->cuEventCreate(&d->e1, 0)) != 0) {
		dlp_cu_fail(api, r, "cuEventCreate");
		dlp_json_set_status(dev, DLP_STATUS_ERROR, dlp_error_message());
		return -1;
	}
	dlp_cu_progress(o, "cuda: load kernels");
	dlp_cu_modules_load(d);
	json_object_set_new(dev, "module", json_string(d->mod[MOD_BASE] ? "ok"
								: d->mod_why[MOD_BASE]));
	dlp_cu_vendor_open(d, l->have_blas ? &l->blas : NULL, l->why, l->have_lt ? &l->lt : NULL,
			   l->lt_why, dev);
	return 0;
}

static void dev_measure(struct cu_dev *d, const dlp_cu_cfg *c, const dlp_bench_opts *o,
			json_t *results)
{
	int k;

	for (k = 0; k < 4 && c->gemm_n[k] > 0; k++)
		dlp_cu_bench_gemm(d, c, o, c->gemm_n[k], results);
	dlp_cu_progress(o, "cuda: memory");
	dlp_cu_bench_d2d(d, c, results);
	dlp_cu_progress(o, "cuda: transfers");
	dlp_cu_bench_xfer(d, c, results);
	dlp_cu_bench_latency(d, c, results);
}

int dlp_cu_run_api(dlp_cuda_api *api, const dlp_cu_cfg *c, const dlp_bench_opts *o,
		   json_t *devices)
{
	struct cu_dev *devs = NULL;
	json_t **objs = NULL;
	struct cu_libs libs;
	char why[256], b[64];
	const char *miss;
	dlp_cu_result r;
	int n = 0, i, j;

	r = api->cuInit(0);
	if (r == DLP_CUDA_ERROR_NO_DEVICE) {
		dlp_devices_append_status(devices, DLP_STATUS_UNAVAILABLE,
					  "no CUDA device (CUDA_ERROR_NO_DEVICE)");
		goto out;
	}
	if (r != 0 || (r = api->cuDeviceGetCount(&n)) != 0) {
		snprintf(why, sizeof why, "%s (%d) at cuInit", dlp_cuda_error_name(api, r, b, sizeof b), r);
		dlp_devices_append_status(devices, DLP_STATUS_ERROR, why);
		goto out;
	}
	if (n <= 0) {
		dlp_devices_append_status(devices, DLP_STATUS_UNAVAILABLE,
					  "the CUDA driver reports no device");
		goto out;
	}
	if ((miss = dlp_cu_missing_symbol(api))) {
		snprintf(why, sizeof why, "the CUDA driver %.160s lacks %s", api->path, miss);
		dlp_devices_append_status(devices, DLP_STATUS_ERROR, why);
		goto out;
	}
	devs = calloc((size_t)n, sizeof *devs);
	objs = calloc((size_t)n, sizeof *objs);
	if (!devs || !objs) {
		dlp_devices_append_status(devices, DLP_STATUS_ERROR, "out of memory");
		goto out;
	}
	libs_load(&libs, c);
	for (i = 0; i < n; i++) {
		devs[i].api = api;
		devs[i].ord = i;
		if (dev_open(&devs[i], c, o, &libs, devices, &objs[i]) == 0)
			dev_measure(&devs[i], c, o, json_object_get(objs[i], "results"));
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (i != j && devs[i].ctx && devs[j].ctx) {
				dlp_cu_progress(o, "cuda: peer to peer");
				api->cuCtxSetCurrent(devs[i].ctx);
				dlp_cu_bench_peer(&devs[i], &devs[j], c,
						  json_object_get(objs[i], "results"));
			}
	for (i = 0; i < n; i++)
		if (objs[i] && devs[i].ctx)
			dlp_device_status_from_results(objs[i]);
out:
	for (i = 0; devs && i < n; i++)
		dev_close(&devs[i]);
	/* cuBLAS and cuBLASLt stay loaded: unloading them with the driver still up is not
	 * something its static state is known to survive. */
	free(devs);
	free(objs);
	return 0;
}

static int run(const dlp_bench_opts *o, json_t *devices)
{
	dlp_cuda_api api;
	dlp_cu_cfg c;
	int rc;

	if (dlp_cuda_load(&api) != 0) {
		dlp_devices_append_status(devices, DLP_STATUS_UNAVAILABLE, dlp_error_message());
		return 0;
	}
	dlp_cu_cfg_from_opts(&c, o);
	rc = dlp_cu_run_api(&api, &c, o, devices);
	dlp_cuda_unload(&api);
	return rc;
}

const dlp_backend dlp_backend_cuda = { "cuda", run, 0 };
