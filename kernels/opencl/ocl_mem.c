/* OpenCL device memory bandwidth (read, copy, triad), host<->device
 * transfers (pageable, pinned, mapped) and launch latency (mem.cl). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "kernels/opencl/ocl.h"

enum { PER_ITEM = 16, LOCAL = 64 };

struct kern_run {
	dlp_ocl_dev *d;
	cl_kernel k;
	size_t global, local;
};

static int event_wait(cl_event e, const char *what)
{
	cl_int err = clWaitForEvents(1, &e), st = CL_COMPLETE;

	if (err != CL_SUCCESS)
		return dlp_ocl_fail(err, what);
	if ((err = clGetEventInfo(e, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof st, &st, NULL)))
		return dlp_ocl_fail(err, "clGetEventInfo");
	if (st < 0)
		return dlp_ocl_fail(st, what);
	return 0;
}

static int kern_rep(void *vc, double *elapsed_s)
{
	struct kern_run *c = vc;
	cl_event e = NULL;
	cl_int err;
	int rc = -1;

	err = clEnqueueNDRangeKernel(c->d->q, c->k, 1, NULL, &c->global, &c->local, 0, NULL, &e);
	if (err != CL_SUCCESS) {
		dlp_ocl_fail(err, "clEnqueueNDRangeKernel");
		goto out;
	}
	if (event_wait(e, "bandwidth kernel") != 0 || dlp_ocl_event_span(e, e, elapsed_s) != 0)
		goto out;
	rc = 0;
out:
	if (e)
		clReleaseEvent(e);
	return rc;
}

static cl_mem make_buf(dlp_ocl_dev *d, cl_mem_flags fl, size_t bytes, void *host,
		       const char *what)
{
	cl_int err;
	cl_mem m = clCreateBuffer(d->ctx, fl, bytes, host, &err);

	if (!m)
		dlp_ocl_fail(err, what);
	return m;
}

/* Arguments of bw_read/bw_copy (per, a, out) and bw_triad (per, s, a, b, c). */
static cl_int bw_set_args(cl_kernel k, int words, cl_float s, cl_mem a, cl_mem x, cl_mem y)
{
	cl_int per = PER_ITEM, err;

	err = clSetKernelArg(k, 0, sizeof per, &per);
	if (words == 3) {
		if (!err)
			err = clSetKernelArg(k, 1, sizeof s, &s);
		if (!err)
			err = clSetKernelArg(k, 2, sizeof a, &a);
		if (!err)
			err = clSetKernelArg(k, 3, sizeof x, &x);
		if (!err)
			err = clSetKernelArg(k, 4, sizeof y, &y);
	} else {
		if (!err)
			err = clSetKernelArg(k, 1, sizeof a, &a);
		if (!err)
			err = clSetKernelArg(k, 2, sizeof x, &x);
	}
	return err;
}

/* What the kernel wrote (got), exactly: the inputs are small integers. */
static int bw_check(int words, float s, const float *ha, const float *hb, const float *hc,
		    const float *got, size_t n, size_t nout)
{
	size_t i;

	if (words == 1) {
		for (i = 0; i < nout; i++) {
			double want = 0.0;
			size_t it, c;

			for (it = 0; it < PER_ITEM; it++)
				for (c = 0; c < 4; c++)
					want += ha[(i + it * nout) * 4 + c];
			if (got[i] != (float)want)
				return dlp_error_set("verification failed: read sum %zu is %g, "
						     "expected %g", i, got[i], want);
		}
		return 0;
	}
	for (i = 0; i < n; i++) {
		float want = words == 2 ? ha[i] : hb[i] + s * hc[i];

		if (got[i] != want)
			return dlp_error_set("verification failed: element %zu is %g, expected %g",
					     i, got[i], want);
	}
	return 0;
}

/* The kernel's arrays: a (read, or triad's output), then the output or
 * copy target x, and triad's second input y. -1 when one failed (those
 * made are the caller's to release). */
static int bw_buffers(dlp_ocl_dev *d, int words, size_t bytes, size_t nout, float *ha, float *hb,
		      float *hc, cl_mem *a, cl_mem *x, cl_mem *y)
{
	if (!(*a = make_buf(d, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, bytes, ha,
			    "clCreateBuffer(a)")))
		return -1;
	if (words == 1)
		*x = make_buf(d, CL_MEM_WRITE_ONLY, nout * sizeof(float), NULL, "clCreateBuffer(out)");
	else if (words == 2)
		*x = make_buf(d, CL_MEM_WRITE_ONLY, bytes, NULL, "clCreateBuffer(b)");
	else if ((*x = make_buf(d, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, bytes, hb,
				"clCreateBuffer(b)")))
		*y = make_buf(d, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, bytes, hc,
			      "clCreateBuffer(c)");
	return !*x || (words == 3 && !*y) ? -1 : 0;
}

