#include <stdio.h>
#include <stdlib.h>

#include "fuzz/fuzz.h"

void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: property failed: %s\n", file, line, what);
	abort();
}

void fuzz_check_range(const json_t *r)
{
	const json_t *lo = json_object_get(r, "low"), *ex = json_object_get(r, "expected"),
		     *hi = json_object_get(r, "high");

	if (json_is_number(lo) && json_is_number(ex) && json_is_number(hi)) {
		FUZZ_ASSERT(json_number_value(lo) >= 0);
		FUZZ_ASSERT(json_number_value(lo) <= json_number_value(ex));
		FUZZ_ASSERT(json_number_value(ex) <= json_number_value(hi));
	}
}
