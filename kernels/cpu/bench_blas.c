/* The system BLAS as the reference dlprobe's GEMMs are compared with, and
 * the finding when it runs far below the hardware. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/resource.h>
#include <unistd.h>

#include "common/isolate.h"
#include "dlprobe/json.h"
#include "kernels/cpu/bench_cpu.h"

double dlp_cpu_rate_of(const json_t *r)
{
	return dlp_json_num(r, DLP_RATE_GFLOPS);
}

int dlp_cpu_blas_threads(dlp_blas *b, int threads, json_t *res)
{
	char why[200];

	if (dlp_blas_set_threads(b, threads) == 0)
		return 0;
	snprintf(why, sizeof why, "%s: ran on the library's own thread count, not %d; "
		 "not compared with dlprobe's kernel", dlp_error_message(), threads);
	json_object_set_new(res, "threads", json_null());
	json_object_set_new(res, "note", json_string(why));
	return -1;
}

void dlp_cpu_vs_reference(json_t *own, json_t *ref)
{
	json_t *to = json_object_get(own, "threads"), *tr = json_object_get(ref, "threads");

	/* Unlike runs (a BLAS that ignored the thread count) compare nothing. */
	if (!json_is_integer(to) || !json_is_integer(tr) ||
	    json_integer_value(to) != json_integer_value(tr))
		return;
	if (!isfinite(dlp_cpu_rate_of(own)) || !isfinite(dlp_cpu_rate_of(ref)))
		return;
	json_object_set_new(own, "vs_reference", dlp_json_real(dlp_cpu_rate_of(own) / dlp_cpu_rate_of(ref)));
	json_object_set_new(ref, "vs_reference", dlp_json_real(dlp_cpu_rate_of(ref) / dlp_cpu_rate_of(own)));
}

/* ---- the references, each measured in a child process ------------------ */

static void blas_finding(struct cpu *c, int measured);

/* What a BLAS adds to the address space beyond its matrices, measured with
 * OpenBLAS 0.3.21 (pthread) on 2 threads: +48 MiB when loaded, +256 MiB at
 * the first n=2048 call (per-thread buffers and stacks); BLIS 0.9 adds
 * about 30 MiB. Below this much headroom OpenBLAS retries a failed buffer
 * allocation forever instead of failing, and can hang again in its exit
 * destructor: such a run is skipped with the reason, never started. */
#define BLAS_VM_RESERVE (384ll << 20)
/* What the BLAS touches beyond its matrices (buffers it fills). */
#define BLAS_RSS_RESERVE (64ll << 20)
/* Seconds one library's comparison may take (DLPROBE_BLAS_TIMEOUT_S
 * overrides): far above what it needs (a few seconds in --quick), so only a
 * hung library reaches it. */
#define BLAS_TIMEOUT_QUICK_S 120.0
#define BLAS_TIMEOUT_FULL_S 900.0
#define BLAS_TIMEOUT_MAX_S 86400.0
/* The child's answer: identity and results with every sample. */
#define BLAS_ANSWER_CAP (4u << 20)
/* The second reference when DLPROBE_BLAS_LIB is not set. */
#define BLAS_DEFAULT_OTHER "libblis.so.4"
#define BLAS_MAX_LIBS 8

/* Address space, data segment and memory the comparison needs against what
 * the limits leave; 0 when it fits, else -1 with the reason in why. */
