#include <stdio.h>
#include <stdlib.h>

#include "testutil.h"

const char *test_build_dir(void)
{
	const char *b = getenv("DLP_TEST_BUILD");
	return b && *b ? b : "build";
}

const char *test_build_path(const char *name)
{
	static char buf[1024];

	snprintf(buf, sizeof buf, "%s/tests/%s", test_build_dir(), name);
	return buf;
}
