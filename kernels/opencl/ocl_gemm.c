/* OpenCL GEMM: dlprobe's kernels (gemm.cl) with a short auto-tune (CLBlast,
 * the reference, is in ocl_clblast.c). Every output is checked against a
 * double-precision CPU reference before its time counts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "kernels/opencl/ocl.h"

/* Local sizes of the CPU-shaped kinds: PoCL runs a work-group's items one
 * after another on one thread, so 4x1 makes four row blocks in a row reuse
 * one B panel; 1x4 reuses one A panel instead (the two tie within noise on
 * PoCL 3.1, Zen 5). mr12 does not divide 1024: it runs on a zero-padded A.
 * mr4 leaves registers for fp64 (a double16 is two zmm). */
const dlp_ocl_gemm_kind dlp_ocl_gemm_kinds[] = {
	{ "gemm_pb32_mr8", DLP_OCL_PACKED_B, 8, 0, 0, 4, 1, 32 },
	{ "gemm_pb32_mr8", DLP_OCL_PACKED_B, 8, 0, 0, 1, 4, 32 },
	{ "gemm_packed32_mr8", DLP_OCL_PACKED, 8, 0, 0, 4, 1, 32 },
	{ "gemm_packed32_mr12", DLP_OCL_PACKED, 12, 0, 0, 4, 1, 32 },
	{ "gemm_packed32_mr4", DLP_OCL_PACKED, 4, 0, 0, 4, 1, 32 },
	{ "gemm_packed_mr16", DLP_OCL_PACKED, 16, 0, 0, 4, 1, 16 },
	{ "gemm_packed_mr8", DLP_OCL_PACKED, 8, 0, 0, 4, 1, 16 },
	{ "gemm_cpu_mr8", DLP_OCL_CPU, 8, 0, 0, 4, 1, 16 },
	{ "gemm_tiled_wg16_rt4", DLP_OCL_TILED, 0, 64, 16, 16, 16, 0 },
	{ "gemm_tiled_wg8_rt4", DLP_OCL_TILED, 0, 32, 16, 8, 8, 0 },
	{ NULL, 0, 0, 0, 0, 0, 0, 0 },
};

static void kind_name(const dlp_ocl_gemm_kind *k, char *buf, size_t len)
{
	snprintf(buf, len, "%s/local%zux%zu", k->kernel, k->lx, k->ly);
}

void dlp_ocl_gemm_host_free(struct dlp_ocl_gemm_host *h)
{
	free(h->af);
	free(h->bf);
	free(h->ha);
	free(h->hb);
	free(h->hc);
	memset(h, 0, sizeof *h);
}

int dlp_ocl_gemm_host_init(struct dlp_ocl_gemm_host *h, enum dlp_dtype dt, int n)
{
	size_t nn = (size_t)n * (size_t)n, i;

	memset(h, 0, sizeof *h);
	h->n = n;
	h->dt = dt;
	h->elem = dlp_dtype_size(dt);
	h->celem = dt == DLP_FP64 ? 8 : 4;
	h->af = malloc(nn * sizeof(float));
	h->bf = malloc(nn * sizeof(float));
	h->ha = malloc(nn * h->elem);
	h->hb = malloc(nn * h->elem);
	h->hc = malloc(nn * h->celem);
	if (!h->af || !h->bf || !h->ha || !h->hb || !h->hc) {
		dlp_ocl_gemm_host_free(h);
		return dlp_error_set("out of memory for %dx%d GEMM inputs", n, n);
	}
	dlp_fill_normal_f32(h->af, nn, 12345);
	dlp_fill_normal_f32(h->bf, nn, 67890);
	for (i = 0; i < nn; i++) {
		switch (dt) {
		case DLP_FP16: {
			uint16_t a = dlp_f32_to_f16(h->af[i]), b = dlp_f32_to_f16(h->bf[i]);

			((uint16_t *)h->ha)[i] = a;
			((uint16_t *)h->hb)[i] = b;
			h->af[i] = dlp_f16_to_f32(a);
			h->bf[i] = dlp_f16_to_f32(b);
			break;
		}
		case DLP_FP64:
			((double *)h->ha)[i] = h->af[i];
			((double *)h->hb)[i] = h->bf[i];
			break;
		default:
			((float *)h->ha)[i] = h->af[i];
			((float *)h->hb)[i] = h->bf[i];
			break;
		}
	}
	return 0;
}

