/* Running a call in a child process: answers, errors, crashes, hangs, a
 * child that answers more than the buffer holds, progress notes, and a child
 * that must not outlive its parent nor its own deadline. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support/testutil.h"
#include "common/isolate.h"
#include "dlprobe/dlprobe.h"

static int answer(void *arg, void *buf, size_t cap, size_t *len)
{
	const char *s = arg;

	*len = strlen(s);
	if (*len > cap)
		*len = cap + 1; /* claims more than fits: the wrapper refuses it */
	else
		memcpy(buf, s, *len);
	return 0;
}

static int fails(void *arg, void *buf, size_t cap, size_t *len)
{
	(void)arg; (void)buf; (void)cap; (void)len;
	return dlp_error_set("driver said no");
}

static int crashes(void *arg, void *buf, size_t cap, size_t *len)
{
	(void)arg; (void)buf; (void)cap; (void)len;
	raise(SIGSEGV);
	return 0;
}

static int hangs(void *arg, void *buf, size_t cap, size_t *len)
{
	(void)arg; (void)buf; (void)cap; (void)len;
	for (;;)
		pause();
	return 0;
}

static void ok_answer(void **state)
{
	char buf[16] = "";
	size_t len = 0;

	(void)state;
	assert_int_equal(dlp_isolate_run(answer, "hello", buf, sizeof buf, &len, 5), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(buf, "hello", 5);
	/* exactly the capacity is still an answer */
	assert_int_equal(dlp_isolate_run(answer, "0123456789abcdef", buf, sizeof buf, &len, 5), 0);
	assert_int_equal(len, 16);
}

static void child_errors(void **state)
{
	char buf[16];
	size_t len = 99;

	(void)state;
	assert_int_equal(dlp_isolate_run(fails, NULL, buf, sizeof buf, &len, 5), -1);
	assert_string_equal(dlp_error_message(), "driver said no");
	assert_int_equal(len, 0);
	assert_int_equal(dlp_isolate_run(answer, "far more than sixteen bytes", buf, sizeof buf, &len, 5), -1);
	assert_string_equal(dlp_error_message(), "answer too large");
}

static void crash_and_hang(void **state)
{
	char buf[16];
	size_t len;

	(void)state;
	assert_int_equal(dlp_isolate_run(crashes, NULL, buf, sizeof buf, &len, 5), -1);
	assert_non_null(strstr(dlp_error_message(), "crashed (signal 11, SIGSEGV)"));
	assert_int_equal(dlp_isolate_run(hangs, NULL, buf, sizeof buf, &len, 0.2), -1);
	assert_string_equal(dlp_error_message(), "did not answer within 0.2 s");
}

/* ---- answers of any size, with progress notes ---------------------------- */
#define BIG_ANSWER 300000

static int big_with_notes(void *arg, const char **answer, size_t *len)
{
	static char big[BIG_ANSWER];
	size_t n = *(size_t *)arg, i;

	dlp_isolate_note("first");
	dlp_isolate_note("second");
	for (i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	*answer = big;
	*len = n;
	return 0;
}

static void collect(void *user, const char *text)
{
	char *notes = user;

	strcat(notes, text);
	strcat(notes, ";");
}

static void call_answers_and_notes(void **state)
{
	char notes[64] = "", *answer = NULL;
	size_t n = BIG_ANSWER, len = 0;
	dlp_isolate_opts o = { 5, BIG_ANSWER, collect, notes };

	(void)state;
	assert_int_equal(dlp_isolate_call(big_with_notes, &n, &o, &answer, &len), 0);
	assert_int_equal(len, n);
	assert_int_equal(answer[0], 'a');
	assert_int_equal(answer[n - 1], (char)('a' + (n - 1) % 26));
	assert_int_equal(answer[n], '\0');
	assert_string_equal(notes, "first;second;");
	free(answer);
	/* one byte over the limit: refused, and the child is not waited for */
	o.max_bytes = n - 1;
	notes[0] = '\0';
	assert_int_equal(dlp_isolate_call(big_with_notes, &n, &o, &answer, &len), -1);
	assert_null(answer);
	assert_string_equal(dlp_error_message(), "answered more than 299999 bytes");
	/* dlp_isolate_note outside a child does nothing */
	dlp_isolate_note("nobody listens");
}

/* ---- the child dies with its parent, and at its own deadline -------------- */
/* Tells the test its pid through the pipe in arg, then hangs. */
static int report_pid_and_hang(void *arg, void *buf, size_t cap, size_t *len)
{
	pid_t me = getpid();

	(void)buf; (void)cap; (void)len;
	if (write(*(int *)arg, &me, sizeof me) != (ssize_t)sizeof me)
		return dlp_error_set("cannot report the pid");
	for (;;)
		pause();
	return 0;
}

/* Fork a "dlprobe" that runs report_pid_and_hang isolated with timeout_s;
 * returns its pid and the isolated child's pid in *child. The test process
 * is a subreaper, so an orphaned child becomes its own to wait for. */
static pid_t start_parent(double timeout_s, pid_t *child)
{
	int fds[2];
	pid_t parent;

	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	assert_int_equal(pipe(fds), 0);
	parent = fork();
	assert_true(parent >= 0);
	if (parent == 0) {
		char buf[8];
		size_t len;

		close(fds[0]);
		dlp_isolate_run(report_pid_and_hang, &fds[1], buf, sizeof buf, &len, timeout_s);
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], child, sizeof *child), (ssize_t)sizeof *child);
	close(fds[0]);
	return parent;
}