json_t *dlp_ocl_bandwidth(dlp_ocl_dev *d, cl_program prog, const char *kind, size_t bytes,
			  const dlp_budget *b, int check_limits)
{
	struct kern_run run = { 0 };
	cl_mem a = NULL, x = NULL, y = NULL;
	float *ha = NULL, *hb = NULL, *hc = NULL, *got = NULL;
	json_t *r;
	char name[32], kname[32], why[200];
	int words = 0, ok = 0;
	size_t n, i, nout = 0;
	cl_int err;
	cl_float s = 3.0f;

	snprintf(name, sizeof name, "stream_%s", kind);
	snprintf(kname, sizeof kname, "bw_%s", kind);
	r = dlp_result_new(name, "dlprobe", "fp32");
	if (!r)
		return NULL;
	json_object_set_new(r, "variant", json_string("device"));
	words = strcmp(kind, "read") == 0 ? 1 : strcmp(kind, "copy") == 0 ? 2 :
		strcmp(kind, "triad") == 0 ? 3 : 0;
	if (!words) {
		dlp_error_set("unknown bandwidth kernel '%s'", kind);
		goto out;
	}
	/* Whole work-groups of PER_ITEM float4s per work-item. */
	bytes -= bytes % (16 * PER_ITEM * LOCAL);
	if (bytes == 0)
		bytes = 16 * PER_ITEM * LOCAL;
	json_object_set_new(r, "bytes", json_integer((json_int_t)bytes));
	if (check_limits && bytes > d->max_alloc) {
		snprintf(why, sizeof why, "%zu bytes per array exceed CL_DEVICE_MAX_MEM_ALLOC_SIZE "
			 "(%llu)", bytes, (unsigned long long)d->max_alloc);
		dlp_result_fail(r, DLP_STATUS_SKIPPED, why);
		ok = 1;
		goto out;
	}
	if (check_limits && (cl_ulong)bytes * (cl_ulong)words > d->global_mem / 2) {
		dlp_result_fail(r, DLP_STATUS_SKIPPED, "arrays exceed half of CL_DEVICE_GLOBAL_MEM_SIZE");
		ok = 1;
		goto out;
	}
	n = bytes / sizeof(float);
	run.d = d;
	run.local = LOCAL;
	run.global = n / 4 / PER_ITEM;
	nout = run.global;
	ha = malloc(bytes);
	hb = malloc(bytes);
	hc = malloc(bytes);
	got = malloc(bytes);
	if (!ha || !hb || !hc || !got) {
		dlp_error_set("out of memory for %zu-byte arrays", bytes);
		goto out;
	}
	/* Small integers: every sum below is exact in fp32. */
	for (i = 0; i < n; i++) {
		ha[i] = (float)(i % 8);
		hb[i] = (float)(1 + i % 7);
		hc[i] = (float)(2 + i % 5);
	}
	if (bw_buffers(d, words, bytes, nout, ha, hb, hc, &a, &x, &y) != 0)
		goto out;
	run.k = clCreateKernel(prog, kname, &err);
	if (!run.k) {
		dlp_ocl_fail(err, "clCreateKernel");
		goto out;
	}
	err = bw_set_args(run.k, words, s, a, x, y);
	if (err != CL_SUCCESS) {
		dlp_ocl_fail(err, "clSetKernelArg");
		goto out;
	}
	{
		double dummy;

		if (kern_rep(&run, &dummy) != 0)
			goto out;
	}
	/* Check what the kernel wrote before its time counts. */
	err = clEnqueueReadBuffer(d->q, words == 3 ? a : x, CL_TRUE, 0,
				  words == 1 ? nout * sizeof(float) : bytes, got, 0, NULL, NULL);
	if (err != CL_SUCCESS) {
		dlp_ocl_fail(err, "clEnqueueReadBuffer");
		goto out;
	}
	if (bw_check(words, s, ha, hb, hc, got, n, nout) != 0)
		goto out;
	json_object_set_new(r, "verified", json_true());
	json_object_set_new(r, "max_rel_err", json_real(0.0));
	if (dlp_result_measure(r, kern_rep, &run, b, "rate_gbps",
			       (double)bytes * words * 1e-9) != 0)
		goto out;
	ok = 1;
out:
	if (!ok)
		dlp_result_fail(r, DLP_STATUS_ERROR, dlp_error_message());
	if (run.k)
		clReleaseKernel(run.k);
	if (a)
		clReleaseMemObject(a);
	if (x)
		clReleaseMemObject(x);
	if (y)
		clReleaseMemObject(y);
	free(ha);
	free(hb);
	free(hc);
	free(got);
	return r;
}

