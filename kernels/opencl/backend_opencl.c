/* The OpenCL backend: every device of every platform, measured with
 * dlprobe's own kernels (gemm.cl, mem.cl) and CLBlast as the reference.
 * Program builds are timed on their own and never inside a measurement. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "kernels/backend.h"
#include "kernels/opencl/ocl.h"

#define MIB (1024u * 1024u)

void dlp_ocl_cfg_from_opts(dlp_ocl_cfg *c, const dlp_bench_opts *o)
{
	int full = o && o->full;
	double bs = o && o->budget_s > 0.0 ? o->budget_s : full ? 1.0 : 0.25;

	memset(c, 0, sizeof *c);
	c->budget = (dlp_budget){ .warmups = 1, .budget_s = bs, .min_samples = 3, .max_samples = 500 };
	c->tune_budget = (dlp_budget){ .warmups = 0, .budget_s = bs < 0.1 ? bs : 0.1,
				       .min_samples = 2, .max_samples = 50 };
	if (full) {
		c->tune_n = 1024;
		c->gemm_n[0] = 512;
		c->gemm_n[1] = 1024;
		c->gemm_n[2] = 2048;
		c->other_n = 1024;
		c->bw_bytes = 256 * MIB;
		c->xfer_bytes = 256 * MIB;
		c->clblast = 1;
	} else {
		/* Tuned at the shape it reports: the best variant at 512 is not
		 * always the best at 1024 on PoCL. */
		c->tune_n = 1024;
		c->gemm_n[0] = 1024;
		c->other_n = 512;
		c->bw_bytes = 64 * MIB;
		c->xfer_bytes = 64 * MIB;
		/* CLBlast compiles its kernels on its first call: 4-19 s on PoCL,
		 * more than a whole quick run. */
		c->clblast = 0;
		c->clblast_why = "not measured in --quick: CLBlast compiles its kernels on first "
				 "use (4-19 s on PoCL); run --full";
	}
}

static void progress(const dlp_bench_opts *o, const char *what)
{
	if (o && o->progress)
		o->progress(o->progress_user, what);
}

static void add_failed(json_t *results, const char *kernel, const char *impl,
		       const char *dtype, dlp_status st, const char *why)
{
	json_t *r = dlp_result_new(kernel, impl, dtype);

	if (!r)
		return;
	dlp_result_fail(r, st, why);
	json_array_append_new(results, r);
}

/* Build, tune and measure one dtype's GEMM; returns the fp32 results of the
 * measured shapes through own[] (borrowed references) for vs_reference. */
static void bench_gemm(dlp_ocl_dev *d, const dlp_ocl_cfg *c, enum dlp_dtype dt,
		       json_t *results, json_t *builds, json_t *tunes, json_t **own,
		       const dlp_bench_opts *o)
{
	static const char *const opts[DLP_NDTYPE] = {
		[DLP_FP32] = "-cl-mad-enable",
		[DLP_FP64] = "-cl-mad-enable -DDLP_FP64",
		[DLP_FP16] = "-cl-mad-enable -DDLP_FP16",
	};
	const char *dtn = dlp_dtype_name(dt);
	cl_program prog = NULL;
	json_t *tune = NULL;
	char key[32], what[64];
	double build_s = 0.0;
	int chosen, i, tn;

	snprintf(key, sizeof key, "gemm_%s", dtn);
	snprintf(what, sizeof what, "opencl: build gemm %s", dtn);
	progress(o, what);
	if (dlp_ocl_build(d, "kernels/opencl/gemm.cl", opts[dt], &prog, &build_s) != 0) {
		json_object_set_new(builds, key, json_null());
		add_failed(results, DLP_KERNEL_GEMM, "dlprobe", dtn, DLP_STATUS_ERROR, dlp_error_message());
		return;
	}
	json_object_set_new(builds, key, dlp_json_real(build_s));
	tn = dt == DLP_FP32 ? c->tune_n : (c->other_n < c->tune_n ? c->other_n : c->tune_n);
	snprintf(what, sizeof what, "opencl: tune gemm %s", dtn);
	progress(o, what);
	chosen = dlp_ocl_gemm_tune(d, prog, dt, tn, &c->tune_budget, &tune);
	json_object_set_new(tunes, dtn, tune);
	if (chosen < 0) {
		add_failed(results, DLP_KERNEL_GEMM, "dlprobe", dtn, DLP_STATUS_ERROR,
			   "no GEMM kernel variant ran and verified here (see autotune)");
		goto out;
	}
	for (i = 0; i < 4; i++) {
		int n = dt == DLP_FP32 ? c->gemm_n[i] : (i == 0 ? c->other_n : 0);
		json_t *r;

		if (n <= 0)
			break;
		snprintf(what, sizeof what, "opencl: gemm %s n=%d", dtn, n);
		progress(o, what);
		r = dlp_ocl_gemm(d, prog, &dlp_ocl_gemm_kinds[chosen], dt, n, &c->budget, 1, NULL);
		if (!r)
			continue;
		json_object_set_new(r, "autotuned", json_true());
		if (own)
			own[i] = r;
		json_array_append_new(results, r);
	}
out:
	clReleaseProgram(prog);
}

