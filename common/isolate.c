#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/isolate.h"
#include "dlprobe/dlprobe.h"

/* The child answers with frames: a tag byte, a 64-bit length in host order
 * (both ends are the same binary), then the payload. 'N' is a progress
 * note (any number), 'O' the answer or 'E' the error message (exactly one,
 * last). The reader stops at the last frame, so a helper the driver forked
 * that still holds the pipe open does not keep the parent waiting. */
enum { TAG_NOTE = 'N', TAG_ANSWER = 'O', TAG_ERROR = 'E' };
#define HEADER_BYTES (1 + sizeof(uint64_t))
#define NOTE_MAX 512

/* The child kills itself this long after the parent's deadline: the parent
 * normally kills it first; this covers a parent that is stopped or stuck. */
#define CHILD_GRACE_S 2.0
/* How long a killed child may take to be reaped before it is left behind
 * (a process blocked inside a kernel driver dies only when it returns). */
#define REAP_WAIT_S 2.0

static int note_fd = -1;   /* in the child of dlp_isolate_call: the pipe */

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int write_frame(int fd, char tag, const void *p, size_t n)
{
	unsigned char h[HEADER_BYTES];
	uint64_t len = n;

	h[0] = (unsigned char)tag;
	memcpy(h + 1, &len, sizeof len);
	if (write_all(fd, h, sizeof h) != 0)
		return -1;
	return write_all(fd, p, n);
}

void dlp_isolate_note(const char *text)
{
	size_t n = strlen(text);

	if (note_fd >= 0)
		write_frame(note_fd, TAG_NOTE, text, n < NOTE_MAX ? n : NOTE_MAX);
}

/* The child must not outlive dlprobe, nor its own deadline, whatever the
 * driver does: PR_SET_PDEATHSIG kills it when the parent dies (it fires
 * when the forking thread exits: dlprobe forks from its main thread), and a
 * timer sends SIGKILL, which no driver can catch or block. */
static void child_guard(pid_t parent, double timeout_s)
{
	static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	struct sigevent ev;
	struct itimerspec its;
	timer_t t;
	double s = timeout_s + CHILD_GRACE_S;
	size_t i;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(1);  /* the parent is already gone: nobody waits for an answer */
	/* A crash must end the child: handlers inherited from the parent (a test
	 * framework's, a sanitizer's) would otherwise catch it and run on. */
	for (i = 0; i < sizeof crash_signals / sizeof crash_signals[0]; i++)
		signal(crash_signals[i], SIG_DFL);
	memset(&ev, 0, sizeof ev);
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGKILL;
	memset(&its, 0, sizeof its);
	its.it_value.tv_sec = (time_t)s;
	its.it_value.tv_nsec = (long)((s - (double)(time_t)s) * 1e9);
	if (timer_create(CLOCK_MONOTONIC, &ev, &t) != 0 || timer_settime(t, 0, &its, NULL) != 0)
		alarm((unsigned)s + 1);  /* SIGALRM's default action ends the process too */
}

/* Leaves with _exit() so no atexit handler (nor a leak checker) of the
 * parent's image runs twice. */
static void child(int fd, pid_t parent, dlp_isolated_call_fn fn, void *arg, double timeout_s)
{
	const char *answer = NULL;
	size_t len = 0;

	child_guard(parent, timeout_s);
	note_fd = fd;
	dlp_error_clear();
	if (fn(arg, &answer, &len) == 0) {
		write_frame(fd, TAG_ANSWER, answer, len);
	} else {
		const char *m = dlp_error_message();

		write_frame(fd, TAG_ERROR, m, strlen(m));
	}
	close(fd);
	_exit(0);
}

/* Read n bytes before the deadline: 0, -1 at end of file (or a read
 * error), -2 when the deadline passed. */
