/* Watches whether the CPU team's threads have their cores to themselves:
 * dlp_cpu_core_share (kernels/cpu/core_share.c) every PERIOD seconds for
 * SECONDS, one line each, then the share of checks at or above
 * DLP_NOISE_CORE_SHARED and the stretches they came in. On a VM it shows
 * the host placing two vCPUs on one core's hardware threads, and for how
 * long. Built and run by scripts/core_share_watch.sh. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kernels/cpu/cpu.h"
#include "kernels/harness.h"
#include "kernels/interference.h"

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 60, period = argc > 2 ? atof(argv[2]) : 0.2;
	int threads = argc > 3 ? atoi(argv[3]) : 2, checks = 0, shared = 0, stretches = 0, rc = 1;
	double t0, t, r, run_start = -1, longest = 0;
	struct timespec pause;
	dlp_team *team;

	if (!(seconds > 0) || !(period > 0) || threads < 2) {
		fprintf(stderr, "usage: core_share_watch [SECONDS [PERIOD [THREADS>=2]]]\n");
		return 2;
	}
	team = dlp_team_new(threads);
	if (!team) {
		fprintf(stderr, "core_share_watch: %s\n", dlp_error_message());
		return 1;
	}
	if (dlp_team_whole_cores(team) < 2) {
		fprintf(stderr, "core_share_watch: fewer than two threads with a core each: nothing to check\n");
		goto out;
	}
	pause.tv_sec = (time_t)period;
	pause.tv_nsec = (long)((period - (double)pause.tv_sec) * 1e9);
	t0 = dlp_harness_now();
	while ((t = dlp_harness_now() - t0) < seconds) {
		r = dlp_cpu_core_share(team);
		checks++;
		printf("%7.2f s  %.2fx%s\n", t, r, r >= DLP_NOISE_CORE_SHARED ? "  shared" : "");
		if (r >= DLP_NOISE_CORE_SHARED) {
			shared++;
			if (run_start < 0)
				run_start = t, stretches++;
		} else if (run_start >= 0) {
			longest = fmax(longest, t - run_start);
			run_start = -1;
		}
		nanosleep(&pause, NULL);
	}
	if (run_start >= 0)
		longest = fmax(longest, dlp_harness_now() - t0 - run_start);
	printf("%d checks, %d (%.0f%%) at %.2fx or more, in %d stretch%s, the longest about %.1f s\n", checks,
	       shared, 100.0 * shared / checks, DLP_NOISE_CORE_SHARED, stretches, stretches == 1 ? "" : "es",
	       longest);
	rc = 0;
out:
	dlp_team_free(team);
	return rc;
}
