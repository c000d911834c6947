/* Interference on a shared machine: what a bench device's results say about
 * other work slowing them (orderings that hardware cannot produce, wide
 * sample spreads, hypervisor steal time), and keeping the best of repeated
 * runs. Used by dlp_bench_run() around each backend. */
#ifndef DLPROBE_KERNELS_INTERFERENCE_H
#define DLPROBE_KERNELS_INTERFERENCE_H

#include <jansson.h>

/* Cumulative CPU time from /proc/stat's "cpu" line, in clock ticks. */
typedef struct dlp_cpu_ticks {
	unsigned long long total, steal;
	int ok;                  /* 0: /proc/stat unreadable (ticks unknown) */
} dlp_cpu_ticks;

void dlp_cpu_ticks_read(dlp_cpu_ticks *t);
/* Steal time between a and b as a fraction of all time; NaN when unknown. */
double dlp_cpu_steal_fraction(const dlp_cpu_ticks *a, const dlp_cpu_ticks *b);

/* Appends to reasons (a JSON array of strings) every sign of interference
 * in one device's results: a generic ISA faster than a vector ISA, fp64
 * faster than fp32, more threads slower than one, a sample spread above
 * DLP_NOISE_SPREAD in a figure the estimator reads, steal above
 * DLP_NOISE_STEAL, (one line, the worst) threads off their CPUs for
 * more than DLP_NOISE_QUEUED of a figure's samples (queued_fraction), and
 * threads that ran as one core's hardware threads in a check of the
 * device's "core_sharing" (dlp_cpu_core_share at DLP_NOISE_CORE_SHARED or
 * more). Returns how many it appended. */
#define DLP_NOISE_SPREAD 0.5
#define DLP_NOISE_STEAL 0.05
#define DLP_NOISE_QUEUED 0.05
/* Each thread with a core of its own runs the check's loop at 1.00-1.1x
 * its time alone; two on one core's hardware threads, 1.5x (Zen 5 VM). */
#define DLP_NOISE_CORE_SHARED 1.25
int dlp_interference_check(const json_t *device, double steal_fraction, json_t *reasons);

/* Merges a re-run's devices into devices: per result (same kernel, impl,
 * ISA, dtype, shape, threads, variant, bytes), the faster ok one is kept
 * (a busy machine only slows a kernel down) with "runs", how many runs
 * measured it, counted up (a result the re-run did not measure keeps its
 * count), and the fastest quiet_min_s of the two with its queued_fraction
 * (the same work: absolute times compare). The devices' "core_sharing"
 * counts add up (the worst ratio: the larger). Devices match by position
 * and name. */
void dlp_interference_keep_best(json_t *devices, const json_t *rerun);

/* Sets a GEMM result's "pct_of_measured_peak" from its rate_gflops and peak
 * (null when peak is not positive), and the DLP_NOTE_OVER_PEAK note when it
 * is above 100% (removed otherwise). keep_best calls it again on each merged
 * device, against the peak rows the device then holds. */
#define DLP_NOTE_OVER_PEAK                                                                                     \
	"faster than the measured peak: the machine was busy while the peak was measured; re-run on a quiet " \
	"machine"
void dlp_interference_pct_set(json_t *res, double peak);

/* Sets "stable" and "stability" {"reasons", "runs", "focused_runs",
 * "steal_fraction"} on every ok device of devices from its remaining
 * reasons: runs in all, focused how many of the re-runs measured only the
 * decisive results (dlp_bench_opts.focus). */
void dlp_interference_mark(json_t *devices, int runs, int focused, double steal_fraction);

#endif
