#include <math.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "testjson.h"

json_t *test_fixture(const char *name)
{
	char path[256];
	json_error_t err;
	json_t *d;

	snprintf(path, sizeof path, "tests/fixtures/%s", name);
	d = json_load_file(path, 0, &err);
	if (!d)
		print_error("%s: %s\n", path, err.text);
	assert_non_null(d);
	return d;
}

double test_num(const json_t *o, const char *path)
{
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof buf, "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && o; tok = strtok_r(NULL, ".", &save))
		o = json_object_get(o, tok);
	return json_is_number(o) ? json_number_value(o) : NAN;
}
