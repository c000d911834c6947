/* The CPU backend: the device loop. Each measurement family lives in its own
 * file (bench_fma.c, bench_gemm.c, bench_blas.c, bench_stream.c, bench_gbdt.c,
 * bench_sketch.c, bench_cart.c, bench_linear.c, bench_classical.c); every
 * kernel checks its output before its time counts. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dlprobe/json.h"
#include "dlprobe/probe.h"
#include "kernels/cpu/bench_cpu.h"
#include "kernels/interference.h"

void dlp_cpu_note(struct cpu *c, const char *fmt, ...)
{
	char buf[160];
	va_list ap;

	if (!c->o->progress)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	c->o->progress(c->o->progress_user, buf);
}

void dlp_cpu_set_int(json_t *r, const char *key, long long v)
{
	json_object_set_new(r, key, dlp_json_count(v));
}

/* --quick's samples of each classical result, at the least. With one core
 * busy (scripts/noise_check.sh LOAD=1) a two-thread sample runs at full
 * speed only when it fits between the other task's time slices: the bin
 * sketch's (3 ms fast, 8 ms not) did in about one sample of three, so
 * three samples missed it in two benches of five and the GBDT estimate
 * moved 1.33x (Intel VM, 2026-12-03). */
#define QUICK_SMALL_MIN_SAMPLES 8

dlp_budget dlp_cpu_small_budget(const struct cpu *c)
{
	dlp_budget b = c->bud;

	/* the classical kernels are many small results: --quick keeps them
	 * together well under a second */
	if (!c->o->full) {
		b.budget_s /= 6;
		b.min_samples = QUICK_SMALL_MIN_SAMPLES;
	}
	return b;
}

void dlp_cpu_check_time(struct cpu *c, json_t *res, double err, double tol, const char *what, dlp_rep_fn fn,
			void *ctx, const char *rate_key, double work)
{
	dlp_budget b = dlp_cpu_small_budget(c);
	dlp_stats st = { 0 };
	char why[160];

	json_object_set_new(res, "max_rel_err", dlp_json_real(err));
	if (!(err <= tol)) {
		snprintf(why, sizeof why, "verification failed: %s differs from the serial reference", what);
		dlp_result_fail(res, DLP_STATUS_ERROR, why);
	} else if (dlp_measure(fn, ctx, &b, &st) != 0) {
		dlp_result_fail(res, DLP_STATUS_ERROR, dlp_error_message());
	} else {
		json_object_set_new(res, "verified", json_true());
		dlp_result_set_stats(res, &st, rate_key, work);
	}
	dlp_stats_free(&st);
	json_array_append_new(c->results, res);
}

void dlp_cpu_skip(struct cpu *c, const char *kernel, const char *dtype, const char *why)
{
	json_t *res = dlp_result_new(kernel, "dlprobe", dtype);

	dlp_result_fail(res, DLP_STATUS_SKIPPED, why);
	json_array_append_new(c->results, res);
}

/* The measurement families in the order the device loop runs them, and
 * which a focused re-run (dlp_bench_opts.focus) repeats: those whose
 * figures the default scenario's estimates move with most (scripts/
 * noise_sensitivity.py on a Zen 5 quick document, d log estimate / d log
 * figure: the BLAS sgemm at 1024 0.5 for the MLP, the bf16 GEMM 0.7 for
 * ResNet-18 and 1.0 for GPT-2, the histograms, the sketch, the loss and the
 * partition 0.07-0.4 for GBDT and ResNet-18's pooling); in a focused run
 * bench_gemm.c keeps to the shapes marked focus. The FMA peaks, CART splits
 * and dot/axpy move no scenario estimate measurably; the GBDT node scan
 * little at the scenario's depth 6, but it decides deeper trees' estimates
 * and costs a few ms, and a one-thread figure can sit in the VM's slow
 * state for a whole run (0.063 against 0.108 G bins/s in two runs
 * minutes apart on the Zen 5 VM). Triad 0.1, for a
 * quarter of a focused run's time (its arrays are 4x the last-level
 * cache, up to 256 MiB each), so it is left to the whole run.
 * `quiet_mib`: the family's samples also report themselves less the time
 * the team's threads spent off their CPUs (dlp_harness_set_wait), where
 * that leaves what an undisturbed run takes: compute, and work that stays
 * in the caches (the working set, MiB, at most half the last-level cache;
 * 0: checked per shape, bench_gemm.c). Not what shares the memory (< 0):
 * the streams, dot/axpy, the linear passes, nor the 32 MiB histogram (two
 * threads ran it 1.69x one quietly, but 2.0x as corrected with one core
 * busy, on the 2-vCPU Zen 5 VM); not the BLAS, whose threads are a
 * child's. The team itself leaves out runs whose threads share a core.
 * Only in a re-run or focused round (dlp_bench_opts.rerun), never the first run: the clock
 * reads cost a quiet machine's short samples a few percent (GBDT and
 * ResNet-18 estimates 5-6% slower over five quick benches, Zen 5 VM). */
