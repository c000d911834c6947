/* The shared kernel and dtype vocabulary (include/dlprobe/bench.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "dlprobe/bench.h"

static void dtypes_round_trip(void **state)
{
	int d;

	(void)state;
	for (d = 0; d < DLP_NDTYPE; d++)
		assert_int_equal(dlp_dtype_parse(dlp_dtype_name((enum dlp_dtype)d)), d);
	assert_int_equal(dlp_dtype_size(DLP_FP64), 8);
	assert_int_equal(dlp_dtype_size(DLP_TF32), 4);
	assert_int_equal(dlp_dtype_size(DLP_BF16), 2);
	assert_int_equal(dlp_dtype_size(DLP_NDTYPE), 0);
	assert_int_equal(dlp_dtype_parse("int8"), -1);
	assert_int_equal(dlp_dtype_parse(NULL), -1);
	assert_string_equal(dlp_dtype_name(DLP_NDTYPE), "?");
}

/* Every row: a known name, emitted by some backend; a row the estimator reads
 * says which rate and which rule; names are unique. */
static void kernel_table_is_consistent(void **state)
{
	const dlp_kernel_info *k, *j;
	size_t i, n;

	(void)state;
	for (i = 0; (k = dlp_kernel_at(i)); i++) {
		assert_ptr_equal(dlp_kernel_find(k->kernel), k);
		assert_true(k->backends != 0);
		assert_non_null(k->why);
		assert_int_equal(k->field == DLP_FIELD_NONE, k->rate_key == NULL);
		assert_int_equal(k->field == DLP_FIELD_NONE, k->rule == DLP_RULE_NONE);
		for (n = i + 1; (j = dlp_kernel_at(n)); n++)
			assert_true(strcmp(j->kernel, k->kernel) != 0);
	}
	assert_true(i >= 7);
	assert_null(dlp_kernel_find("gemm2"));
	assert_null(dlp_kernel_find(NULL));
	assert_int_equal(dlp_kernel_find(DLP_KERNEL_GEMM)->field, DLP_FIELD_GEMM_RATES);
	assert_string_equal(dlp_kernel_find(DLP_KERNEL_HISTOGRAM)->rate_key, DLP_RATE_GUPDATES);
	/* logreg's fresh pages: bytes per second, read as a classical rate */
	assert_int_equal(dlp_kernel_find(DLP_KERNEL_FIRST_TOUCH)->field, DLP_FIELD_CLASSICAL);
	assert_string_equal(dlp_kernel_find(DLP_KERNEL_FIRST_TOUCH)->rate_key, DLP_RATE_GBPS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dtypes_round_trip),
		cmocka_unit_test(kernel_table_is_consistent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
