/* JSON helpers: non-finite numbers become null, documents round-trip, and a
 * reader refuses another schema major version. */
#include <math.h>
#include <string.h>

#include "support/testutil.h"
#include "dlprobe/json.h"
#include "dlprobe/probe.h"

static void nonfinite_is_null(void **state)
{
	json_t *o = json_object();
	char *s;

	(void)state;
	json_object_set_new(o, "nan", dlp_json_real(NAN));
	json_object_set_new(o, "inf", dlp_json_real(INFINITY));
	json_object_set_new(o, "ninf", dlp_json_real(-INFINITY));
	json_object_set_new(o, "x", dlp_json_real(1.5));
	json_object_set_new(o, "unknown_count", dlp_json_count(-1));
	json_object_set_new(o, "empty", dlp_json_str(""));
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"empty\":null,\"inf\":null,\"nan\":null,\"ninf\":null,\"unknown_count\":null,\"x\":1.5}");
	free(s);
	json_decref(o);
}

/* The one reader of numbers in documents: unknown is NaN, never 0. */
static void numbers_read_back(void **state)
{
	json_t *o = json_pack("{s:f,s:i,s:n,s:s,s:{s:{s:f}}}", "a", 2.5, "b", 3, "c", "d", "x", "e", "f", "g", 7.0);

	(void)state;
	assert_non_null(o);
	assert_true(dlp_json_num(o, "a") == 2.5);
	assert_true(dlp_json_num(o, "b") == 3);
	assert_true(isnan(dlp_json_num(o, "c")));      /* null */
	assert_true(isnan(dlp_json_num(o, "d")));      /* a string */
	assert_true(isnan(dlp_json_num(o, "missing")));
	assert_true(isnan(dlp_json_num(NULL, "a")));
	assert_true(dlp_json_num_at(o, "e", "f", "g", NULL) == 7.0);
	assert_true(isnan(dlp_json_num_at(o, "e", "x", "g", NULL)));
	assert_true(isnan(dlp_json_num_at(o, "e", NULL))); /* an object */
	json_decref(o);
}

static void status_and_reason(void **state)
{
	json_t *o = json_object();

	(void)state;
	dlp_json_set_status(o, DLP_STATUS_UNAVAILABLE, "no device");
	assert_string_equal(json_string_value(json_object_get(o, "status")), "unavailable");
	assert_string_equal(json_string_value(json_object_get(o, "reason")), "no device");
	dlp_json_set_status(o, DLP_STATUS_OK, NULL);
	assert_true(json_is_null(json_object_get(o, "reason")));
	json_decref(o);
}

static void probe_document_round_trip(void **state)
{
	dlp_probe_opts po = { 0 };
	json_t *doc = dlp_json_document_new(), *back;
	json_error_t e;
	char *s;

	(void)state;
	po.hwloc_synthetic = "pack:2 core:2 pu:2";
	po.skip_opencl = po.skip_cuda = 1;
	json_object_set_new(doc, "probe", dlp_probe_run(&po));
	s = json_dumps(doc, JSON_INDENT(2));
	assert_non_null(s);
	back = json_loads(s, JSON_REJECT_DUPLICATES, &e);
	assert_non_null(back);
	assert_true(json_equal(doc, back));
	assert_int_equal(dlp_json_check_schema(back), 0);
	/* 64-bit sizes survive exactly */
	json_object_set_new(back, "big", json_integer(9007199254740993ll));
	free(s);
	s = json_dumps(back, JSON_COMPACT);
	json_decref(back);
	back = json_loads(s, 0, &e);
	assert_int_equal(json_integer_value(json_object_get(back, "big")), 9007199254740993ll);
	free(s);
	json_decref(back);
	json_decref(doc);
}

static void schema_major_checked(void **state)
{
	json_t *d = json_object();

	(void)state;
	assert_int_equal(dlp_json_check_schema(d), -1);
	assert_non_null(strstr(dlp_error_message(), "no schema_version"));
	json_object_set_new(d, "schema_version", json_string("2.0"));
	assert_int_equal(dlp_json_check_schema(d), -1);
	assert_non_null(strstr(dlp_error_message(), "not supported"));
	json_object_set_new(d, "schema_version", json_string("1.7"));
	assert_int_equal(dlp_json_check_schema(d), 0);
	json_object_set_new(d, "schema_version", json_string("one"));
	assert_int_equal(dlp_json_check_schema(d), -1);
	assert_int_equal(dlp_json_check_schema(NULL), -1);
	json_decref(d);
}

static void embedded_data(void **state)
{
	size_t len = 0;
	const char *s = dlp_embedded_get("dlprobe.schema.json", &len);
	json_error_t e;
	json_t *j;

	(void)state;
	assert_non_null(s);
	assert_true(len > 100);
	assert_int_equal(s[len], '\0');
	j = json_loadb(s, len, 0, &e);
	assert_non_null(j);
	json_decref(j);
	assert_null(dlp_embedded_get("no/such.json", NULL));
	assert_non_null(dlp_embedded_name(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nonfinite_is_null),
		cmocka_unit_test(numbers_read_back),
		cmocka_unit_test(status_and_reason),
		cmocka_unit_test(probe_document_round_trip),
		cmocka_unit_test(schema_major_checked),
		cmocka_unit_test(embedded_data),
	};
	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