static int blas_headroom(const struct cpu *c, char *why, size_t len)
{
	static const struct { int res; const char *name; } lim[] = {
		{ RLIMIT_AS, "address-space limit (ulimit -v)" },
		{ RLIMIT_DATA, "data-segment limit (ulimit -d)" },
	};
	long long mats = 0, vm = -1, rss = -1, page = sysconf(_SC_PAGESIZE);
	unsigned long long pages_vm, pages_rss;
	FILE *f;
	size_t i;

	for (i = 0; i < dlp_cpu_nshapes; i++) {
		const struct dlp_cpu_shape *sh = &dlp_cpu_shapes[i];
		long long es = (long long)dlp_dtype_size(sh->dt), b;

		if (!sh->blas || !(dlp_cpu_shape_runs(c, sh, 0) || dlp_cpu_shape_runs(c, sh, 1)))
			continue;
		b = (long long)(sh->m * sh->k + sh->k * sh->n + sh->m * sh->n) * es;
		if (b > mats)
			mats = b;
	}
	if (dlp_cpu_blas_linear_bytes(c) > mats)
		mats = dlp_cpu_blas_linear_bytes(c);
	f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%llu %llu", &pages_vm, &pages_rss) == 2) {
			vm = (long long)pages_vm * page;
			rss = (long long)pages_rss * page;
		}
		fclose(f);
	}
	for (i = 0; i < sizeof lim / sizeof lim[0]; i++) {
		struct rlimit rl;
		long long left;

		if (getrlimit(lim[i].res, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || vm < 0)
			continue;
		left = (long long)rl.rlim_cur - vm;
		if (left < mats + BLAS_VM_RESERVE) {
			snprintf(why, len, "not run: the %s of %lld MiB leaves %lld MiB, the BLAS comparison needs "
				 "about %lld MiB (matrices and the library's own buffers)", lim[i].name,
				 (long long)(rl.rlim_cur >> 20), left > 0 ? left >> 20 : 0,
				 (mats + BLAS_VM_RESERVE) >> 20);
			return -1;
		}
	}
	if (c->mem > 0 && rss >= 0 && c->mem - rss < mats + BLAS_RSS_RESERVE) {
		snprintf(why, len, "not run: the effective memory of %lld MiB leaves %lld MiB, the BLAS "
			 "comparison needs about %lld MiB", c->mem >> 20, (c->mem - rss) >> 20,
			 (mats + BLAS_RSS_RESERVE) >> 20);
		return -1;
	}
	return 0;
}

struct blas_job {
	struct cpu *c;
	const char *lib;  /* NULL: the system chain */
};

/* In the child: load the library, measure every shape the reference runs,
 * answer {"identity": ..., "results": [...]}. The library is never loaded
 * in the parent, so its threads, buffers and exit destructor stay here. */
static int blas_child(void *arg, void *buf, size_t cap, size_t *len)
{
	struct blas_job *j = arg;
	struct cpu *c = j->c;
	json_t *ans = NULL, *res;
	dlp_blas *b;
	size_t i, n;
	int t, ret = -1;

	/* The library's threads inherit this thread's binding, which the team
	 * pinned to one PU: give back the process's CPUs first. */
	if (c->have_allowed)
		sched_setaffinity(0, sizeof c->allowed, &c->allowed);
	b = dlp_blas_open_lib(j->lib);
	if (!b)
		goto out;
	ans = json_object();
	res = json_array();
	json_object_set_new(ans, "identity", dlp_blas_identity(b));
	json_object_set_new(ans, "results", res);
	for (i = 0; i < dlp_cpu_nshapes; i++)
		for (t = 0; t < 2; t++) {
			const struct dlp_cpu_shape *sh = &dlp_cpu_shapes[i];

			if (sh->blas && dlp_cpu_shape_runs(c, sh, t))
				json_array_append_new(res, dlp_cpu_gemm_one(c, sh->dt, 0, dlp_cpu_isa_best(),
									    t ? c->T : 1, sh->m, sh->n, sh->k,
									    b, NULL));
		}
	/* after the GEMMs: compare_all matches those by their index */
	dlp_cpu_blas_linear(c, b, res);
	n = json_dumpb(ans, buf, cap, JSON_COMPACT);
	if (n == 0 || n > cap) {
		dlp_error_set("the answer did not fit in %zu bytes", cap);
		goto out;
	}
	*len = n;
	ret = 0;
out:
	json_decref(ans);
	/* Not closed: the child leaves with _exit(), the library's threads
	 * and destructor with it. */
	return ret;
}