/* Wait up to wait_s for pid (ours to reap) to end; 1 when it died of SIGKILL. */
static int killed_within(pid_t pid, double wait_s)
{
	const struct timespec nap = { 0, 10 * 1000 * 1000 };
	int status, i;

	for (i = 0; i < (int)(wait_s * 100); i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
		nanosleep(&nap, NULL);
	}
	/* still there: end it, so a failing test leaves nothing behind either */
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return 0;
}

static void killed_parent_leaves_no_child(void **state)
{
	pid_t child, parent;
	int status;

	(void)state;
	parent = start_parent(60, &child);
	assert_int_equal(kill(parent, SIGKILL), 0);
	assert_int_equal(waitpid(parent, &status, 0), parent);
	assert_true(killed_within(child, 5));
}

/* A parent that cannot act (stopped here; in life, stuck) does not keep its
 * child: the child's own timer ends it shortly after the deadline. */
static void child_enforces_its_own_deadline(void **state)
{
	pid_t child, parent;
	int status;

	(void)state;
	parent = start_parent(0.3, &child);
	assert_int_equal(kill(parent, SIGSTOP), 0);
	/* stopped, the parent cannot reap: the child shows up as a zombie */
	{
		char path[64], line[256];
		int dead = 0, i;

		snprintf(path, sizeof path, "/proc/%d/stat", (int)child);
		for (i = 0; i < 800 && !dead; i++) {
			const struct timespec nap = { 0, 10 * 1000 * 1000 };
			FILE *f = fopen(path, "r");
			char *close_paren;

			if (!f)
				break;
			if (fgets(line, sizeof line, f) && (close_paren = strrchr(line, ')')))
				dead = close_paren[2] == 'Z';
			fclose(f);
			nanosleep(&nap, NULL);
		}
		kill(parent, SIGKILL);
		waitpid(parent, &status, 0);
		/* orphaned to the test, the child is reaped here (or ended, alive) */
		assert_true(killed_within(child, dead ? 5 : 0.1));
		assert_true(dead);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ok_answer),
		cmocka_unit_test(child_errors),
		cmocka_unit_test(crash_and_hang),
		cmocka_unit_test(call_answers_and_notes),
		cmocka_unit_test(killed_parent_leaves_no_child),
		cmocka_unit_test(child_enforces_its_own_deadline),
	};
	return cmocka_run_group_tests_name("isolate", tests, NULL, NULL);
}
