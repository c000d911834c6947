/* The estimator's modelling constants (estimator/constants.h): every key the
 * code reads is in the data compiled in, and every constant the data holds is
 * one the code reads (a constant nobody reads is a figure that looks like it
 * matters and does not). */
#include <math.h>
#include <string.h>
#include <jansson.h>

#include "support/testutil.h"
#include "dlprobe/dlprobe.h"
#include "estimator/constants.h"

static int code_reads(const char *file, const char *section, const char *key)
{
	const char *f, *s, *k;
	size_t i;

	for (i = 0; dlp_constant_key(i, &f, &s, &k) == 0; i++)
		if (strcmp(f, file) == 0 && strcmp(k, key) == 0 &&
		    ((!s && !section) || (s && section && strcmp(s, section) == 0)))
			return 1;
	return 0;
}

static json_t *embedded(const char *name)
{
	size_t len;
	const char *text = dlp_embedded_get(name, &len);

	assert_non_null(text);
	return json_loadb(text, len, 0, NULL);
}

static void every_key_loads(void **state)
{
	const struct dlp_constants *k = dlp_constants();

	(void)state;
	assert_non_null(k);
	/* spot checks against the values the golden outputs were made with */
	assert_true(k->stack_spread.value == 2.3);
	assert_true(k->classical_spread.value == 2.0);
	assert_true(k->flops.bn.value == 4);
	assert_non_null(strstr(k->stack_spread.basis, "MLPerf"));
	assert_true(k->cpu_efficiency.value > 0 && k->cpu_efficiency.value <= 1);
	assert_non_null(k->gpu_efficiency.basis);
}

static void no_constant_unread(void **state)
{
	static const struct {
		const char *file, *section;
	} sections[] = {
		{"estimator.json", "constants"},
		{"estimator.json", "flops_per_element"},
		{"instances.json", "assumptions"},
	};
	size_t i, n = 0;
	const char *key, *file, *section;
	json_t *v;

	(void)state;
	for (i = 0; i < sizeof sections / sizeof sections[0]; i++) {
		json_t *doc = embedded(sections[i].file);

		json_object_foreach(json_object_get(doc, sections[i].section), key, v) {
			if (!code_reads(sections[i].file, sections[i].section, key))
				fail_msg("data/%s %s.%s is read by no code", sections[i].file, sections[i].section, key);
			n++;
		}
		json_decref(doc);
	}
	/* and the reverse: every key the code reads, found above or a top-level one */
	for (i = 0; dlp_constant_key(i, &file, &section, &key) == 0; i++)
		;
	assert_int_equal(i, n + 2); /* + gpu_efficiency, cpu_efficiency */
}

/* A key missing from the data is an error naming it, never a 0. */
static void missing_key_fails(void **state)
{
	json_t *est = embedded("estimator.json"), *inst = embedded("instances.json");
	struct dlp_constants k;

	(void)state;
	assert_int_equal(dlp_constants_read(est, inst, &k), 0);
	json_object_del(json_object_get(inst, "assumptions"), "thread_scaling_exponent");
	assert_int_equal(dlp_constants_read(est, inst, &k), -1);
	assert_non_null(strstr(dlp_error_message(), "thread_scaling_exponent"));
	json_decref(inst);
	inst = embedded("instances.json");
	json_object_set_new(json_object_get(json_object_get(est, "constants"), "stack_spread"), "value",
			    json_string("2.3"));
	assert_int_equal(dlp_constants_read(est, inst, &k), -1);
	assert_non_null(strstr(dlp_error_message(), "constants.stack_spread"));
	json_decref(est);
	json_decref(inst);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_key_loads),
		cmocka_unit_test(no_constant_unread),
		cmocka_unit_test(missing_key_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
