/* CUDA memory measurements: device copy bandwidth (dlprobe's kernels and
 * cuMemcpyDtoD), host<->device transfers (pinned and pageable), launch
 * latency and peer-to-peer copies. */
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "kernels/cuda/cu_impl.h"

struct copy_run {
	struct cu_dev *d;
	dlp_cu_function f;       /* NULL: cuMemcpyDtoD */
	int oneshot;             /* dlp_copy_f4_oneshot: one vector per thread */
	dlp_cu_deviceptr a, b;
	size_t bytes;
};

static int copy_rep(void *vc, double *elapsed_s)
{
	struct copy_run *c = vc;
	struct cu_dev *d = c->d;
	float ms = 0.0f;
	int rc = -1;

	CU(d, d->api->cuEventRecord(d->e0, NULL), "cuEventRecord");
	if (c->f) {
		size_t n4 = c->bytes / 16;
		/* grid-stride: four waves of 8 blocks of 256 per SM */
		unsigned grid = c->oneshot ? (unsigned)((n4 + 255) / 256)
					   : (unsigned)(n4 / 256 < (size_t)d->sms * 32 ? n4 / 256
										  : (size_t)d->sms * 32);
		void *args[] = { &n4, &c->a, &c->b };

		CU(d, d->api->cuLaunchKernel(c->f, grid ? grid : 1, 1, 1, 256, 1, 1, 0, NULL, args,
					     NULL), "cuLaunchKernel(copy)");
	} else {
		CU(d, d->api->cuMemcpyDtoD(c->b, c->a, c->bytes), "cuMemcpyDtoD");
	}
	CU(d, d->api->cuEventRecord(d->e1, NULL), "cuEventRecord");
	CU(d, d->api->cuEventSynchronize(d->e1), "cuEventSynchronize (the copy failed)");
	CU(d, d->api->cuEventElapsedTime(&ms, d->e0, d->e1), "cuEventElapsedTime");
	if (elapsed_s)
		*elapsed_s = (double)ms * 1e-3;
	rc = 0;
out:
	return rc;
}

void dlp_cu_bench_d2d(struct cu_dev *d, const dlp_cu_cfg *c, json_t *results)
{
	unsigned char *src = NULL, *got = NULL;
	struct copy_run cr = { 0 };
	size_t bytes = c->bw_bytes - c->bw_bytes % 4096;
	int pass;

	cr.d = d;
	cr.bytes = bytes;
	src = malloc(bytes);
	got = malloc(bytes);
	/* dlprobe's two copy kernels, then the driver's own copy */
	for (pass = 0; pass < 3; pass++) {
		static const char *const vname[] = { "dlp_copy_f4", "dlp_copy_f4_oneshot",
						     "cuMemcpyDtoD" };
		json_t *r = dlp_result_new(DLP_KERNEL_D2D, "dlprobe", NULL);
		int ok = 0;

		json_object_set_new(r, "variant", json_string(vname[pass]));
		json_object_set_new(r, "bytes", json_integer((json_int_t)bytes));
		json_object_set_new(r, "counts", json_string("read+write"));
		json_array_append_new(results, r);
		cr.f = NULL;
		cr.oneshot = pass == 1;
		if (pass < 2) {
			if (!d->mod[MOD_BASE]) {
				dlp_result_fail(r, d->mod_st[MOD_BASE], d->mod_why[MOD_BASE]);
				continue;
			}
			CU(d, d->api->cuModuleGetFunction(&cr.f, d->mod[MOD_BASE], vname[pass]),
			   "cuModuleGetFunction(copy kernel)");
		}
		if (!src || !got) {
			dlp_error_set("out of memory for %zu-byte host buffers", bytes);
			goto out;
		}
		if (!cr.a)
			CU(d, d->api->cuMemAlloc(&cr.a, bytes), "cuMemAlloc");
		if (!cr.b)
			CU(d, d->api->cuMemAlloc(&cr.b, bytes), "cuMemAlloc");
		dlp_fill_bytes(src, bytes, (unsigned)pass);
		CU(d, d->api->cuMemcpyHtoD(cr.a, src, bytes), "cuMemcpyHtoD");
		if (copy_rep(&cr, NULL) != 0)
			goto out;
		CU(d, d->api->cuMemcpyDtoH(got, cr.b, bytes), "cuMemcpyDtoH");
		if (memcmp(src, got, bytes) != 0) {
			dlp_error_set("verification failed: the copy differs from its source");
			goto out;
		}
		json_object_set_new(r, "verified", json_true());
		json_object_set_new(r, "max_rel_err", json_real(0.0));
		if (dlp_result_measure(r, copy_rep, &cr, &c->budget, "rate_gbps",
				       2.0 * (double)bytes * 1e-9) != 0)
			goto out;
		ok = 1;
out:
		if (!ok)
			dlp_result_fail(r, DLP_STATUS_ERROR, dlp_error_message());
	}
	if (cr.a)
		d->api->cuMemFree(cr.a);
	if (cr.b)
		d->api->cuMemFree(cr.b);
	free(src);
	free(got);
}

