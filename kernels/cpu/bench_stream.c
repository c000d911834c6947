/* STREAM copy/scale/add/triad with normal and non-temporal stores. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "kernels/cpu/bench_cpu.h"

struct stream_rep {
	dlp_team *team;
	int threads, op, nt;
	double *a, *b, *c;
	size_t n;
};

static void stream_thread(void *arg, int tid, int n)
{
	struct stream_rep *r = arg;
	/* Chunks start on 4 KiB pages (512 doubles; the arrays are page
	 * aligned): no page is shared by two threads, in the first touch nor
	 * later, and every chunk starts on a whole line for the 64-byte
	 * streaming stores. The last thread takes the remainder. */
	size_t i0 = r->n * (size_t)tid / (size_t)n / 512 * 512;
	size_t i1 = tid + 1 == n ? r->n : r->n * (size_t)(tid + 1) / (size_t)n / 512 * 512;

	if (r->op < 0) {
		/* Parallel first touch: pages land near the thread that uses them. */
		size_t i;

		for (i = i0; i < i1; i++) {
			r->a[i] = 0.0;
			r->b[i] = 1.0 + (double)(i & 7);
			r->c[i] = 2.0 - (double)(i & 3);
		}
		return;
	}
	dlp_stream_kernel(r->op, r->nt, r->a, r->b, r->c, 3.0, i0, i1);
}

static int stream_rep_fn(void *ctx, double *e)
{
	struct stream_rep *r = ctx;

	dlp_team_run(r->team, r->threads, stream_thread, r);
	return 0;
}

static int stream_verify(const struct stream_rep *r)
{
	size_t i, step = r->n / 4099 + 1;

	for (i = 0; i < r->n; i += step) {
		double b = 1.0 + (double)(i & 7), c = 2.0 - (double)(i & 3), want;

		want = r->op == DLP_STREAM_COPY ? b : r->op == DLP_STREAM_SCALE ? 3.0 * b
		     : r->op == DLP_STREAM_ADD ? b + c : b + 3.0 * c;
		if (r->a[i] != want)
			return -1;
	}
	return 0;
}

/* --quick's arrays at most this each. The Intel VM of 2026-12-03 reports a
 * 480 MiB last-level cache, shared with the host's other guests: triad
 * read 30.5-31.5 GB/s (nt 41.5-44.8) at every array size from 128 MiB to
 * the 1920 MiB of the 4x rule, and the larger arrays' first touch cost the
 * quick bench 8 s of its 16 (the hypervisor backs the pages as they fault).
 * --full keeps the rule; every result says how many LLCs its array holds. */
#define STREAM_QUICK_MAX_BYTES (256ll << 20)

void dlp_cpu_stream_all(struct cpu *c)
{
	static const char *const names[] = { DLP_KERNEL_STREAM_COPY, DLP_KERNEL_STREAM_SCALE, DLP_KERNEL_STREAM_ADD,
					     DLP_KERNEL_STREAM_TRIAD };
	struct stream_rep r = { .team = c->team };
	long long l3 = c->l3 > 0 ? c->l3 : 32ll << 20, per = 4 * l3;
	int op, nt, t;

	if (per < (32ll << 20))
		per = 32ll << 20;
	if (!c->o->full && per > STREAM_QUICK_MAX_BYTES)
		per = STREAM_QUICK_MAX_BYTES;
	/* STREAM: each array >= 4x LLC (--quick: at most its cap); all three
	 * within a quarter of the effective memory, so a cgroup limit is never
	 * the thing measured. */
	if (c->mem > 0 && 3 * per > c->mem / 4) {
		json_t *res = dlp_result_new(DLP_KERNEL_STREAM_TRIAD, "dlprobe", "fp64");

		dlp_result_fail(res, DLP_STATUS_SKIPPED,
				"STREAM's arrays (4x the last-level cache, at most 256 MiB each in --quick) do not fit in "
				"a quarter of the effective memory");
		json_array_append_new(c->results, res);
		return;
	}
	r.n = (size_t)per / sizeof(double);
	/* Page aligned (aligned_alloc wants a size that is a multiple). */
	per = (per + 4095) / 4096 * 4096;
	r.a = aligned_alloc(4096, (size_t)per);
	r.b = aligned_alloc(4096, (size_t)per);
	r.c = aligned_alloc(4096, (size_t)per);
	if (!r.a || !r.b || !r.c) {
		json_t *res = dlp_result_new(DLP_KERNEL_STREAM_TRIAD, "dlprobe", "fp64");

		dlp_result_fail(res, DLP_STATUS_SKIPPED, "could not allocate the STREAM arrays");
		json_array_append_new(c->results, res);
		goto out;
	}
	r.op = -1;
	r.threads = c->T;
	stream_rep_fn(&r, NULL);
	for (op = 0; op < 4; op++) {
		/* --quick: triad on all threads, what the estimator reads. */
		if (!c->o->full && op != DLP_STREAM_TRIAD)
			continue;
		for (t = 1; t >= 0; t--) {
			int threads = t ? c->T : 1;

			if (t == 0 && (c->T == 1 || !c->o->full))
				continue;
			for (nt = 0; nt < 2; nt++) {
				json_t *res = dlp_result_new(names[op], "dlprobe", "fp64");
				double words = op < DLP_STREAM_ADD ? 2 : 3;
				dlp_stats s = { 0 };

				dlp_cpu_note(c, "cpu: %s%s %d thread(s)", names[op], nt ? " nt" : "", threads);
				json_object_set_new(res, "variant", json_string(nt ? "nt" : "normal"));
				dlp_cpu_set_int(res, "bytes", (long long)(words * r.n * sizeof(double)));
				dlp_cpu_set_int(res, "threads", threads);
				json_object_set_new(res, "llc_multiple",
						    c->l3 > 0 ? json_real((double)r.n * sizeof(double) / (double)c->l3)
							      : json_null());
				r.op = op;
				r.nt = nt;
				r.threads = threads;
				stream_rep_fn(&r, NULL);
				if (stream_verify(&r) != 0) {
					dlp_result_fail(res, DLP_STATUS_ERROR, "verification failed: wrong values stored");
				} else if (dlp_measure(stream_rep_fn, &r, &c->bud, &s) != 0) {
					dlp_result_fail(res, DLP_STATUS_ERROR, dlp_error_message());
				} else {
					json_object_set_new(res, "verified", json_true());
					json_object_set_new(res, "max_rel_err", json_real(0));
					dlp_result_set_stats(res, &s, DLP_RATE_GBPS,
							     1e-9 * words * (double)r.n * sizeof(double));
				}
				dlp_stats_free(&s);
				json_array_append_new(c->results, res);
			}
		}
	}
out:
	free(r.a);
	free(r.b);
	free(r.c);
}

