/* Running the framework probe in a child interpreter (kernels/framework.h).
 * The script goes in on stdin, one JSON object comes back on stdout; a hang
 * is killed at the deadline, so a broken framework costs its own result
 * and never the bench. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/isolate.h"
#include "dlprobe/json.h"
#include "kernels/framework.h"

#define MAX_OUT (1u << 20)      /* the probe prints a few KiB */
#define EXIT_NO_EXEC 127

static const char *python_path(void)
{
	const char *e = getenv("DLPROBE_PYTHON");

	if (e && *e)
		return e;
	return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

/* Appends what fd has to buf (capacity MAX_OUT); 1 at EOF. Full, it keeps
 * its newer half: only the last whole line is read, and a probe that
 * prints its record again after every part (tens of KiB each for a large
 * model's convolutions) would otherwise leave a stale one. */
static int drain(int fd, char *buf, size_t *len)
{
	char tmp[4096];
	ssize_t r = read(fd, tmp, sizeof tmp);

	if (r < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : 1;
	if (r == 0)
		return 1;
	if (*len + (size_t)r >= MAX_OUT) {
		memmove(buf, buf + *len - MAX_OUT / 2, MAX_OUT / 2);
		*len = MAX_OUT / 2;
	}
	memcpy(buf + *len, tmp, (size_t)r);
	*len += (size_t)r;
	return 0;
}

static json_t *finish(json_t *o, dlp_status st, const char *reason, double t0)
{
	dlp_json_set_status(o, st, reason);
	json_object_set_new(o, "elapsed_s", dlp_json_real(dlp_clock_s(CLOCK_MONOTONIC) - t0));
	return o;
}

/* The child interpreter and what it printed. */
struct child {
	pid_t pid;
	int in[2], outp[2], errp[2];
	char *out, *err;        /* MAX_OUT + 1 bytes each */
	size_t olen, elen;
	int status;
};

/* One variable of the child's environment; name NULL ends a list. */
struct env_var {
	const char *name, *value;
};

/* Fork py reading its script from stdin, env set in its environment (a
 * NULL value: left as it is); -1 with the reason in why. */
static int child_start(struct child *c, const char *py, double timeout_s, const struct env_var *env,
		       char *why, size_t len)
{
	char budget[32];

	if (pipe(c->in) || pipe(c->outp) || pipe(c->errp)) {
		snprintf(why, len, "pipe: %s", strerror(errno));
		return -1;
	}
	/* the script's own budget leaves the interpreter time to exit */
	snprintf(budget, sizeof budget, "%.2f", timeout_s * DLP_FW_BUDGET_SHARE);
	c->pid = fork();
	if (c->pid < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		return -1;
	}
	if (c->pid == 0) {
		/* its own process group: a hang is killed with whatever it started */
		setpgid(0, 0);
		dup2(c->in[0], 0);
		dup2(c->outp[1], 1);
		dup2(c->errp[1], 2);
		close(c->in[1]);
		close(c->outp[0]);
		close(c->errp[0]);
		setenv("DLPROBE_FW_BUDGET_S", budget, 1);
		for (; env && env->name; env++)
			if (env->value)
				setenv(env->name, env->value, 1);
		execlp(py, py, "-", (char *)NULL);
		_exit(EXIT_NO_EXEC);
	}
	close(c->in[0]);
	close(c->outp[1]);
	close(c->errp[1]);
	c->in[0] = c->outp[1] = c->errp[1] = -1;
	return 0;
}

/* The script on the child's stdin, then end of file. */
static void child_feed(struct child *c, const char *script, size_t slen)
{
	/* a few KiB: the pipe takes it whole. A python that is already gone
	 * would raise SIGPIPE: blocked here, and a pending one consumed, so
	 * the process's signal handling is left as it was; the exit status
	 * says what happened */
	sigset_t pipe_set, old_set;
	struct timespec zero = { 0, 0 };
	ssize_t w;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
	w = write(c->in[1], script, slen);
	if (w < 0 && errno == EPIPE)
		sigtimedwait(&pipe_set, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &old_set, NULL);
	close(c->in[1]);
	c->in[1] = -1;
}

/* The child's stdout and stderr until both close, then its exit status.
 * 1 when the deadline came first: the child is then killed and reaped,
 * what it printed kept. */
static int child_collect(struct child *c, double deadline)
{
	int open_fds = 2;

	while (open_fds > 0) {
		struct pollfd pf[2] = { { c->outp[0], POLLIN, 0 }, { c->errp[0], POLLIN, 0 } };
		double left = deadline - dlp_clock_s(CLOCK_MONOTONIC);
		int i;

		if (left <= 0) {
			kill(-c->pid, SIGKILL);
			waitpid(c->pid, &c->status, 0);
			c->pid = -1;
			c->out[c->olen] = c->err[c->elen] = '\0';
			return 1;
		}
		if (poll(pf, 2, (int)(left * 1000) + 1) < 0 && errno != EINTR)
			break;
		for (i = 0; i < 2; i++)
			if (pf[i].fd >= 0 && (pf[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    drain(pf[i].fd, i ? c->err : c->out, i ? &c->elen : &c->olen)) {
				close(pf[i].fd);
				if (i)
					c->errp[0] = -1;
				else
					c->outp[0] = -1;
				open_fds--;
			}
	}
	waitpid(c->pid, &c->status, 0);
	c->pid = -1;
	c->out[c->olen] = c->err[c->elen] = '\0';
	return 0;
}

/* The last whole line of out that is a JSON object: the probe prints its
 * result so far after every part, so a probe stopped midway still says what
 * it finished. A last line without its newline counts only when the child
 * ended by itself (complete); one cut off by the kill does not. NULL: none. */
static json_t *last_object(const char *out, size_t len, int complete)
{
	size_t end = len;

	if (!complete)
		while (end > 0 && out[end - 1] != '\n')
			end--;
	while (end > 0) {
		size_t start = end - 1;
		json_t *doc;

		while (start > 0 && out[start - 1] != '\n')
			start--;
		doc = json_loadb(out + start, end - start, 0, NULL);
		if (json_is_object(doc))
			return doc;
		json_decref(doc);
		end = start;
	}
	return NULL;
}

/* The last line of the child's stderr: python's own reason. */
static const char *last_err_line(struct child *c)
{
	char *err = c->err, *last = c->elen ? err + c->elen - 1 : err;

	while (last > err && *last == '\n')
		*last-- = '\0';
	while (last > err && last[-1] != '\n')
		last--;
	return last;
}

/* o from how the child ended: the parts it finished merged in (each with
 * its own status, the unfinished ones saying so), and the whole probe's
 * status: ok when the child ended by itself with a result, else error with
 * why. timed_out: it was killed at timeout_s. */
static void child_verdict(json_t *o, struct child *c, const char *py, double t0, double timeout_s, int timed_out)
{
	int status = c->status, ended_ok = !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	json_t *doc = last_object(c->out, c->olen, !timed_out && WIFEXITED(status));
	char why[400];
	int n = 0;

	if (timed_out)
		n = snprintf(why, sizeof why, "%s %s %.1f s (killed)", py, DLP_ISOLATE_TIMED_OUT, timeout_s);
	else if (WIFSIGNALED(status))
		n = snprintf(why, sizeof why, "%s crashed (signal %d, %s)", py, WTERMSIG(status),
			     strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_NO_EXEC)
		n = snprintf(why, sizeof why, "no python interpreter \"%s\" (set DLPROBE_PYTHON)", py);
	else if (!ended_ok)
		n = snprintf(why, sizeof why, "%s exited with status %d: %.200s", py, WEXITSTATUS(status),
			     last_err_line(c));
	else if (!doc)
		n = snprintf(why, sizeof why, "the framework probe printed no JSON object");
	if (doc) {
		json_object_update(o, doc);
		json_decref(doc);
		if (!ended_ok && n > 0 && (size_t)n < sizeof why)
			snprintf(why + n, sizeof why - (size_t)n, "; the parts it finished are kept");
	}
	if (ended_ok && doc)
		finish(o, DLP_STATUS_OK, NULL, t0);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_NO_EXEC && !timed_out)
		finish(o, DLP_STATUS_UNAVAILABLE, why, t0);
	else
		finish(o, DLP_STATUS_ERROR, why, t0);
}

/* Kill a child still running, close what is open, free the buffers. */
static void child_end(struct child *c)
{
	int i;

	if (c->pid > 0) {
		kill(-c->pid, SIGKILL);
		waitpid(c->pid, &c->status, 0);
	}
	for (i = 0; i < 2; i++) {
		if (c->in[i] >= 0)
			close(c->in[i]);
		if (c->outp[i] >= 0)
			close(c->outp[i]);
		if (c->errp[i] >= 0)
			close(c->errp[i]);
	}
	free(c->out);
	free(c->err);
}

/* The embedded probe in a child python with env, killed at timeout_s. */
static json_t *run_probe(double timeout_s, const struct env_var *env)
{
	const char *py = python_path();
	size_t slen = 0;
	const char *script = dlp_embedded_get("framework_probe.py", &slen);
	json_t *o = json_pack("{s:s}", "python", py);
	struct child c = { .pid = -1, .in = { -1, -1 }, .outp = { -1, -1 }, .errp = { -1, -1 } };
	char why[320];
	double t0 = dlp_clock_s(CLOCK_MONOTONIC);

	c.out = malloc(MAX_OUT + 1);
	c.err = malloc(MAX_OUT + 1);
	if (!o || !c.out || !c.err || !script) {
		child_end(&c);
		return o ? finish(o, DLP_STATUS_ERROR, script ? "out of memory" : "the probe script is not compiled in",
				  t0) : NULL;
	}
	if (child_start(&c, py, timeout_s, env, why, sizeof why) != 0) {
		finish(o, DLP_STATUS_ERROR, why, t0);
		goto out;
	}
	child_feed(&c, script, slen);
	child_verdict(o, &c, py, t0, timeout_s, child_collect(&c, t0 + timeout_s));
out:
	child_end(&c);
	return o;
}

json_t *dlp_framework_probe(double timeout_s, const char *isa_best)
{
	const struct env_var env[] = { { "DLPROBE_CPU_ISA_BEST", isa_best }, { NULL, NULL } };

	return run_probe(timeout_s, env);
}

json_t *dlp_framework_conv(const json_t *convs, const json_t *acts, int batch, double budget_s)
{
	json_t *req = json_pack("{s:i,s:O,s:O}", "batch", batch, "conv", convs, "activation", acts), *o = NULL;
	const char *dir = getenv("TMPDIR");
	char path[4096];
	/* in a file, not the environment: execve refuses one variable past
	 * 128 KiB (E2BIG), and a large model's request comes near it */
	const struct env_var env[] = { { DLP_FW_CONV_FILE_ENV, path }, { NULL, NULL } };
	int fd = -1;

	if (!req) {
		o = json_pack("{s:s,s:s}", "status", "error", "reason", "out of memory");
		goto out;
	}
	snprintf(path, sizeof path, "%s/dlprobe-fw-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0 || json_dumpfd(req, fd, JSON_COMPACT) != 0) {
		int e = errno;

		o = json_pack("{s:s,s:s+}", "status", "error", "reason", "cannot write the request for the framework: ",
			      strerror(e));
		goto out;
	}
	/* the script's budget is DLP_FW_BUDGET_SHARE of the limit */
	o = run_probe((budget_s + DLP_FRAMEWORK_IMPORT_S) / DLP_FW_BUDGET_SHARE, env);
out:
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	json_decref(req);
	return o;
}
