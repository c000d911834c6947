/* Running a call in a child process: answers, errors, crashes, hangs and a
 * child that answers more than the buffer holds. */
#include <signal.h>
#include <string.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ok_answer),
		cmocka_unit_test(child_errors),
		cmocka_unit_test(crash_and_hang),
	};
	return cmocka_run_group_tests_name("isolate", tests, NULL, NULL);
}
