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
	if (dlp_ocl_event_wait(e, "bandwidth kernel") != 0 || dlp_ocl_event_span(e, e, elapsed_s) != 0)
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

/* One bandwidth kernel: its host arrays, device buffers and the kernel. */
struct bw {
	struct kern_run run;
	int words;              /* arrays it streams: 1 read, 2 copy, 3 triad */
	size_t bytes, n, nout;  /* bytes per array, floats per array, read's outputs */
	cl_float s;             /* triad's scalar */
	float *ha, *hb, *hc, *got;
	cl_mem a, x, y;         /* a (read, or triad's output), then the output or copy
				 * target x, and triad's second input y */
};

static int bw_words(const char *kind)
{
	return strcmp(kind, "read") == 0 ? 1 : strcmp(kind, "copy") == 0 ? 2 :
	       strcmp(kind, "triad") == 0 ? 3 : 0;
}

/* Why arrays of bytes cannot be allocated on d, or NULL. */
static const char *bw_limit(const dlp_ocl_dev *d, size_t bytes, int words, char *why, size_t len)
{
	if (bytes > d->max_alloc) {
		snprintf(why, len, "%zu bytes per array exceed CL_DEVICE_MAX_MEM_ALLOC_SIZE "
			 "(%llu)", bytes, (unsigned long long)d->max_alloc);
		return why;
	}
	if ((cl_ulong)bytes * (cl_ulong)words > d->global_mem / 2)
		return "arrays exceed half of CL_DEVICE_GLOBAL_MEM_SIZE";
	return NULL;
}

/* The kernel's arrays on the device: -1 when one failed (those made are
 * released by bw_release). */
static int bw_buffers(struct bw *w)
{
	dlp_ocl_dev *d = w->run.d;

	if (!(w->a = make_buf(d, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, w->bytes, w->ha,
			      "clCreateBuffer(a)")))
		return -1;
	if (w->words == 1)
		w->x = make_buf(d, CL_MEM_WRITE_ONLY, w->nout * sizeof(float), NULL, "clCreateBuffer(out)");
	else if (w->words == 2)
		w->x = make_buf(d, CL_MEM_WRITE_ONLY, w->bytes, NULL, "clCreateBuffer(b)");
	else if ((w->x = make_buf(d, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, w->bytes, w->hb,
				  "clCreateBuffer(b)")))
		w->y = make_buf(d, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, w->bytes, w->hc,
				"clCreateBuffer(c)");
	return !w->x || (w->words == 3 && !w->y) ? -1 : 0;
}

/* The host arrays, the device buffers and kernel kname with its arguments,
 * for w->bytes per array. */
static int bw_setup(struct bw *w, cl_program prog, const char *kname)
{
	size_t i;
	cl_int err;

	w->n = w->bytes / sizeof(float);
	w->run.local = LOCAL;
	w->run.global = w->n / 4 / PER_ITEM;
	w->nout = w->run.global;
	w->ha = malloc(w->bytes);
	w->hb = malloc(w->bytes);
	w->hc = malloc(w->bytes);
	w->got = malloc(w->bytes);
	if (!w->ha || !w->hb || !w->hc || !w->got)
		return dlp_error_set("out of memory for %zu-byte arrays", w->bytes);
	/* Small integers: every sum below is exact in fp32. */
	for (i = 0; i < w->n; i++) {
		w->ha[i] = (float)(i % 8);
		w->hb[i] = (float)(1 + i % 7);
		w->hc[i] = (float)(2 + i % 5);
	}
	if (bw_buffers(w) != 0)
		return -1;
	w->run.k = clCreateKernel(prog, kname, &err);
	if (!w->run.k)
		return dlp_ocl_fail(err, "clCreateKernel");
	err = bw_set_args(w->run.k, w->words, w->s, w->a, w->x, w->y);
	if (err != CL_SUCCESS)
		return dlp_ocl_fail(err, "clSetKernelArg");
	return 0;
}

/* One run, then what the kernel wrote, checked before its time counts. */
static int bw_verify(struct bw *w)
{
	double dummy;
	cl_int err;

	if (kern_rep(&w->run, &dummy) != 0)
		return -1;
	err = clEnqueueReadBuffer(w->run.d->q, w->words == 3 ? w->a : w->x, CL_TRUE, 0,
				  w->words == 1 ? w->nout * sizeof(float) : w->bytes, w->got, 0, NULL, NULL);
	if (err != CL_SUCCESS)
		return dlp_ocl_fail(err, "clEnqueueReadBuffer");
	return bw_check(w->words, w->s, w->ha, w->hb, w->hc, w->got, w->n, w->nout);
}

static void bw_release(struct bw *w)
{
	cl_mem *m[] = { &w->a, &w->x, &w->y };
	size_t i;

	if (w->run.k)
		clReleaseKernel(w->run.k);
	for (i = 0; i < sizeof m / sizeof m[0]; i++)
		if (*m[i])
			clReleaseMemObject(*m[i]);
	free(w->ha);
	free(w->hb);
	free(w->hc);
	free(w->got);
}

