/* One clock reading in seconds. The harness's clock (kernels/harness.h) is
 * injectable for tests and measures kernels; deadlines, a run's duration
 * and a thread's CPU time read the real clocks here. */
#ifndef DLPROBE_COMMON_CLOCK_H
#define DLPROBE_COMMON_CLOCK_H

#include <time.h>

/* Seconds on clock id (CLOCK_MONOTONIC, CLOCK_THREAD_CPUTIME_ID, ...). */
static inline double dlp_clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#endif