/* ---- transfers ------------------------------------------------------------ */
struct xfer_run {
	dlp_ocl_dev *d;
	cl_mem dev;
	void *host;
	size_t bytes;
	int h2d, mapped;
};

static int xfer_rep(void *vc, double *elapsed_s)
{
	struct xfer_run *c = vc;
	cl_event e = NULL;
	cl_int err;
	void *p;
	int rc = -1;

	if (c->mapped) {
		/* Map, copy, unmap: host-clock timed, as an application sees it. */
		p = clEnqueueMapBuffer(c->d->q, c->dev, CL_TRUE, c->h2d ? CL_MAP_WRITE : CL_MAP_READ,
				       0, c->bytes, 0, NULL, NULL, &err);
		if (!p)
			return dlp_ocl_fail(err, "clEnqueueMapBuffer");
		if (c->h2d)
			memcpy(p, c->host, c->bytes);
		else
			memcpy(c->host, p, c->bytes);
		err = clEnqueueUnmapMemObject(c->d->q, c->dev, p, 0, NULL, NULL);
		if (err == CL_SUCCESS)
			err = clFinish(c->d->q);
		if (err != CL_SUCCESS)
			return dlp_ocl_fail(err, "clEnqueueUnmapMemObject");
		return 0;
	}
	if (c->h2d)
		err = clEnqueueWriteBuffer(c->d->q, c->dev, CL_FALSE, 0, c->bytes, c->host, 0, NULL, &e);
	else
		err = clEnqueueReadBuffer(c->d->q, c->dev, CL_FALSE, 0, c->bytes, c->host, 0, NULL, &e);
	if (err != CL_SUCCESS) {
		dlp_ocl_fail(err, c->h2d ? "clEnqueueWriteBuffer" : "clEnqueueReadBuffer");
		goto out;
	}
	if (event_wait(e, "transfer") != 0 || dlp_ocl_event_span(e, e, elapsed_s) != 0)
		goto out;
	rc = 0;
out:
	if (e)
		clReleaseEvent(e);
	return rc;
}

json_t *dlp_ocl_transfer(dlp_ocl_dev *d, const char *dir, const char *variant, size_t bytes,
			 const dlp_budget *b, int check_limits)
{
	struct xfer_run run = { 0 };
	cl_mem pin = NULL;
	void *plain = NULL, *pinp = NULL;
	unsigned char *check = NULL;
	json_t *r;
	char why[200];
	cl_int err;
	size_t i;
	int ok = 0;

	r = dlp_result_new(dir, "dlprobe", NULL);
	if (!r)
		return NULL;
	json_object_set_new(r, "variant", json_string(variant));
	json_object_set_new(r, "bytes", json_integer((json_int_t)bytes));
	run.d = d;
	run.bytes = bytes;
	run.h2d = strcmp(dir, DLP_KERNEL_H2D) == 0;
	run.mapped = strcmp(variant, "mapped") == 0;
	if (check_limits && bytes > d->max_alloc) {
		snprintf(why, sizeof why, "%zu bytes exceed CL_DEVICE_MAX_MEM_ALLOC_SIZE (%llu)",
			 bytes, (unsigned long long)d->max_alloc);
		dlp_result_fail(r, DLP_STATUS_SKIPPED, why);
		ok = 1;
		goto out;
	}
	if (!(run.dev = make_buf(d, CL_MEM_READ_WRITE, bytes, NULL, "clCreateBuffer(device)")))
		goto out;
	if (strcmp(variant, "pinned") == 0) {
		/* OpenCL has no pinned allocator; an ALLOC_HOST_PTR buffer mapped
		 * once is the page-locked memory the drivers hand out. */
		if (!(pin = make_buf(d, CL_MEM_READ_WRITE | CL_MEM_ALLOC_HOST_PTR, bytes, NULL,
				     "clCreateBuffer(pinned host)")))
			goto out;
		pinp = clEnqueueMapBuffer(d->q, pin, CL_TRUE, CL_MAP_READ | CL_MAP_WRITE, 0, bytes,
					  0, NULL, NULL, &err);
		if (!pinp) {
			dlp_ocl_fail(err, "clEnqueueMapBuffer(pinned host)");
			goto out;
		}
		run.host = pinp;
	} else {
		if (posix_memalign(&plain, 4096, bytes) != 0) {
			dlp_error_set("out of memory for a %zu-byte host buffer", bytes);
			goto out;
		}
		run.host = plain;
	}
	check = malloc(bytes);
	if (!check) {
		dlp_error_set("out of memory for a %zu-byte host buffer", bytes);
		goto out;
	}
	for (i = 0; i < bytes; i++)
		check[i] = (unsigned char)(i * 131u + 7u);
	/* One checked transfer: the bytes arrive where they should. */
	if (run.h2d) {
		double dummy;

		memcpy(run.host, check, bytes);
		if (xfer_rep(&run, &dummy) != 0)
			goto out;
		memset(run.host, 0, bytes);
		err = clEnqueueReadBuffer(d->q, run.dev, CL_TRUE, 0, bytes, run.host, 0, NULL, NULL);
		if (err != CL_SUCCESS) {
			dlp_ocl_fail(err, "clEnqueueReadBuffer(check)");
			goto out;
		}
	} else {
		double dummy;

		err = clEnqueueWriteBuffer(d->q, run.dev, CL_TRUE, 0, bytes, check, 0, NULL, NULL);
		if (err != CL_SUCCESS) {
			dlp_ocl_fail(err, "clEnqueueWriteBuffer(check)");
			goto out;
		}
		memset(run.host, 0, bytes);
		if (xfer_rep(&run, &dummy) != 0)
			goto out;
	}
	if (memcmp(run.host, check, bytes) != 0) {
		dlp_error_set("verification failed: the %s bytes differ from those sent", dir);
		goto out;
	}
	json_object_set_new(r, "verified", json_true());
	json_object_set_new(r, "max_rel_err", json_real(0.0));
	if (dlp_result_measure(r, xfer_rep, &run, b, "rate_gbps",
			       (double)bytes * 1e-9) != 0)
		goto out;
	ok = 1;
out:
	if (!ok)
		dlp_result_fail(r, DLP_STATUS_ERROR, dlp_error_message());
	if (pinp) {
		clEnqueueUnmapMemObject(d->q, pin, pinp, 0, NULL, NULL);
		clFinish(d->q);
	}
	if (pin)
		clReleaseMemObject(pin);
	if (run.dev)
		clReleaseMemObject(run.dev);
	free(plain);
	free(check);
	return r;
}