int dlp_ocl_bench_device(dlp_ocl_dev *d, const dlp_ocl_cfg *c, json_t *dev,
			 const dlp_bench_opts *o)
{
	json_t *results = json_object_get(dev, "results"), *builds = json_object(),
	       *tunes = json_object(), *own[4] = { NULL, NULL, NULL, NULL }, *r;
	static const char *const bw[] = { "read", "copy", "triad" };
	static const char *const xv[] = { "pageable", "pinned", "mapped" };
	cl_program mem = NULL;
	double build_s = 0.0;
	size_t i, j;

	bench_gemm(d, c, DLP_FP32, results, builds, tunes, own, o);
	for (i = 0; i < 4 && c->gemm_n[i] > 0; i++) {
		if (!c->clblast) {
			r = dlp_result_new(DLP_KERNEL_GEMM, "clblast", "fp32");
			json_object_set_new(r, "m", json_integer(c->gemm_n[i]));
			json_object_set_new(r, "n", json_integer(c->gemm_n[i]));
			json_object_set_new(r, "k", json_integer(c->gemm_n[i]));
			dlp_result_fail(r, DLP_STATUS_SKIPPED, c->clblast_why);
		} else {
			progress(o, "opencl: CLBlast sgemm (first call compiles)");
			r = dlp_ocl_clblast_sgemm(d, c->gemm_n[i], &c->budget, c->clblast_lib);
		}
		if (!r)
			continue;
		if (own[i])
			dlp_result_vs_reference(own[i], r);
		json_array_append_new(results, r);
	}
	if (d->fp64)
		bench_gemm(d, c, DLP_FP64, results, builds, tunes, NULL, o);
	else
		add_failed(results, DLP_KERNEL_GEMM, "dlprobe", "fp64", DLP_STATUS_UNAVAILABLE,
			   "the device lacks cl_khr_fp64");
	/* fp16 storage with fp32 arithmetic (vload_half) runs on every device. */
	bench_gemm(d, c, DLP_FP16, results, builds, tunes, NULL, o);

	progress(o, "opencl: memory");
	if (dlp_ocl_build(d, "kernels/opencl/mem.cl", "", &mem, &build_s) != 0) {
		json_object_set_new(builds, "mem", json_null());
		add_failed(results, DLP_KERNEL_STREAM_COPY, "dlprobe", "fp32", DLP_STATUS_ERROR,
			   dlp_error_message());
	} else {
		json_object_set_new(builds, "mem", dlp_json_real(build_s));
		for (i = 0; i < 3; i++)
			if ((r = dlp_ocl_bandwidth(d, mem, bw[i], c->bw_bytes, &c->budget, 1)))
				json_array_append_new(results, r);
		progress(o, "opencl: launch latency");
		if ((r = dlp_ocl_launch_latency(d, mem, &c->budget)))
			json_array_append_new(results, r);
		clReleaseProgram(mem);
	}
	progress(o, "opencl: transfers");
	for (i = 0; i < 2; i++)
		for (j = 0; j < 3; j++)
			if ((r = dlp_ocl_transfer(d, i == 0 ? DLP_KERNEL_H2D : DLP_KERNEL_D2H, xv[j], c->xfer_bytes,
						  &c->budget, 1)))
				json_array_append_new(results, r);

	json_object_set_new(dev, "program_build_s", builds);
	json_object_set_new(dev, "autotune", tunes);
	dlp_device_status_from_results(dev);
	return 0;
}