struct xfer_run {
	struct cu_dev *d;
	void *host;
	dlp_cu_deviceptr dev;
	size_t bytes;
	int h2d;
};

static int xfer_rep(void *vc, double *elapsed_s)
{
	struct xfer_run *x = vc;
	struct cu_dev *d = x->d;
	int rc = -1;

	/* Host clock: the synchronous copy as an application waits for it. */
	(void)elapsed_s;
	if (x->h2d)
		CU(d, d->api->cuMemcpyHtoD(x->dev, x->host, x->bytes), "cuMemcpyHtoD");
	else
		CU(d, d->api->cuMemcpyDtoH(x->host, x->dev, x->bytes), "cuMemcpyDtoH");
	rc = 0;
out:
	return rc;
}

/* The untimed copies that check a transfer (dlp_transfer_verify). */
static int xfer_upload(void *vc, const void *src)
{
	struct xfer_run *x = vc;
	struct cu_dev *d = x->d;
	int rc = -1;

	CU(d, d->api->cuMemcpyHtoD(x->dev, src, x->bytes), "cuMemcpyHtoD");
	rc = 0;
out:
	return rc;
}

static int xfer_download(void *vc, void *dst)
{
	struct xfer_run *x = vc;
	struct cu_dev *d = x->d;
	int rc = -1;

	CU(d, d->api->cuMemcpyDtoH(dst, x->dev, x->bytes), "cuMemcpyDtoH");
	rc = 0;
out:
	return rc;
}

void dlp_cu_bench_xfer(struct cu_dev *d, const dlp_cu_cfg *c, json_t *results)
{
	int dir, pinned;

	for (dir = 0; dir < 2; dir++)
		for (pinned = 1; pinned >= 0; pinned--) {
			struct xfer_run x = { d, NULL, 0, c->xfer_bytes, dir == 0 };
			const char *kernel = dir == 0 ? DLP_KERNEL_H2D : DLP_KERNEL_D2H;
			dlp_transfer_check chk = { .what = kernel, .h2d = x.h2d, .bytes = x.bytes,
						   .transfer = xfer_rep, .upload = xfer_upload,
						   .download = xfer_download, .ctx = &x };
			json_t *r = dlp_result_new(kernel, "dlprobe", NULL);
			int ok = 0;

			json_object_set_new(r, "variant", json_string(pinned ? "pinned" : "pageable"));
			json_object_set_new(r, "bytes", json_integer((json_int_t)x.bytes));
			json_array_append_new(results, r);
			if (pinned && (!d->api->cuMemAllocHost || !d->api->cuMemFreeHost)) {
				dlp_result_fail(r, DLP_STATUS_UNAVAILABLE,
						"the CUDA driver lacks cuMemAllocHost_v2");
				continue;
			}
			if (pinned)
				CU(d, d->api->cuMemAllocHost(&x.host, x.bytes), "cuMemAllocHost");
			else if (!(x.host = malloc(x.bytes))) {
				dlp_error_set("out of memory for a %zu-byte host buffer", x.bytes);
				goto out;
			}
			CU(d, d->api->cuMemAlloc(&x.dev, x.bytes), "cuMemAlloc");
			chk.host = x.host;
			if (dlp_transfer_verify(&chk) != 0)
				goto out;
			json_object_set_new(r, "verified", json_true());
			json_object_set_new(r, "max_rel_err", json_real(0.0));
			if (dlp_result_measure(r, xfer_rep, &x, &c->budget, "rate_gbps",
					       (double)x.bytes * 1e-9) != 0)
				goto out;
			ok = 1;
out:
			if (!ok)
				dlp_result_fail(r, DLP_STATUS_ERROR, dlp_error_message());
			if (x.dev)
				d->api->cuMemFree(x.dev);
			if (x.host && pinned)
				d->api->cuMemFreeHost(x.host);
			else
				free(x.host);
		}
}

struct launch_run {
	struct cu_dev *d;
	dlp_cu_function f;
	dlp_cu_deviceptr p;
};

static int launch_rep(void *vc, double *elapsed_s)
{
	struct launch_run *l = vc;
	struct cu_dev *d = l->d;
	void *args[] = { &l->p };
	int rc = -1;

	/* Host clock: launch to completion, what dependent small kernels wait for. */
	(void)elapsed_s;
	CU(d, d->api->cuLaunchKernel(l->f, 1, 1, 1, 1, 1, 1, 0, NULL, args, NULL),
	   "cuLaunchKernel(dlp_noop)");
	CU(d, d->api->cuCtxSynchronize(), "cuCtxSynchronize (the kernel failed)");
	rc = 0;
out:
	return rc;
}