/* ---- launch latency -------------------------------------------------------- */
static int launch_rep(void *vc, double *elapsed_s)
{
	struct kern_run *c = vc;
	cl_int err;

	/* Host-clock timed (elapsed stays negative): enqueue to completion is
	 * what a framework waits for between dependent small kernels. */
	(void)elapsed_s;
	err = clEnqueueNDRangeKernel(c->d->q, c->k, 1, NULL, &c->global, &c->local, 0, NULL, NULL);
	if (err != CL_SUCCESS)
		return dlp_ocl_fail(err, "clEnqueueNDRangeKernel(noop)");
	err = clFinish(c->d->q);
	if (err != CL_SUCCESS)
		return dlp_ocl_fail(err, "clFinish");
	return 0;
}

json_t *dlp_ocl_launch_latency(dlp_ocl_dev *d, cl_program prog, const dlp_budget *b)
{
	struct kern_run run = { 0 };
	cl_mem p = NULL;
	json_t *r;
	cl_int err, got = 0;
	int ok = 0;

	r = dlp_result_new(DLP_KERNEL_LAUNCH_LATENCY, "dlprobe", NULL);
	if (!r)
		return NULL;
	json_object_set_new(r, "variant", json_string("enqueue+finish"));
	run.d = d;
	run.global = run.local = 1;
	if (!(p = make_buf(d, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, sizeof got, &got,
			   "clCreateBuffer")))
		goto out;
	run.k = clCreateKernel(prog, "noop", &err);
	if (!run.k) {
		dlp_ocl_fail(err, "clCreateKernel(noop)");
		goto out;
	}
	if ((err = clSetKernelArg(run.k, 0, sizeof p, &p)) != CL_SUCCESS) {
		dlp_ocl_fail(err, "clSetKernelArg");
		goto out;
	}
	if (launch_rep(&run, NULL) != 0)
		goto out;
	err = clEnqueueReadBuffer(d->q, p, CL_TRUE, 0, sizeof got, &got, 0, NULL, NULL);
	if (err != CL_SUCCESS) {
		dlp_ocl_fail(err, "clEnqueueReadBuffer");
		goto out;
	}
	if (got != 42) {
		dlp_error_set("verification failed: the empty kernel did not run");
		goto out;
	}
	json_object_set_new(r, "verified", json_true());
	if (dlp_result_measure(r, launch_rep, &run, b, "latency_s",
			       0.0) != 0)
		goto out;
	ok = 1;
out:
	if (!ok)
		dlp_result_fail(r, DLP_STATUS_ERROR, dlp_error_message());
	if (run.k)
		clReleaseKernel(run.k);
	if (p)
		clReleaseMemObject(p);
	return r;
}