static int read_exact(int fd, void *p, size_t n, double deadline)
{
	char *c = p;

	while (n > 0) {
		struct pollfd pf = { fd, POLLIN, 0 };
		double left = deadline - dlp_clock_s(CLOCK_MONOTONIC);
		ssize_t r;
		int pr;

		if (left <= 0)
			return -2;
		pr = poll(&pf, 1, (int)(left * 1000) + 1);
		if (pr < 0 && errno != EINTR)
			return -1;
		if (pr <= 0)
			continue;
		r = read(fd, c, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

/* waitpid for at most wait_s; 0 when reaped. */
static int reap(pid_t pid, int *status, double wait_s)
{
	double until = dlp_clock_s(CLOCK_MONOTONIC) + wait_s;
	const struct timespec nap = { 0, 5 * 1000 * 1000 };

	for (;;) {
		pid_t w = waitpid(pid, status, WNOHANG);

		if (w == pid)
			return 0;
		if (w < 0 && errno != EINTR)
			return -1;
		if (dlp_clock_s(CLOCK_MONOTONIC) >= until)
			return -1;
		nanosleep(&nap, NULL);
	}
}

/* The outcome of reading the child's frames. */
enum outcome { GOT_ANSWER, GOT_ERROR, GOT_EOF, TIMED_OUT, TOO_LARGE, GARBAGE };

static enum outcome read_frames(int fd, const dlp_isolate_opts *o, double deadline,
				char **payload, size_t *plen)
{
	for (;;) {
		unsigned char h[HEADER_BYTES];
		char note[NOTE_MAX + 1];
		uint64_t len;
		char *p;
		int r = read_exact(fd, h, sizeof h, deadline);

		if (r != 0)
			return r == -2 ? TIMED_OUT : GOT_EOF;
		memcpy(&len, h + 1, sizeof len);
		if (h[0] == TAG_NOTE) {
			if (len > NOTE_MAX)
				return GARBAGE;
			r = read_exact(fd, note, (size_t)len, deadline);
			if (r != 0)
				return r == -2 ? TIMED_OUT : GOT_EOF;
			note[len] = '\0';
			if (o->note)
				o->note(o->note_user, note);
			continue;
		}
		if (h[0] != TAG_ANSWER && h[0] != TAG_ERROR)
			return GARBAGE;
		if (len > o->max_bytes)
			return TOO_LARGE;
		p = malloc((size_t)len + 1);
		if (!p)
			return TOO_LARGE;
		r = read_exact(fd, p, (size_t)len, deadline);
		if (r != 0) {
			free(p);
			return r == -2 ? TIMED_OUT : GOT_EOF;
		}
		p[len] = '\0';
		*payload = p;
		*plen = (size_t)len;
		return h[0] == TAG_ANSWER ? GOT_ANSWER : GOT_ERROR;
	}
}

int dlp_isolate_call(dlp_isolated_call_fn fn, void *arg, const dlp_isolate_opts *o,
		     char **answer, size_t *len)
{
	int fds[2] = { -1, -1 };
	pid_t pid = -1, parent = getpid();
	char *payload = NULL;
	size_t plen = 0;
	int status = 0, reaped, ret = -1;
	double deadline = dlp_clock_s(CLOCK_MONOTONIC) + o->timeout_s;
	enum outcome oc;

	*answer = NULL;
	*len = 0;
	/* close-on-exec: a driver that spawns helpers must not inherit the pipe */
	if (pipe2(fds, O_CLOEXEC) != 0) {
		dlp_error_set("pipe: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		dlp_error_set("fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		close(fds[0]);
		child(fds[1], parent, fn, arg, o->timeout_s);
	}
	close(fds[1]);
	fds[1] = -1;
	oc = read_frames(fds[0], o, deadline, &payload, &plen);
	/* Whatever the child does next, it has nothing more to say. */
	if (oc == TIMED_OUT || oc == TOO_LARGE || oc == GARBAGE)
		kill(pid, SIGKILL);
	reaped = reap(pid, &status, REAP_WAIT_S) == 0;
	if (!reaped) {
		kill(pid, SIGKILL);
		reaped = reap(pid, &status, REAP_WAIT_S) == 0;
	}
	switch (oc) {
	case TIMED_OUT:
		dlp_error_set(DLP_ISOLATE_TIMED_OUT " %.1f s", o->timeout_s);
		goto out;
	case TOO_LARGE:
		dlp_error_set("answered more than %zu bytes", o->max_bytes);
		goto out;
	case GARBAGE:
		dlp_error_set("answered garbage (not dlprobe's protocol)");
		goto out;
	case GOT_ERROR:
		dlp_error_set("%s", payload);
		goto out;
	case GOT_ANSWER:
		*answer = payload;
		*len = plen;
		payload = NULL;
		ret = 0;
		goto out;
	case GOT_EOF:
		break;
	}
	if (reaped && WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		const char *name = sigabbrev_np(sig);

		dlp_error_set(DLP_ISOLATE_CRASHED " %d%s%s)", sig, name ? ", SIG" : "",
			      name ? name : "");
	} else if (reaped) {
		dlp_error_set("exited (status %d) without an answer", WEXITSTATUS(status));
	} else {
		dlp_error_set("closed its answer pipe and did not exit");
	}
out:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	free(payload);
	return ret;
}

/* dlp_isolate_run on top of dlp_isolate_call: the fixed-size answer is the
 * child's copy of buf. */
struct fixed_call {
	dlp_isolated_fn fn;
	void *arg, *buf;
	size_t cap;
};

static int fixed_child(void *vc, const char **answer, size_t *len)
{
	struct fixed_call *c = vc;

	if (c->fn(c->arg, c->buf, c->cap, len) != 0)
		return -1;
	if (*len > c->cap)
		return dlp_error_set("answer too large");
	*answer = c->buf;
	return 0;
}

int dlp_isolate_run(dlp_isolated_fn fn, void *arg, void *buf, size_t cap, size_t *len,
		    double timeout_s)
{
	struct fixed_call c = { fn, arg, buf, cap };
	dlp_isolate_opts o = { timeout_s, cap, NULL, NULL };
	char *answer = NULL;
	int ret;

	*len = 0;
	ret = dlp_isolate_call(fixed_child, &c, &o, &answer, len);
	if (ret == 0)
		memcpy(buf, answer, *len);
	free(answer);
	return ret;
}