json_t *dlp_ocl_bandwidth(dlp_ocl_dev *d, cl_program prog, const char *kind, size_t bytes,
			  const dlp_budget *b, int check_limits)
{
	struct bw w = { 0 };
	json_t *r;
	char name[32], kname[32], why[200];
	const char *lim;
	int ok = 0;

	snprintf(name, sizeof name, "stream_%s", kind);
	snprintf(kname, sizeof kname, "bw_%s", kind);
	r = dlp_result_new(name, "dlprobe", "fp32");
	if (!r)
		return NULL;
	json_object_set_new(r, "variant", json_string("device"));
	if (!(w.words = bw_words(kind))) {
		dlp_error_set("unknown bandwidth kernel '%s'", kind);
		goto out;
	}
	/* Whole work-groups of PER_ITEM float4s per work-item. */
	bytes -= bytes % (16 * PER_ITEM * LOCAL);
	if (bytes == 0)
		bytes = 16 * PER_ITEM * LOCAL;
	json_object_set_new(r, "bytes", json_integer((json_int_t)bytes));
	if (check_limits && (lim = bw_limit(d, bytes, w.words, why, sizeof why))) {
		dlp_result_fail(r, DLP_STATUS_SKIPPED, lim);
		ok = 1;
		goto out;
	}
	w.run.d = d;
	w.bytes = bytes;
	w.s = 3.0f;
	if (bw_setup(&w, prog, kname) != 0 || bw_verify(&w) != 0)
		goto out;
	json_object_set_new(r, "verified", json_true());
	json_object_set_new(r, "max_rel_err", json_real(0.0));
	if (dlp_result_measure(r, kern_rep, &w.run, b, "rate_gbps",
			       (double)bytes * w.words * 1e-9) != 0)
		goto out;
	ok = 1;
out:
	if (!ok)
		dlp_result_fail(r, DLP_STATUS_ERROR, dlp_error_message());
	bw_release(&w);
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
	if (dlp_ocl_event_wait(e, "transfer") != 0 || dlp_ocl_event_span(e, e, elapsed_s) != 0)
		goto out;
	rc = 0;
out:
	if (e)
		clReleaseEvent(e);
	return rc;
}

/* The host side of a transfer (into run->host): page-locked or plain. */
struct xfer_host {
	cl_mem pin;
	void *pinp, *plain;
};

static int xfer_host_alloc(struct xfer_run *run, const char *variant, struct xfer_host *h)
{
	dlp_ocl_dev *d = run->d;
	cl_int err;

	if (strcmp(variant, "pinned") == 0) {
		/* OpenCL has no pinned allocator; an ALLOC_HOST_PTR buffer mapped
		 * once is the page-locked memory the drivers hand out. */
		if (!(h->pin = make_buf(d, CL_MEM_READ_WRITE | CL_MEM_ALLOC_HOST_PTR, run->bytes, NULL,
					"clCreateBuffer(pinned host)")))
			return -1;
		h->pinp = clEnqueueMapBuffer(d->q, h->pin, CL_TRUE, CL_MAP_READ | CL_MAP_WRITE, 0,
					     run->bytes, 0, NULL, NULL, &err);
		if (!h->pinp)
			return dlp_ocl_fail(err, "clEnqueueMapBuffer(pinned host)");
		run->host = h->pinp;
		return 0;
	}
	if (posix_memalign(&h->plain, 4096, run->bytes) != 0) {
		h->plain = NULL;
		return dlp_error_set("out of memory for a %zu-byte host buffer", run->bytes);
	}
	run->host = h->plain;
	return 0;
}

static void xfer_host_free(dlp_ocl_dev *d, struct xfer_host *h)
{
	if (h->pinp) {
		clEnqueueUnmapMemObject(d->q, h->pin, h->pinp, 0, NULL, NULL);
		clFinish(d->q);
	}
	if (h->pin)
		clReleaseMemObject(h->pin);
	free(h->plain);
}

/* The untimed, blocking copies that check a transfer (dlp_transfer_verify). */
static int xfer_upload(void *vc, const void *src)
{
	struct xfer_run *c = vc;
	cl_int err = clEnqueueWriteBuffer(c->d->q, c->dev, CL_TRUE, 0, c->bytes, src, 0, NULL, NULL);

	return err != CL_SUCCESS ? dlp_ocl_fail(err, "clEnqueueWriteBuffer(check)") : 0;
}

static int xfer_download(void *vc, void *dst)
{
	struct xfer_run *c = vc;
	cl_int err = clEnqueueReadBuffer(c->d->q, c->dev, CL_TRUE, 0, c->bytes, dst, 0, NULL, NULL);

	return err != CL_SUCCESS ? dlp_ocl_fail(err, "clEnqueueReadBuffer(check)") : 0;
}

json_t *dlp_ocl_transfer(dlp_ocl_dev *d, const char *dir, const char *variant, size_t bytes,
			 const dlp_budget *b, int check_limits)
{
	struct xfer_run run = { 0 };
	struct xfer_host h = { 0 };
	dlp_transfer_check chk = { .what = dir, .bytes = bytes, .transfer = xfer_rep,
				   .upload = xfer_upload, .download = xfer_download, .ctx = &run };
	json_t *r;
	char why[200];
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
	if (!(run.dev = make_buf(d, CL_MEM_READ_WRITE, bytes, NULL, "clCreateBuffer(device)")) ||
	    xfer_host_alloc(&run, variant, &h) != 0)
		goto out;
	chk.h2d = run.h2d;
	chk.host = run.host;
	if (dlp_transfer_verify(&chk) != 0)
		goto out;
	json_object_set_new(r, "verified", json_true());
	json_object_set_new(r, "max_rel_err", json_real(0.0));
	if (dlp_result_measure(r, xfer_rep, &run, b, "rate_gbps",
			       (double)bytes * 1e-9) != 0)
		goto out;
	ok = 1;
out:
	if (!ok)
		dlp_result_fail(r, DLP_STATUS_ERROR, dlp_error_message());
	xfer_host_free(d, &h);
	if (run.dev)
		clReleaseMemObject(run.dev);
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