#define SHARES_MEMORY (-1.0)
static const struct {
	void (*run)(struct cpu *c);
	int decisive;
	double quiet_mib;
} families[] = {
	{ dlp_cpu_fma_all, 0, 0 },
	{ dlp_cpu_gemm_all, 1, 0 },
	{ dlp_cpu_blas_all, 1, SHARES_MEMORY },
	{ dlp_cpu_bf16_all, 1, 0 },
	{ dlp_cpu_stream_all, 0, SHARES_MEMORY },
	{ dlp_cpu_hist_all, 1, SHARES_MEMORY },
	{ dlp_cpu_gbdt_all, 1, 3.5 },       /* 2 MiB of bins, gradient pairs, row lists */
	{ dlp_cpu_gbdt_node_all, 1, 3 },    /* 2 MiB of node histograms */
	{ dlp_cpu_sketch_all, 1, 0.5 },
	{ dlp_cpu_cart_all, 0, 5.5 },       /* the 4 MiB table, weights, classes, rows */
	{ dlp_cpu_linear_all, 1, SHARES_MEMORY },
	{ dlp_cpu_vec_all, 0, SHARES_MEMORY },
};

static int family_quiet(const struct cpu *c, double mib)
{
	return c->o->rerun && (mib == 0 || (mib > 0 && c->l3 > 0 && 2 * mib * 1024 * 1024 <= (double)c->l3));
}

static double team_wait(void *team)
{
	return dlp_team_wait_s(team);
}

/* Whether the team's threads have their cores to themselves
 * (dlp_cpu_core_share): the first run checks before and after its families,
 * so that a run that measured its 2-thread figures on one core says so and
 * is measured again; a re-run checks before each family and, while they
 * share one, polls every CORE_POLL_S for at most CORE_WAIT_S in all before
 * measuring anyway: on the Zen 5 VM the host kept two vCPUs on one core for
 * up to 1.4 s at a time in a 90 s watch (scripts/core_share_watch.sh). */
#define CORE_POLL_S 0.05
#define CORE_WAIT_S 1.0
struct core_checks {
	int checks, shared;
	double worst, waited_s;
};

static void core_check(struct cpu *c, struct core_checks *k, int wait)
{
	const struct timespec poll = { 0, (long)(CORE_POLL_S * 1e9) };
	double r = dlp_cpu_core_share(c->team);

	if (isnan(r))
		return;
	k->checks++;
	k->worst = fmax(k->worst, r);
	while (wait && r >= DLP_NOISE_CORE_SHARED && k->waited_s < CORE_WAIT_S) {
		nanosleep(&poll, NULL);
		k->waited_s += CORE_POLL_S;
		r = dlp_cpu_core_share(c->team);
		k->worst = fmax(k->worst, r);
	}
	k->shared += r >= DLP_NOISE_CORE_SHARED;
}

static json_t *core_checks_json(const struct core_checks *k)
{
	if (k->checks == 0)
		return json_null();
	return json_pack("{s:i,s:i,s:o,s:o}", "checks", k->checks, "shared", k->shared, "worst",
			 dlp_json_real(k->worst), "waited_s", dlp_json_real(k->waited_s));
}

