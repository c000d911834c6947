/* The report's units (report/units.c): what a person reads in the tables. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "report/report.h"

/* Money from cents to a cluster's decade: no exponent at any size, and a
 * price of 0 is $0, not unknown. */
static void usd_never_an_exponent(void **state)
{
	static const struct { double v; const char *want; } cases[] = {
		{ NAN, "-" }, { 0, "$0" }, { 0.004, "<$0.01" }, { 0.5, "$0.50" }, { 173, "$173" },
		{ 2.5e6, "$2.5M" }, { 1.5e8, "$150M" }, { 1.3e9, "$1.3B" }, { 1.9e11, "$190B" },
		{ 1.3e14, "$130T" }, { 1.3e15, "over $1000T" },
	};
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		dlp_report_usd(cases[i].v, buf, sizeof buf);
		assert_string_equal(buf, cases[i].want);
		assert_null(strstr(buf, "e+"));
		assert_null(strstr(buf, "e-"));
	}
}

/* However long, a duration fits a column: no eight-digit year counts. */
static void duration_long_runs(void **state)
{
	static const double year = 365.25 * 86400;
	char buf[48];

	(void)state;
	assert_string_equal(dlp_report_duration(4 * year, buf, sizeof buf), "4.0 years");
	assert_string_equal(dlp_report_duration(9000 * year, buf, sizeof buf), "9000 years");
	assert_string_equal(dlp_report_duration(25000 * year, buf, sizeof buf), "25 thousand years");
	assert_string_equal(dlp_report_duration_range(39434589 * year, 90699556 * year, buf, sizeof buf),
			    "39-91 million years");
	/* past a billion years the digits say nothing and overflow a column */
	assert_string_equal(dlp_report_duration(3e9 * year, buf, sizeof buf), "over a billion years");
	assert_string_equal(dlp_report_duration_range(5e7 * year, 3e9 * year, buf, sizeof buf),
			    "50 million years to over a billion years");
	assert_string_equal(dlp_report_duration_range(4e13 * year, 9e13 * year, buf, sizeof buf),
			    "over a billion years");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(usd_never_an_exponent),
		cmocka_unit_test(duration_long_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