/* dlprobe's result for the idx-th result a BLAS child answers: the child
 * runs the reference shapes in dlp_cpu_shapes order, as dlprobe did, so the
 * index names the shape and thread count (a BLAS without thread control
 * reports threads null, so its own "threads" cannot be matched). NULL when
 * there is none. */
static json_t *own_for(const struct cpu *c, size_t idx)
{
	const char *isa = dlp_cpu_isa_name(dlp_cpu_isa_best());
	size_t i, n = 0, q;
	json_t *r;
	int t;

	for (i = 0; i < dlp_cpu_nshapes; i++)
		for (t = 0; t < 2; t++) {
			const struct dlp_cpu_shape *sh = &dlp_cpu_shapes[i];

			if (!sh->blas || !dlp_cpu_shape_runs(c, sh, t) || n++ != idx)
				continue;
			json_array_foreach(c->results, q, r) {
				const char *impl = json_string_value(json_object_get(r, "impl"));
				const char *ri = json_string_value(json_object_get(r, "isa"));
				const char *dt = json_string_value(json_object_get(r, "dtype"));
				const char *k = json_string_value(json_object_get(r, "kernel"));

				if (impl && !strcmp(impl, "dlprobe") && ri && !strcmp(ri, isa) && k &&
				    !strcmp(k, DLP_KERNEL_GEMM) && dt && !strcmp(dt, dlp_dtype_name(sh->dt)) &&
				    json_integer_value(json_object_get(r, "m")) == (json_int_t)sh->m &&
				    json_integer_value(json_object_get(r, "n")) == (json_int_t)sh->n &&
				    json_integer_value(json_object_get(r, "k")) == (json_int_t)sh->k &&
				    json_integer_value(json_object_get(r, "threads")) == (t ? c->T : 1))
					return r;
			}
			return NULL;
		}
	return NULL;
}

int dlp_cpu_blas_timeout_env(double *timeout_s)
{
	const char *env = getenv("DLPROBE_BLAS_TIMEOUT_S");
	char *end;
	double v;

	if (!env || !*env)
		return 0;
	/* decimal only: strtod would also take hex, "inf" and "nan" */
	if (strspn(env, "0123456789.") != strlen(env))
		goto bad;
	errno = 0;
	v = strtod(env, &end);
	if (*end || errno || !(v > 0) || v > BLAS_TIMEOUT_MAX_S)
		goto bad;
	*timeout_s = v;
	return 1;
bad:
	return dlp_error_set("DLPROBE_BLAS_TIMEOUT_S=%s is not a number of seconds in (0, %g]", env,
			     BLAS_TIMEOUT_MAX_S);
}

/* One library in its child: the identity with a status, and its results
 * (NULL when none). */
static json_t *blas_measure(struct cpu *c, const char *lib, json_t **results)
{
	struct blas_job job = { c, lib };
	double timeout = c->o->full ? BLAS_TIMEOUT_FULL_S : BLAS_TIMEOUT_QUICK_S;
	char why[400], *buf = NULL;
	json_t *ans = NULL, *id = NULL;
	json_error_t jerr;
	size_t len = 0;

	*results = NULL;
	/* a bad value was refused before the bench (dlp_bench_env_check) */
	(void)dlp_cpu_blas_timeout_env(&timeout);
	if (blas_headroom(c, why, sizeof why) != 0) {
		id = json_object();
		json_object_set_new(id, "path", dlp_json_str(lib));
		dlp_json_set_status(id, DLP_STATUS_SKIPPED, why);
		goto out;
	}
	dlp_cpu_note(c, "cpu: blas %s (in a child process)", lib ? lib : "system");
	buf = malloc(BLAS_ANSWER_CAP);
	if (!buf) {
		id = json_object();
		dlp_json_set_status(id, DLP_STATUS_SKIPPED, "could not allocate the answer buffer");
		goto out;
	}
	if (dlp_isolate_run(blas_child, &job, buf, BLAS_ANSWER_CAP, &len, timeout) != 0) {
		/* The child's own message for a library that is not there; a
		 * crash or a hang is the library's error. */
		int missing = strstr(dlp_error_message(), "no BLAS loadable") != NULL;

		snprintf(why, sizeof why, "%s%s", missing ? "" : "the BLAS comparison ", dlp_error_message());
		id = json_object();
		json_object_set_new(id, "path", dlp_json_str(lib));
		dlp_json_set_status(id, missing ? DLP_STATUS_UNAVAILABLE : DLP_STATUS_ERROR, why);
		goto out;
	}
	ans = json_loadb(buf, len, 0, &jerr);
	id = ans ? json_incref(json_object_get(ans, "identity")) : NULL;
	if (!json_is_object(id) || !json_is_array(json_object_get(ans, "results"))) {
		json_decref(id);
		id = json_object();
		dlp_json_set_status(id, DLP_STATUS_ERROR, "the BLAS child's answer was not a result document");
		goto out;
	}
	dlp_json_set_status(id, DLP_STATUS_OK, NULL);
	*results = json_incref(json_object_get(ans, "results"));
out:
	json_decref(ans);
	free(buf);
	return id;
}