/* Check h->hc on sampled entries against a double reference (kernels/host.c). */
static int host_verify(const struct dlp_ocl_gemm_host *h, double *max_err)
{
	const dlp_gemm_sample_check g = { (size_t)h->n, h->af, h->bf, 0, h->hc, h->celem == 8,
					  h->dt == DLP_FP64 ? 1e-12 : 1e-5 };

	return dlp_gemm_check_sampled(&g, max_err);
}

struct gemm_run {
	dlp_ocl_dev *d;
	cl_kernel pa, pb, g;
	size_t gpa[2], gpb[2], gg[2], lg[2];
};

static int gemm_rep(void *vc, double *elapsed_s)
{
	struct gemm_run *c = vc;
	cl_event e0 = NULL, e1 = NULL;
	cl_int err;
	int rc = -1;

	/* e0 is the first packing kernel queued (in-order queue). */
	if (c->pa) {
		err = clEnqueueNDRangeKernel(c->d->q, c->pa, 2, NULL, c->gpa, NULL, 0, NULL, &e0);
		if (err != CL_SUCCESS) {
			dlp_ocl_fail(err, "clEnqueueNDRangeKernel(pack_a)");
			goto out;
		}
	}
	if (c->pb) {
		err = clEnqueueNDRangeKernel(c->d->q, c->pb, 2, NULL, c->gpb, NULL, 0, NULL,
					     e0 ? NULL : &e0);
		if (err != CL_SUCCESS) {
			dlp_ocl_fail(err, "clEnqueueNDRangeKernel(pack_b)");
			goto out;
		}
	}
	err = clEnqueueNDRangeKernel(c->d->q, c->g, 2, NULL, c->gg, c->lg, 0, NULL, &e1);
	if (err != CL_SUCCESS) {
		dlp_ocl_fail(err, "clEnqueueNDRangeKernel(gemm)");
		goto out;
	}
	if (dlp_ocl_event_wait(e1, "gemm kernel") != 0)
		goto out;
	/* Packing is part of the GEMM: its time counts. */
	if (dlp_ocl_event_span(e0 ? e0 : e1, e1, elapsed_s) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0 && e0)
		clFinish(c->d->q);
	if (e0)
		clReleaseEvent(e0);
	if (e1)
		clReleaseEvent(e1);
	return rc;
}

int dlp_ocl_gemm_verify_and_measure(dlp_ocl_dev *d, cl_mem C, struct dlp_ocl_gemm_host *h, int n,
				    dlp_rep_fn rep, void *run, const dlp_budget *b, json_t *r)
{
	double max_err = 0.0;
	cl_int err;
	int rc = -1;

	err = clEnqueueReadBuffer(d->q, C, CL_TRUE, 0, (size_t)n * (size_t)n * h->celem, h->hc, 0,
				  NULL, NULL);
	if (err != CL_SUCCESS) {
		dlp_ocl_fail(err, "clEnqueueReadBuffer(C)");
		goto out;
	}
	if (host_verify(h, &max_err) != 0) {
		json_object_set_new(r, "max_rel_err", dlp_json_real(max_err));
		goto out;
	}
	json_object_set_new(r, "verified", json_true());
	json_object_set_new(r, "max_rel_err", dlp_json_real(max_err));
	if (dlp_result_measure(r, rep, run, b, "rate_gflops",
			       2.0 * (double)n * n * n * 1e-9) != 0)
		goto out;
	rc = 0;
out:
	return rc;
}

void dlp_ocl_gemm_result_shape(json_t *r, int n, const char *variant)
{
	json_object_set_new(r, "m", json_integer(n));
	json_object_set_new(r, "n", json_integer(n));
	json_object_set_new(r, "k", json_integer(n));
	json_object_set_new(r, "variant", dlp_json_str(variant));
}

static size_t kind_nr(const dlp_ocl_gemm_kind *k)
{
	return k->family != DLP_OCL_TILED && k->nr ? (size_t)k->nr : 16;
}

/* Rows of the packed A: M rounded up to whole work-groups of MR-row blocks
 * (the padding is zeros, see pack_a). Other families need M to divide. */
static size_t padded_m(const dlp_ocl_gemm_kind *k, size_t m)
{
	size_t step;

	if (k->family != DLP_OCL_PACKED)
		return m;
	step = (size_t)k->mr * (k->lx ? k->lx : 1);
	return (m + step - 1) / step * step;
}

