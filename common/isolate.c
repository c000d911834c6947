#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/isolate.h"
#include "dlprobe/dlprobe.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

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

/* The child answers with a tag byte, 'O' then the payload, or 'E' then the
 * error message, and leaves with _exit() so no atexit handler (nor a leak
 * checker) of the parent's image runs twice. */
static void child(int fd, dlp_isolated_fn fn, void *arg, void *buf, size_t cap)
{
	static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	size_t len = 0, i;
	int rc;

	/* A crash must end the child: handlers inherited from the parent (a test
	 * framework's, a sanitizer's) would otherwise catch it and run on. */
	for (i = 0; i < sizeof crash_signals / sizeof crash_signals[0]; i++)
		signal(crash_signals[i], SIG_DFL);
	dlp_error_clear();
	rc = fn(arg, buf, cap, &len);
	if (rc == 0 && len <= cap) {
		write_all(fd, "O", 1);
		write_all(fd, buf, len);
	} else {
		const char *m = rc == 0 ? "answer too large" : dlp_error_message();
		write_all(fd, "E", 1);
		write_all(fd, m, strlen(m));
	}
	close(fd);
	_exit(0);
}

int dlp_isolate_run(dlp_isolated_fn fn, void *arg, void *buf, size_t cap, size_t *len,
		    double timeout_s)
{
	int fds[2] = { -1, -1 };
	pid_t pid = -1;
	char *in = NULL;
	size_t got = 0;
	int status = 0, timed_out = 0, overflow = 0, ret = -1;
	double deadline = now_s() + timeout_s;

	*len = 0;
	/* tag byte + payload (cap + 1), one byte more to notice a child that
	 * answers too much, and the NUL an error message gets */
	in = malloc(cap + 3);
	if (!in) {
		dlp_error_set("out of memory");
		goto out;
	}
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
		child(fds[1], fn, arg, buf, cap);
	}
	close(fds[1]);
	fds[1] = -1;
	for (;;) {
		struct pollfd p = { fds[0], POLLIN, 0 };
		double left = deadline - now_s();
		ssize_t r;
		int pr;

		if (left <= 0) {
			timed_out = 1;
			break;
		}
		pr = poll(&p, 1, (int)(left * 1000) + 1);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0)
			continue; /* re-check the deadline */
		if (got > cap + 1) {
			/* more than the protocol allows: stop reading, and do not
			 * wait below for a child that may still be writing */
			overflow = 1;
			kill(pid, SIGKILL);
			break;
		}
		r = read(fds[0], in + got, cap + 2 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (timed_out)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out) {
		dlp_error_set("did not answer within %.1f s", timeout_s);
		goto out;
	}
	if (overflow) {
		dlp_error_set("answered more than %zu bytes", cap + 1);
		goto out;
	}
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		const char *name = sigabbrev_np(sig);

		dlp_error_set("crashed (signal %d%s%s)", sig, name ? ", SIG" : "", name ? name : "");
		goto out;
	}
	if (got == 0) {
		dlp_error_set("exited (status %d) without an answer", WEXITSTATUS(status));
		goto out;
	}
	if (in[0] == 'E') {
		in[got] = '\0';
		dlp_error_set("%s", in + 1);
		goto out;
	}
	*len = got - 1;
	memcpy(buf, in + 1, *len);
	ret = 0;
out:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	free(in);
	return ret;
}