/* vs_reference on dlprobe's results is against the fastest reference at the
 * same shape and thread count; each reference's own is against dlprobe. */
static void compare_all(const struct cpu *c, json_t *refs)
{
	json_t *r;
	size_t i;

	json_array_foreach(refs, i, r) {
		json_t *own = own_for(c, i), *v;
		double before;

		if (!own)
			continue;
		v = json_object_get(own, "vs_reference");
		before = json_is_number(v) ? json_number_value(v) : INFINITY;
		dlp_cpu_vs_reference(own, r);
		v = json_object_get(own, "vs_reference");
		if (json_is_number(v) && json_number_value(v) < before)
			json_object_set_new(own, "vs_reference_library", json_incref(json_object_get(r, "library")));
		else if (isfinite(before))
			json_object_set_new(own, "vs_reference", dlp_json_real(before));
	}
}

void dlp_cpu_blas_all(struct cpu *c)
{
	const char *env = getenv("DLPROBE_BLAS_LIB");
	const char *names[BLAS_MAX_LIBS];
	char *list = NULL, *save = NULL, *tok;
	json_t *others = json_array(), *sysres = NULL, *merged = NULL, *r, *sb;
	size_t i;
	int nlib = 0, l;

	if (env) {
		list = strdup(env);
		if (!list) {
			sb = json_object();
			dlp_json_set_status(sb, DLP_STATUS_SKIPPED, "out of memory");
			json_object_set_new(c->dev, "system_blas", sb);
			goto out;
		}
		for (tok = strtok_r(list, ",", &save); tok && nlib < BLAS_MAX_LIBS;
		     tok = strtok_r(NULL, ",", &save))
			names[nlib++] = tok;
	} else {
		names[nlib++] = NULL;
		/* BLIS by default only in --full: --quick keeps to its 5 s and
		 * to what the estimator reads (the system BLAS). */
		if (c->o->full)
			names[nlib++] = BLAS_DEFAULT_OTHER;
	}
	if (nlib == 0) {
		sb = json_object();
		dlp_json_set_status(sb, DLP_STATUS_UNAVAILABLE, "DLPROBE_BLAS_LIB names no library");
		json_object_set_new(c->dev, "system_blas", sb);
		goto out;
	}
	sb = blas_measure(c, names[0], &sysres);
	json_object_set_new(c->dev, "system_blas", sb);
	/* The system BLAS's results sit right after dlprobe's at the same
	 * shape, as "what frameworks get" beside "what the hardware does". */
	json_array_foreach(sysres, i, r)
		json_object_set_new(r, "library", json_incref(json_object_get(sb, "library")));
	compare_all(c, sysres);
	merged = json_array();
	json_array_foreach(c->results, i, r) {
		size_t q;
		json_t *x;

		json_array_append(merged, r);
		json_array_foreach(sysres, q, x)
			if (own_for(c, q) == r)
				json_array_append(merged, x);
	}
	/* Any without a dlprobe result to stand beside (none today) still
	 * belong in the document. */
	json_array_foreach(sysres, i, r)
		if (!own_for(c, i))
			json_array_append(merged, r);
	json_array_clear(c->results);
	json_array_extend(c->results, merged);
	for (l = 1; l < nlib; l++) {
		json_t *res = NULL, *id = blas_measure(c, names[l], &res);
		const char *p = json_string_value(json_object_get(id, "path"));
		const char *sp = json_string_value(json_object_get(sb, "path"));

		/* The same file as the system BLAS (an alternatives link) is not a
		 * second reference. */
		if (p && sp && !strcmp(p, sp)) {
			json_decref(id);
			json_decref(res);
			continue;
		}
		if (res) {
			json_array_foreach(res, i, r)
				json_object_set_new(r, "library", json_incref(json_object_get(id, "library")));
			compare_all(c, res);
			json_object_set_new(id, "results", res);
		}
		json_array_append_new(others, id);
	}
out:
	json_object_set_new(c->dev, "other_blas", others);
	blas_finding(c, sysres != NULL);
	json_decref(sysres);
	json_decref(merged);
	free(list);
}

