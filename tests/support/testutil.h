/* Shared by the cmocka suites: cmocka needs these headers in this order. */
#ifndef DLPROBE_TESTUTIL_H
#define DLPROBE_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* The build directory the fakes were built in (make passes DLP_TEST_BUILD). */
const char *test_build_dir(void);
/* "<build>/tests/<name>" in a static buffer. */
const char *test_build_path(const char *name);

#endif