/* Why kind cannot run at n on d, or NULL. */
static const char *limit_reason(const dlp_ocl_dev *d, const dlp_ocl_gemm_kind *kind,
				const struct dlp_ocl_gemm_host *h, char *buf, size_t len)
{
	size_t n = (size_t)h->n, mp = padded_m(kind, n);
	size_t big = mp * n * (h->elem > h->celem ? h->elem : h->celem);
	size_t total = n * n * (2 * h->elem + h->celem) +
		       (kind->family == DLP_OCL_PACKED ? mp * n * h->elem : 0) +
		       (kind->family == DLP_OCL_PACKED || kind->family == DLP_OCL_PACKED_B
			? n * n * h->elem : 0);

	if (kind->lx * kind->ly > d->max_wg) {
		snprintf(buf, len, "local size %zux%zu exceeds CL_DEVICE_MAX_WORK_GROUP_SIZE %zu",
			 kind->lx, kind->ly, d->max_wg);
		return buf;
	}
	if (kind->family == DLP_OCL_TILED) {
		size_t lm = 2 * (size_t)kind->tk * (size_t)kind->tile * h->celem;

		if (n % (size_t)kind->tile || n % (size_t)kind->tk) {
			snprintf(buf, len, "n=%zu is not a multiple of the %dx%d tile", n,
				 kind->tile, kind->tk);
			return buf;
		}
		if (lm > d->local_mem) {
			snprintf(buf, len, "needs %zu bytes of local memory, "
				 "CL_DEVICE_LOCAL_MEM_SIZE is %llu", lm,
				 (unsigned long long)d->local_mem);
			return buf;
		}
	} else if (n % (kind_nr(kind) * kind->ly) ||
		   (kind->family != DLP_OCL_PACKED && n % ((size_t)kind->mr * kind->lx))) {
		/* Packing moves 16 elements per work-item along K and N: covered
		 * by N % NR == 0 for square shapes. */
		snprintf(buf, len, "n=%zu is not a multiple of the %dx%zu tile times the local size",
			 n, kind->mr, kind_nr(kind));
		return buf;
	}
	if (big > d->max_alloc) {
		snprintf(buf, len, "a %zux%zu matrix (%zu bytes) exceeds "
			 "CL_DEVICE_MAX_MEM_ALLOC_SIZE (%llu bytes)", n, n, big,
			 (unsigned long long)d->max_alloc);
		return buf;
	}
	if (total > d->global_mem / 2) {
		snprintf(buf, len, "%zu bytes of buffers exceed half of CL_DEVICE_GLOBAL_MEM_SIZE",
			 total);
		return buf;
	}
	return NULL;
}

/* pack_a and pack_b take the same arguments (n, n, tile, source, packed):
 * the kernel, or NULL with the OpenCL error named. */
static cl_kernel pack_kernel(cl_program prog, const char *name, cl_int n, cl_int tile, cl_mem src,
			     cl_mem dst)
{
	cl_int err;
	cl_kernel k = clCreateKernel(prog, name, &err);
	char what[64];

	if (!k) {
		snprintf(what, sizeof what, "clCreateKernel(%s)", name);
		dlp_ocl_fail(err, what);
		return NULL;
	}
	if ((err = clSetKernelArg(k, 0, sizeof n, &n)) || (err = clSetKernelArg(k, 1, sizeof n, &n)) ||
	    (err = clSetKernelArg(k, 2, sizeof tile, &tile)) ||
	    (err = clSetKernelArg(k, 3, sizeof src, &src)) || (err = clSetKernelArg(k, 4, sizeof dst, &dst))) {
		snprintf(what, sizeof what, "clSetKernelArg(%s)", name);
		dlp_ocl_fail(err, what);
		clReleaseKernel(k);
		return NULL;
	}
	return k;
}

/* The packed families' panels (Ap, Bp) and packing kernels in run; -1 when
 * one cannot be made (what was made is the caller's to release). */
static int gemm_packing(struct gemm_run *run, cl_program prog, const dlp_ocl_gemm_kind *kind,
			int n, size_t elem, cl_mem A, cl_mem B, cl_mem *Ap, cl_mem *Bp)
{
	dlp_ocl_dev *d = run->d;
	size_t mp = padded_m(kind, (size_t)n);
	cl_int ni = n, mr = kind->mr, nr = (cl_int)kind_nr(kind), err;

	if (kind->family == DLP_OCL_PACKED) {
		*Ap = clCreateBuffer(d->ctx, CL_MEM_READ_WRITE, mp * (size_t)n * elem, NULL, &err);
		if (!*Ap)
			return dlp_ocl_fail(err, "clCreateBuffer(Ap)");
		run->pa = pack_kernel(prog, "pack_a", ni, mr, A, *Ap);
		if (!run->pa)
			return -1;
		/* One work-item per 16 k of one MR-row block, padding included. */
		run->gpa[0] = (size_t)n / 16;
		run->gpa[1] = mp / (size_t)kind->mr;
	}
	if (kind->family == DLP_OCL_PACKED || kind->family == DLP_OCL_PACKED_B) {
		*Bp = clCreateBuffer(d->ctx, CL_MEM_READ_WRITE, (size_t)n * (size_t)n * elem, NULL,
				     &err);
		if (!*Bp)
			return dlp_ocl_fail(err, "clCreateBuffer(Bp)");
		run->pb = pack_kernel(prog, "pack_b", ni, nr, B, *Bp);
		if (!run->pb)
			return -1;
		run->gpb[0] = (size_t)n / 16;
		run->gpb[1] = (size_t)n;
	}
	return 0;
}

