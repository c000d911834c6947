/* Whether the team's threads have their cores to themselves right now. A
 * VM's vCPUs are threads of the host, which may for a while run two of them
 * on one core's two hardware threads: on the 2-vCPU Zen 5 VM this check
 * read 1.38-1.70x in 4% of a 90 s watch, in stretches of up to 1.4 s, and
 * 1.00-1.07x the rest (scripts/core_share_watch.sh; docs/validation.md,
 * sixth session). A 2-thread
 * figure measured in such a stretch is a one-core figure.
 * Pairs, thread 0 with each of the next SHARE_PAIRS: all threads at once
 * would also read a big machine's all-core turbo clock (a 1.3x slower
 * clock on some servers) as sharing, and two cores' is within a few
 * percent of one's. Sharing among the threads past the first pairs goes
 * unseen. */
#include <math.h>
#include <stdlib.h>

#include "kernels/cpu/cpu.h"
#include "kernels/harness.h"

/* One call: about 80 us of SSE multiply-add chains on the Zen 5 VM (96
 * flops an iteration at 57 GFLOP/s), long enough to time, short enough
 * that 3 x SHARE_REPS of them cost a few ms. Every x86-64 has the
 * generic kernel, and its 12 chains fill the multiply and add ports, which
 * a core's two hardware threads share. */
#define SHARE_ITERS 40000L
#define SHARE_REPS 5
#define SHARE_PAIRS 7

struct share_run {
	int a, b;               /* the threads that work (b -1: a alone) */
	double *took;           /* per thread: its call's seconds */
	float sink;
};

static void share_thread(void *arg, int tid, int n)
{
	struct share_run *s = arg;
	float sink = 0;
	double t0;

	(void)n;
	if (tid != s->a && tid != s->b)
		return;
	t0 = dlp_harness_now();
	dlp_fma_peak_generic_f32(SHARE_ITERS, &sink);
	s->took[tid] = dlp_harness_now() - t0;
	/* one thread's sum is enough to keep the loop */
	if (tid == 0)
		s->sink = sink;
}

double dlp_cpu_core_share(dlp_team *t)
{
	int n = dlp_team_whole_cores(t), i, r;
	double *alone = NULL, *both = NULL, *took = NULL, worst = NAN;
	struct share_run s = { 0 };

	if (n < 2)
		goto out;
	if (n > SHARE_PAIRS + 1)
		n = SHARE_PAIRS + 1;
	alone = malloc((size_t)n * sizeof *alone);
	/* both[2i], both[2i+1]: thread 0 and thread i, beside each other */
	both = malloc(2 * (size_t)n * sizeof *both);
	took = calloc((size_t)n, sizeof *took);
	if (!alone || !both || !took)
		goto out;
	s.took = took;
	for (i = 0; i < n; i++)
		alone[i] = both[2 * i] = both[2 * i + 1] = INFINITY;
	/* the fastest of a few calls each way: a slice lost to another task
	 * is not the core's sharing */
	for (r = 0; r < SHARE_REPS; r++) {
		s.b = -1;
		for (i = 0; i < n; i++) {
			s.a = i;
			dlp_team_run(t, n, share_thread, &s);
			alone[i] = fmin(alone[i], took[i]);
		}
		for (i = 1; i < n; i++) {
			s.a = 0, s.b = i;
			dlp_team_run(t, n, share_thread, &s);
			both[2 * i] = fmin(both[2 * i], took[0]);
			both[2 * i + 1] = fmin(both[2 * i + 1], took[i]);
		}
	}
	worst = 0;
	for (i = 1; i < n; i++)
		worst = fmax(worst, fmax(both[2 * i] / alone[0], both[2 * i + 1] / alone[i]));
out:
	free(alone);
	free(both);
	free(took);
	return worst;
}