static int run(const dlp_bench_opts *o, json_t *devices)
{
	struct core_checks cores = { 0 };
	struct cpu c = { .o = o };
	const json_t *cpu = o->probe ? json_object_get(o->probe, "cpu") : NULL;
	const char *name = cpu ? json_string_value(json_object_get(cpu, "model_name")) : NULL;
	const char *ovr = getenv("DLPROBE_CPU_ISA");
	json_t *v;
	size_t i;
	int quiet;

	dlp_cpu_ftz_daz();
	c.T = o->threads > 0 ? o->threads : 1;
	/* The team's own limit; said, not silently applied. */
	if (c.T > DLP_TEAM_MAX)
		c.T = DLP_TEAM_MAX;
	c.bud.warmups = o->full ? 2 : 1;
	c.bud.budget_s = o->budget_s > 0 ? o->budget_s : (o->full ? 0.3 : 0.03);
	c.bud.min_samples = o->full ? 5 : 3;
	c.bud.max_samples = o->full ? 200 : 50;
	c.l1 = o->probe ? dlp_probe_cache_bytes(o->probe, 1) : -1;
	c.l2 = o->probe ? dlp_probe_cache_bytes(o->probe, 2) : -1;
	c.l3 = o->probe ? dlp_probe_cache_bytes(o->probe, 3) : -1;
	c.mem = o->probe ? dlp_probe_effective_memory(o->probe) : -1;
	v = cpu ? json_object_get(cpu, "nominal_mhz") : NULL;
	c.mhz = json_is_number(v) ? json_number_value(v) : -1;
	c.dev = json_object();
	c.results = json_array();
	json_object_set_new(c.dev, "name", dlp_json_str(name ? name : "cpu"));
	json_object_set_new(c.dev, "type", json_string("cpu"));
	dlp_json_set_status(c.dev, DLP_STATUS_OK, NULL);
	json_object_set_new(c.dev, "memory_bytes", dlp_json_count(c.mem));
	json_object_set_new(c.dev, "threads", json_integer(c.T));
	if (c.T < o->threads) {
		char capped[96];

		snprintf(capped, sizeof capped, "run capped at %d threads of the %d effective CPUs", c.T,
			 o->threads);
		json_object_set_new(c.dev, "note", json_string(capped));
	}
	json_object_set_new(c.dev, "isa", json_string(dlp_cpu_isa_name(dlp_cpu_isa_best())));
	json_object_set_new(c.dev, "isa_override", dlp_json_str(ovr));
	json_object_set_new(c.dev, "ftz_daz", json_true());
	/* The team pins this thread to one PU; a BLAS child gets these back. */
	c.have_allowed = sched_getaffinity(0, sizeof c.allowed, &c.allowed) == 0;
	c.team = dlp_team_new(c.T);
	if (!c.team) {
		dlp_json_set_status(c.dev, DLP_STATUS_ERROR, dlp_error_message());
		goto out;
	}
	json_object_set_new(c.dev, "binding", dlp_team_binding_json(c.team));
	if (!o->rerun)
		core_check(&c, &cores, 0);
	for (i = 0; i < sizeof families / sizeof families[0]; i++) {
		if (o->focus && !families[i].decisive)
			continue;
		if (o->rerun)
			core_check(&c, &cores, 1);
		quiet = family_quiet(&c, families[i].quiet_mib);
		dlp_harness_set_wait(quiet ? team_wait : NULL, c.team);
		dlp_team_track_wait(c.team, quiet);
		families[i].run(&c);
		dlp_team_track_wait(c.team, 0);
		dlp_harness_set_wait(NULL, NULL);
		/* The BLAS children need not inherit the last GEMM's inputs. */
		if (families[i].run == dlp_cpu_gemm_all)
			dlp_cpu_mats_free(&c);
	}
	if (!o->rerun)
		core_check(&c, &cores, 0);
	json_object_set_new(c.dev, "core_sharing", core_checks_json(&cores));
out:
	json_object_set_new(c.dev, "results", c.results);
	json_array_append_new(devices, c.dev);
	dlp_cpu_mats_free(&c);
	dlp_team_free(c.team);
	return 0;
}

const dlp_backend dlp_backend_cpu = { "cpu", run, 1 };