/* The device side of one GEMM: inputs, output and the packed panels. */
struct gemm_bufs {
	cl_mem A, B, C, Ap, Bp;
};

static void gemm_release(struct gemm_run *run, struct gemm_bufs *m)
{
	cl_kernel *k[] = { &run->g, &run->pa, &run->pb };
	cl_mem *b[] = { &m->A, &m->B, &m->C, &m->Ap, &m->Bp };
	size_t i;

	for (i = 0; i < sizeof k / sizeof k[0]; i++)
		if (*k[i])
			clReleaseKernel(*k[i]);
	for (i = 0; i < sizeof b / sizeof b[0]; i++)
		if (*b[i])
			clReleaseMemObject(*b[i]);
}

/* A and B holding h's inputs, and C: -1 when one cannot be made (those made
 * are the caller's to release). */
static int gemm_buffers(dlp_ocl_dev *d, const struct dlp_ocl_gemm_host *h, struct gemm_bufs *m)
{
	size_t nn = (size_t)h->n * (size_t)h->n;
	cl_int err;

	m->A = clCreateBuffer(d->ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, nn * h->elem, h->ha, &err);
	if (!m->A)
		return dlp_ocl_fail(err, "clCreateBuffer(A)");
	m->B = clCreateBuffer(d->ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, nn * h->elem, h->hb, &err);
	if (!m->B)
		return dlp_ocl_fail(err, "clCreateBuffer(B)");
	m->C = clCreateBuffer(d->ctx, CL_MEM_WRITE_ONLY, nn * h->celem, NULL, &err);
	if (!m->C)
		return dlp_ocl_fail(err, "clCreateBuffer(C)");
	return 0;
}

/* kind's kernel (and packing kernels) in run, with their arguments and
 * launch sizes. 1 when the compiled kernel cannot take kind's local size
 * (check_limits; the reason in why), -1 on an error. */
static int gemm_kernels(struct gemm_run *run, cl_program prog, const dlp_ocl_gemm_kind *kind,
			const struct dlp_ocl_gemm_host *h, struct gemm_bufs *m, int check_limits,
			char *why, size_t len)
{
	dlp_ocl_dev *d = run->d;
	size_t wg = 0, mp = padded_m(kind, (size_t)h->n);
	cl_int err, ni = h->n;

	run->g = clCreateKernel(prog, kind->kernel, &err);
	if (!run->g)
		return dlp_ocl_fail(err, "clCreateKernel");
	if (check_limits &&
	    clGetKernelWorkGroupInfo(run->g, d->device, CL_KERNEL_WORK_GROUP_SIZE, sizeof wg, &wg,
				     NULL) == CL_SUCCESS && kind->lx * kind->ly > wg) {
		snprintf(why, len, "local size %zux%zu exceeds CL_KERNEL_WORK_GROUP_SIZE %zu",
			 kind->lx, kind->ly, wg);
		return 1;
	}
	if (gemm_packing(run, prog, kind, h->n, h->elem, m->A, m->B, &m->Ap, &m->Bp) != 0)
		return -1;
	if ((err = clSetKernelArg(run->g, 0, sizeof ni, &ni)) ||
	    (err = clSetKernelArg(run->g, 1, sizeof ni, &ni)) ||
	    (err = clSetKernelArg(run->g, 2, sizeof ni, &ni)) ||
	    (err = clSetKernelArg(run->g, 3, sizeof(cl_mem), m->Ap ? &m->Ap : &m->A)) ||
	    (err = clSetKernelArg(run->g, 4, sizeof(cl_mem), m->Bp ? &m->Bp : &m->B)) ||
	    (err = clSetKernelArg(run->g, 5, sizeof m->C, &m->C)))
		return dlp_ocl_fail(err, "clSetKernelArg(gemm)");
	if (kind->family == DLP_OCL_TILED) {
		run->gg[0] = run->gg[1] = (size_t)h->n / (size_t)kind->tile * kind->lx;
	} else {
		run->gg[0] = mp / (size_t)kind->mr;
		run->gg[1] = (size_t)h->n / kind_nr(kind);
	}
	run->lg[0] = kind->lx;
	run->lg[1] = kind->ly;
	return 0;
}