void dlp_cu_bench_latency(struct cu_dev *d, const dlp_cu_cfg *c, json_t *results)
{
	struct launch_run l = { d, NULL, 0 };
	json_t *r = dlp_result_new(DLP_KERNEL_LAUNCH_LATENCY, "dlprobe", NULL);
	int got = 0, ok = 0;

	json_object_set_new(r, "variant", json_string("launch+synchronize"));
	json_array_append_new(results, r);
	if (!d->mod[MOD_BASE]) {
		dlp_result_fail(r, d->mod_st[MOD_BASE], d->mod_why[MOD_BASE]);
		return;
	}
	CU(d, d->api->cuModuleGetFunction(&l.f, d->mod[MOD_BASE], "dlp_noop"), "cuModuleGetFunction(dlp_noop)");
	CU(d, d->api->cuMemAlloc(&l.p, sizeof got), "cuMemAlloc");
	CU(d, d->api->cuMemcpyHtoD(l.p, &got, sizeof got), "cuMemcpyHtoD");
	if (launch_rep(&l, NULL) != 0)
		goto out;
	CU(d, d->api->cuMemcpyDtoH(&got, l.p, sizeof got), "cuMemcpyDtoH");
	if (got != 42) {
		dlp_error_set("verification failed: the empty kernel did not run");
		goto out;
	}
	json_object_set_new(r, "verified", json_true());
	l.p = 0;
	if (dlp_result_measure(r, launch_rep, &l, &c->budget, "latency_s",
			       0.0) != 0)
		goto out;
	ok = 1;
out:
	if (!ok)
		dlp_result_fail(r, DLP_STATUS_ERROR, dlp_error_message());
	if (l.p)
		d->api->cuMemFree(l.p);
}

struct peer_run {
	struct cu_dev *src, *dst;
	dlp_cu_deviceptr a, b;
	size_t bytes;
};

static int peer_rep(void *vc, double *elapsed_s)
{
	struct peer_run *p = vc;
	struct cu_dev *d = p->src;
	int rc = -1;

	(void)elapsed_s;
	CU(d, d->api->cuMemcpyPeer(p->b, p->dst->ctx, p->a, p->src->ctx, p->bytes), "cuMemcpyPeer");
	CU(d, d->api->cuCtxSynchronize(), "cuCtxSynchronize");
	rc = 0;
out:
	return rc;
}

void dlp_cu_bench_peer(struct cu_dev *s, struct cu_dev *t, const dlp_cu_cfg *c, json_t *results)
{
	struct peer_run p = { s, t, 0, 0, c->xfer_bytes };
	json_t *r = dlp_result_new(DLP_KERNEL_P2P, "dlprobe", NULL);
	int can = 0, ok = 0;
	dlp_cu_result e;

	json_object_set_new(r, "peer", json_integer(t->ord));
	json_object_set_new(r, "bytes", json_integer((json_int_t)p.bytes));
	json_array_append_new(results, r);
	if (!s->api->cuDeviceCanAccessPeer || !s->api->cuCtxEnablePeerAccess ||
	    !s->api->cuMemcpyPeer) {
		dlp_result_fail(r, DLP_STATUS_UNAVAILABLE, "the CUDA driver lacks the peer calls");
		return;
	}
	CU(s, s->api->cuDeviceCanAccessPeer(&can, s->dev, t->dev), "cuDeviceCanAccessPeer");
	json_object_set_new(r, "variant", json_string(can ? "peer access" : "staged by the driver"));
	CU(s, s->api->cuCtxSetCurrent(t->ctx), "cuCtxSetCurrent");
	CU(s, s->api->cuMemAlloc(&p.b, p.bytes), "cuMemAlloc(peer)");
	CU(s, s->api->cuCtxSetCurrent(s->ctx), "cuCtxSetCurrent");
	CU(s, s->api->cuMemAlloc(&p.a, p.bytes), "cuMemAlloc");
	/* 704: CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED */
	if (can && (e = s->api->cuCtxEnablePeerAccess(t->ctx, 0)) != 0 && e != 704) {
		dlp_cu_fail(s->api, e, "cuCtxEnablePeerAccess");
		goto out;
	}
	if (peer_rep(&p, NULL) != 0)
		goto out;
	json_object_set_new(r, "verified", json_false());
	if (dlp_result_measure(r, peer_rep, &p, &c->budget, "rate_gbps",
			       (double)p.bytes * 1e-9) != 0)
		goto out;
	/* The bytes are not compared: the copy is the driver's own call. */
	json_object_set_new(r, "verified", json_false());
	ok = 1;
out:
	if (!ok)
		dlp_result_fail(r, DLP_STATUS_ERROR, dlp_error_message());
	if (p.a)
		s->api->cuMemFree(p.a);
	if (p.b && s->api->cuCtxSetCurrent(t->ctx) == 0) {
		s->api->cuMemFree(p.b);
	}
	s->api->cuCtxSetCurrent(s->ctx);
}
