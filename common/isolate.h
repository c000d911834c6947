/* Run a risky call (a vendor driver's enumeration) in a child process, so a
 * crash or a hang becomes an error message instead of a dead dlprobe. */
#ifndef DLPROBE_COMMON_ISOLATE_H
#define DLPROBE_COMMON_ISOLATE_H

#include <stddef.h>

/* Runs in the child: fill buf (capacity cap) and set *len; return 0, or -1
 * with dlp_error_set() (the message travels back to the parent). */
typedef int (*dlp_isolated_fn)(void *arg, void *buf, size_t cap, size_t *len);

/* 0 with buf/len filled from the child; -1 with the reason: the child's own
 * error, "crashed (signal 11, SIGSEGV)" or "did not answer within 5.0 s". */
int dlp_isolate_run(dlp_isolated_fn fn, void *arg, void *buf, size_t cap, size_t *len,
		    double timeout_s);

#endif
