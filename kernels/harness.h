/* The measurement harness shared by every backend (docs/references.md, Measurement method):
 * untimed warm-ups, one probe run, then repetitions until a time budget is
 * spent; every sample kept; median/min/max/spread reported. */
#ifndef DLPROBE_KERNELS_HARNESS_H
#define DLPROBE_KERNELS_HARNESS_H

#include <stddef.h>
#include <jansson.h>

#include "dlprobe/bench.h"
#include "dlprobe/dlprobe.h"

/* One timed repetition. It returns 0 and stores the seconds it took in
 * *elapsed_s (a GPU backend stores the event time; a CPU kernel may leave
 * *elapsed_s negative and the harness times the call with its clock), or -1
 * with dlp_error_set() on failure. */
typedef int (*dlp_rep_fn)(void *ctx, double *elapsed_s);

/* Monotonic seconds. Replaceable for tests (a fake clock). */
typedef double (*dlp_clock_fn)(void *user);

typedef struct dlp_budget {
	int warmups;          /* untimed calls before timing (>= 0) */
	double budget_s;      /* keep timing until this much time is spent */
	int min_samples;      /* at least this many samples, budget or not */
	int max_samples;      /* at most this many */
	/* the work streams from memory its threads share: no wait reader (see
	 * dlp_harness_set_wait) */
	int shares_memory;
} dlp_budget;

typedef struct dlp_stats {
	double *samples_s;    /* every sample, in run order (owned) */
	size_t n;
	double median_s, min_s, max_s;
	double spread;        /* (max - min) / median */
	/* Where a wait reader was set (dlp_harness_set_wait), else 0: the
	 * fastest sample less the wait read over it, and the waits' share of
	 * all the samples' time. */
	double quiet_min_s, queued_fraction;
} dlp_stats;

/* Seconds the measured work was held up since the reader's last call by
 * its threads being off their CPUs (runnable while another task or the
 * hypervisor held them); NaN when it was not read (not a tracked run). */
typedef double (*dlp_wait_fn)(void *user);

/* Harness clock, default CLOCK_MONOTONIC. Pass NULL to restore the default. */
void dlp_harness_set_clock(dlp_clock_fn fn, void *user);
double dlp_harness_now(void);
/* The wait reader around each timed sample; none by default (NULL). Set it
 * only for work whose threads share nothing a waiting thread would leave to
 * the others (compute, the caches they own): a memory-bound thread that runs
 * while its sibling waits gets the sibling's bandwidth too, so its sample
 * less the wait would be faster than any undisturbed run. */
void dlp_harness_set_wait(dlp_wait_fn fn, void *user);

/* Runs fn under budget b. 0 on success; -1 (message set) if a repetition
 * failed or reported a zero/negative time (zero elapsed time is an error,
 * never an infinite rate). */
int dlp_measure(dlp_rep_fn fn, void *ctx, const dlp_budget *b, dlp_stats *out);
void dlp_stats_free(dlp_stats *s);
/* Statistics over samples already taken (used by dlp_measure and tests). */
int dlp_stats_compute(dlp_stats *s);

/* A result object, the unit of every bench JSON "results" array:
 *   {"kernel","impl","isa","dtype","m","n","k","bytes","threads",
 *    "status","reason","verified","max_rel_err",
 *    "rate_gflops"|"rate_gbps"|..., "median_s","min_s","max_s","spread","samples_s":[...]} */
/* kernel is one of the DLP_KERNEL_* names of dlprobe/bench.h. */
json_t *dlp_result_new(const char *kernel, const char *impl, const char *dtype);
/* Attach statistics and the rate = work / median_s in the unit named by key
 * (e.g. "rate_gflops" with work in GFLOP, "rate_gbps" with work in GB). */
void dlp_result_set_stats(json_t *r, const dlp_stats *s, const char *rate_key, double work);
/* dlp_measure then dlp_result_set_stats, for a result whose statistics are
 * not needed afterwards. 0 on success; -1 (message set, r untouched). */
int dlp_result_measure(json_t *r, dlp_rep_fn fn, void *ctx, const dlp_budget *b,
		       const char *rate_key, double work);
/* Mark a result failed/unavailable/skipped with a reason: rates and timing
 * statistics are dropped and "verified" becomes false (max_rel_err stays as
 * evidence of what was checked). */
void dlp_result_fail(json_t *r, dlp_status st, const char *reason);

#endif