/* The OpenBLAS finding (issue 3): when the library runs far below the
 * hardware, say how far and the likely reason. */
static void blas_finding(struct cpu *c, int measured)
{
	json_t *sb = json_object_get(c->dev, "system_blas"), *r;
	const char *core, *forced;
	double own = NAN, ref = NAN, ratio;
	char msg[400];
	size_t i;

	if (!measured || !sb)
		return;
	json_array_foreach(c->results, i, r) {
		const char *k = json_string_value(json_object_get(r, "kernel"));
		const char *impl = json_string_value(json_object_get(r, "impl"));

		if (!k || strcmp(k, DLP_KERNEL_GEMM) || json_integer_value(json_object_get(r, "n")) != 2048 ||
		    strcmp(json_string_value(json_object_get(r, "dtype")), "fp32"))
			continue;
		if (impl && !strcmp(impl, "dlprobe") && !isfinite(own))
			own = dlp_cpu_rate_of(r);
		/* threads null: the BLAS ran on a count of its own, unlike ours. */
		if (impl && !strcmp(impl, "blas") && !isfinite(ref) &&
		    json_is_integer(json_object_get(r, "threads")))
			ref = dlp_cpu_rate_of(r);
	}
	core = json_string_value(json_object_get(sb, "corename"));
	forced = json_string_value(json_object_get(json_object_get(sb, "env"), "OPENBLAS_CORETYPE"));
	ratio = ref / own;
	json_object_set_new(sb, "sgemm_2048_vs_dlprobe", dlp_json_real(ratio));
	if (!isfinite(ratio)) {
		json_object_set_new(sb, "finding", json_null());
		return;
	}
	if (ratio < 0.7) {
		snprintf(msg, sizeof msg,
			 "system BLAS sgemm runs at %.0f%% of dlprobe's own kernel at n=2048%s%s%s%s; "
			 "frameworks using it get the lower figure%s",
			 100 * ratio, core ? " (OpenBLAS core \"" : "", core ? core : "", core ? "\")" : "",
			 forced ? " with OPENBLAS_CORETYPE set in the environment" : "",
			 core && dlp_cpu_isa_ok(DLP_CPU_AVX512) && !strstr(core, "SkylakeX") &&
			 !strstr(core, "Cooperlake") && !strstr(core, "SapphireRapids")
			 ? "; its kernels for this core do not use AVX-512: OPENBLAS_CORETYPE=SkylakeX selects them"
			 : "");
	} else {
		snprintf(msg, sizeof msg, "system BLAS sgemm at n=2048 is %.2fx dlprobe's own kernel%s%s%s",
			 ratio, core ? " (OpenBLAS core \"" : "", core ? core : "", core ? "\")" : "");
	}
	json_object_set_new(sb, "finding", json_string(msg));
}

