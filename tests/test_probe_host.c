/* A document's host identity from fixture DMI trees (tests/fixtures/dmi/). */
#include <string.h>

#include "support/testutil.h"
#include "dlprobe/probe.h"

static const char *s(const json_t *h, const char *k)
{
	return json_string_value(json_object_get(h, k));
}

static void aws_names_its_instance_type(void **state)
{
	json_t *h = dlp_probe_host("tests/fixtures/dmi/aws");

	(void)state;
	assert_string_equal(s(h, "sys_vendor"), "Amazon EC2");
	assert_string_equal(s(h, "instance_type"), "c7i.2xlarge");
	assert_non_null(s(h, "hostname"));
	json_decref(h);
}

static void gcp_product_is_no_instance_type(void **state)
{
	json_t *h = dlp_probe_host("tests/fixtures/dmi/gcp");

	(void)state;
	assert_string_equal(s(h, "product_name"), "Google Compute Engine");
	assert_true(json_is_null(json_object_get(h, "instance_type")));
	json_decref(h);
}

static void no_dmi_is_null_not_empty(void **state)
{
	json_t *h = dlp_probe_host("tests/fixtures/dmi/none");

	(void)state;
	assert_true(json_is_null(json_object_get(h, "sys_vendor")));
	assert_true(json_is_null(json_object_get(h, "product_name")));
	assert_true(json_is_null(json_object_get(h, "instance_type")));
	json_decref(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(aws_names_its_instance_type),
		cmocka_unit_test(gcp_product_is_no_instance_type),
		cmocka_unit_test(no_dmi_is_null_not_empty),
	};
	return cmocka_run_group_tests_name("probe_host", tests, NULL, NULL);
}