static json_t *device_object(const dlp_ocl_dev *d)
{
	json_t *dev = json_object();

	json_object_set_new(dev, "name", dlp_json_str(d->name));
	json_object_set_new(dev, "type", json_string(dlp_ocl_type_name(d->type)));
	json_object_set_new(dev, "vendor", dlp_json_str(d->vendor));
	json_object_set_new(dev, "platform", dlp_json_str(d->platform_name));
	json_object_set_new(dev, "opencl_version", dlp_json_str(d->version));
	json_object_set_new(dev, "driver_version", dlp_json_str(d->driver));
	json_object_set_new(dev, "memory_bytes", json_integer((json_int_t)d->global_mem));
	json_object_set_new(dev, "max_alloc_bytes", json_integer((json_int_t)d->max_alloc));
	json_object_set_new(dev, "local_mem_bytes", json_integer((json_int_t)d->local_mem));
	json_object_set_new(dev, "max_work_group_size", json_integer((json_int_t)d->max_wg));
	json_object_set_new(dev, "compute_units", json_integer(d->compute_units));
	json_object_set_new(dev, "fp64", json_boolean(d->fp64));
	json_object_set_new(dev, "fp16", json_boolean(d->fp16));
	json_object_set_new(dev, "results", json_array());
	return dev;
}

int dlp_ocl_run_cfg(const dlp_ocl_cfg *c, const dlp_bench_opts *o, json_t *devices)
{
	cl_platform_id *plats = NULL;
	cl_device_id *ids = NULL;
	cl_uint np = 0, nd, p, i;
	cl_int err;
	size_t found = 0;
	char why[160];

	err = clGetPlatformIDs(0, NULL, &np);
	if (err == -1001 || (err == CL_SUCCESS && np == 0)) {
		dlp_devices_append_status(devices, DLP_STATUS_UNAVAILABLE,
			      "no OpenCL platform (CL_PLATFORM_NOT_FOUND_KHR): no ICD installed");
		return 0;
	}
	if (err != CL_SUCCESS) {
		dlp_ocl_fail(err, "clGetPlatformIDs");
		dlp_devices_append_status(devices, DLP_STATUS_ERROR, dlp_error_message());
		return 0;
	}
	plats = calloc(np, sizeof *plats);
	if (!plats || (err = clGetPlatformIDs(np, plats, NULL)) != CL_SUCCESS) {
		dlp_ocl_fail(plats ? err : CL_OUT_OF_HOST_MEMORY, "clGetPlatformIDs");
		dlp_devices_append_status(devices, DLP_STATUS_ERROR, dlp_error_message());
		goto out;
	}
	for (p = 0; p < np; p++) {
		nd = 0;
		err = clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, 0, NULL, &nd);
		if (err == CL_DEVICE_NOT_FOUND || nd == 0)
			continue;
		if (err != CL_SUCCESS) {
			dlp_ocl_fail(err, "clGetDeviceIDs");
			dlp_devices_append_status(devices, DLP_STATUS_ERROR, dlp_error_message());
			continue;
		}
		free(ids);
		ids = calloc(nd, sizeof *ids);
		if (!ids || clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, nd, ids, NULL) != CL_SUCCESS)
			continue;
		for (i = 0; i < nd; i++) {
			dlp_ocl_dev d;
			json_t *dev;

			found++;
			if (dlp_ocl_dev_open(&d, plats[p], ids[i]) != 0) {
				dev = device_object(&d);
				dlp_json_set_status(dev, DLP_STATUS_ERROR, dlp_error_message());
				json_array_append_new(devices, dev);
				dlp_ocl_dev_close(&d);
				continue;
			}
			dev = device_object(&d);
			dlp_ocl_bench_device(&d, c, dev, o);
			json_array_append_new(devices, dev);
			dlp_ocl_dev_close(&d);
		}
	}
	if (!found) {
		snprintf(why, sizeof why, "%u OpenCL platform(s) but no device", (unsigned)np);
		dlp_devices_append_status(devices, DLP_STATUS_UNAVAILABLE, why);
	}
out:
	free(ids);
	free(plats);
	return 0;
}

static int run(const dlp_bench_opts *o, json_t *devices)
{
	dlp_ocl_cfg c;

	dlp_ocl_cfg_from_opts(&c, o);
	return dlp_ocl_run_cfg(&c, o, devices);
}

const dlp_backend dlp_backend_opencl = { "opencl", run, 0 };