/* The first call pays for just-in-time compiles: untimed, but recorded in
 * *first_s (when given). */
static int gemm_first_call(struct gemm_run *run, double *first_s)
{
	double t0 = dlp_harness_now(), dummy;

	if (gemm_rep(run, &dummy) != 0)
		return -1;
	if (first_s)
		*first_s = dlp_harness_now() - t0;
	return 0;
}

json_t *dlp_ocl_gemm(dlp_ocl_dev *d, cl_program prog, const dlp_ocl_gemm_kind *kind,
		     enum dlp_dtype dt, int n, const dlp_budget *b, int check_limits,
		     double *first_s)
{
	struct dlp_ocl_gemm_host h = { 0 };
	struct gemm_run run = { 0 };
	struct gemm_bufs m = { 0 };
	json_t *r;
	char variant[96], why[256];
	const char *lim;
	int ok = 0, st;

	if (first_s)
		*first_s = -1.0;
	kind_name(kind, variant, sizeof variant);
	r = dlp_result_new(DLP_KERNEL_GEMM, "dlprobe", dlp_dtype_name(dt));
	if (!r)
		return NULL;
	dlp_ocl_gemm_result_shape(r, n, variant);
	if (dt == DLP_FP16)
		json_object_set_new(r, "accumulate", json_string("fp32"));
	if (dlp_ocl_gemm_host_init(&h, dt, n) != 0)
		goto out;
	if (check_limits && (lim = limit_reason(d, kind, &h, why, sizeof why))) {
		dlp_result_fail(r, DLP_STATUS_SKIPPED, lim);
		ok = 1;
		goto out;
	}
	run.d = d;
	if (gemm_buffers(d, &h, &m) != 0 ||
	    (st = gemm_kernels(&run, prog, kind, &h, &m, check_limits, why, sizeof why)) < 0)
		goto out;
	if (st > 0) {
		dlp_result_fail(r, DLP_STATUS_SKIPPED, why);
		ok = 1;
		goto out;
	}
	if (gemm_first_call(&run, first_s) != 0 ||
	    dlp_ocl_gemm_verify_and_measure(d, m.C, &h, n, gemm_rep, &run, b, r) != 0)
		goto out;
	ok = 1;
out:
	if (!ok)
		dlp_result_fail(r, DLP_STATUS_ERROR, dlp_error_message());
	gemm_release(&run, &m);
	dlp_ocl_gemm_host_free(&h);
	return r;
}

int dlp_ocl_gemm_tune(dlp_ocl_dev *d, cl_program prog, enum dlp_dtype dt, int n,
		      const dlp_budget *tb, json_t **tune)
{
	json_t *t = json_object(), *cands = json_array(), *r;
	double best = 0.0, first;
	char variant[96];
	int i, chosen = -1;

	json_object_set_new(t, "dtype", json_string(dlp_dtype_name(dt)));
	json_object_set_new(t, "n", json_integer(n));
	for (i = 0; dlp_ocl_gemm_kinds[i].kernel; i++) {
		json_t *c = json_object(), *rate;

		r = dlp_ocl_gemm(d, prog, &dlp_ocl_gemm_kinds[i], dt, n, tb, 1, &first);
		kind_name(&dlp_ocl_gemm_kinds[i], variant, sizeof variant);
		json_object_set_new(c, "variant", json_string(variant));
		if (r) {
			json_object_set(c, "status", json_object_get(r, "status"));
			json_object_set(c, "reason", json_object_get(r, "reason"));
			rate = json_object_get(r, "rate_gflops");
			json_object_set_new(c, "rate_gflops",
					    rate ? json_incref(rate) : json_null());
			if (rate && json_real_value(rate) > best) {
				best = json_real_value(rate);
				chosen = i;
			}
			json_decref(r);
		}
		json_object_set_new(c, "first_call_s", first >= 0.0 ? dlp_json_real(first)
								   : json_null());
		json_array_append_new(cands, c);
	}
	json_object_set_new(t, "candidates", cands);
	if (chosen >= 0) {
		kind_name(&dlp_ocl_gemm_kinds[chosen], variant, sizeof variant);
		json_object_set_new(t, "chosen", json_string(variant));
	} else {
		json_object_set_new(t, "chosen", json_null());
	}
	*tune = t;
	return chosen;
}
