/* Run a risky call (a vendor driver's enumeration, a GPU backend's whole
 * measurement) in a child process, so a crash or a hang becomes an error
 * message instead of a dead dlprobe. The child dies with its parent and
 * kills itself shortly after its deadline, so no driver call outlives the
 * dlprobe that made it. */
#ifndef DLPROBE_COMMON_ISOLATE_H
#define DLPROBE_COMMON_ISOLATE_H

#include <stddef.h>

/* How the parent words a crash and a missed deadline; readers of an error
 * entry (the bench skipping a backend its probe saw fail) match these. */
#define DLP_ISOLATE_CRASHED "crashed (signal"
#define DLP_ISOLATE_TIMED_OUT "did not answer within"

/* Runs in the child: fill buf (capacity cap) and set *len; return 0, or -1
 * with dlp_error_set() (the message travels back to the parent). */
typedef int (*dlp_isolated_fn)(void *arg, void *buf, size_t cap, size_t *len);

/* 0 with buf/len filled from the child; -1 with the reason: the child's own
 * error, "crashed (signal 11, SIGSEGV)" or "did not answer within 5.0 s". */
int dlp_isolate_run(dlp_isolated_fn fn, void *arg, void *buf, size_t cap, size_t *len,
		    double timeout_s);

/* Runs in the child: point *answer at *len bytes (memory the child need not
 * free: it leaves with _exit), or return -1 with dlp_error_set(). */
typedef int (*dlp_isolated_call_fn)(void *arg, const char **answer, size_t *len);

typedef struct dlp_isolate_opts {
	double timeout_s;       /* wall time for the whole call */
	size_t max_bytes;       /* the largest answer accepted */
	/* In the parent, for each dlp_isolate_note() the child sends (may be NULL). */
	void (*note)(void *user, const char *text);
	void *note_user;
} dlp_isolate_opts;

/* Like dlp_isolate_run for an answer of unknown size: 0 with *answer
 * (malloc'ed, NUL-terminated, *len bytes before the NUL; the caller frees
 * it), or -1 with the reason. */
int dlp_isolate_call(dlp_isolated_call_fn fn, void *arg, const dlp_isolate_opts *o,
		     char **answer, size_t *len);

/* In the child of dlp_isolate_call: pass a short progress text to the
 * parent's o->note. Does nothing elsewhere. */
void dlp_isolate_note(const char *text);

#endif
