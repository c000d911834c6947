/* Hostile numbers (issue 15, item 3 and 6): every count read from a file or
 * a spec is decimal, range-checked before it narrows, and computed wide
 * enough not to overflow. Each case here was a wrong answer or undefined
 * behaviour before: a truncated input, a negative training time, an
 * overflowing parser. */
#include <math.h>
#include <string.h>

#include "support/testutil.h"
#include "common/decimal.h"
#include "dlprobe/dlprobe.h"
#include "estimator/estimator.h"
#include "probe/cgroup.h"
#include "probe/memory.h"
#include "probe/sysfile.h"

static void decimal_only(void **state)
{
	const char *end;
	double v;
	long long n;

	(void)state;
	assert_int_equal(dlp_decimal_double("1.5e3x", &end, &v), 0);
	assert_true(v == 1500 && strcmp(end, "x") == 0);
	assert_int_equal(dlp_decimal_double(".5", &end, &v), 0);
	assert_int_equal(dlp_decimal_double("2e", &end, &v), 0);
	assert_true(v == 2 && strcmp(end, "e") == 0);
	/* hex stops at its leading 0: the caller sees "x10" left over */
	assert_int_equal(dlp_decimal_double("0x10", &end, &v), 0);
	assert_true(v == 0 && strcmp(end, "x10") == 0);
	assert_int_equal(dlp_decimal_double("inf", &end, &v), -1);
	assert_int_equal(dlp_decimal_double("nan", &end, &v), -1);
	assert_int_equal(dlp_decimal_double(" 1", &end, &v), -1);
	assert_int_equal(dlp_decimal_double("1e400", &end, &v), -1);
	assert_int_equal(dlp_decimal_double("1e-400", &end, &v), -1);
	assert_int_equal(dlp_decimal_double(".", &end, &v), -1);
	assert_int_equal(dlp_decimal_double("", &end, &v), -1);
	assert_int_equal(dlp_decimal_ll("42,", &end, 0, 100, &n), 0);
	assert_true(n == 42 && *end == ',');
	assert_int_equal(dlp_decimal_ll("101", &end, 0, 100, &n), -1);
	assert_int_equal(dlp_decimal_ll("+1", &end, 0, 100, &n), -1);
	assert_int_equal(dlp_decimal_ll(" 1", &end, 0, 100, &n), -1);
	assert_int_equal(dlp_decimal_ll("99999999999999999999", &end, 0, 100, &n), -1);
}

static void probe_parsers_bounded(void **state)
{
	struct dlp_memory m = { 0 };
	double cpus;
	long long q, p, b;

	(void)state;
	/* b - a + 1 overflowed a long */
	assert_int_equal(dlp_cpulist_count("0-9223372036854775807"), -1);
	assert_int_equal(dlp_cpulist_count("9223372036854775808"), -1);
	assert_int_equal(dlp_cpulist_count("0-3,0-3"), 8);
	assert_int_equal(dlp_cpulist_count("0x3"), -1);
	/* kB x 1024 overflowed a long long */
	assert_int_equal(dlp_memory_read_meminfo("tests/fixtures/hostile/meminfo_huge", &m), -1);
	assert_true(m.meminfo_total == -1);
	assert_true(m.meminfo_available == 1024000);
	assert_int_equal(dlp_memory_read_meminfo("tests/fixtures/hostile/meminfo_hex", &m), -1);
	assert_int_equal(dlp_cgroup_parse_cpu_max("99999999999999999999 100000", &cpus, &q, &p), -1);
	assert_int_equal(dlp_cgroup_parse_cpu_max("100000 99999999999999999999", &cpus, &q, &p), -1);
	assert_int_equal(dlp_cgroup_parse_cpu_max("0x10 100000", &cpus, &q, &p), -1);
	assert_int_equal(dlp_cgroup_parse_memory("99999999999999999999", &b), -1);
	assert_int_equal(dlp_cgroup_parse_memory(" 5", &b), -1);
}

static void durations(void **state)
{
	(void)state;
	assert_true(dlp_duration_parse("1.5h") == 5400);
	/* infinite once in seconds: was taken as "no deadline" */
	assert_true(dlp_duration_parse("1e306h") < 0);
	assert_non_null(strstr(dlp_error_message(), "out of range"));
	assert_true(dlp_duration_parse("200y") < 0);
	assert_true(dlp_duration_parse("101w") > 0);
	assert_true(dlp_duration_parse("6000mo") < 0);
	assert_true(dlp_duration_parse("0x10h") < 0);
	assert_true(dlp_duration_parse("infh") < 0);
	assert_true(dlp_duration_parse("nan") < 0);
}

static void datasets_decimal(void **state)
{
	dlp_dataset ds;

	(void)state;
	assert_int_equal(dlp_dataset_from_spec("tabular:0x10x5", &ds), -1);
	assert_int_equal(dlp_dataset_from_spec("tabular:16x5", &ds), 0);
	assert_true(ds.samples == 16 && ds.features == 5);
	assert_int_equal(dlp_dataset_from_spec("text:infx", &ds), -1);
	assert_int_equal(dlp_dataset_from_spec("tabular: 16x5", &ds), -1);
}

static dlp_model *model_text(const char *text)
{
	json_error_t err;
	json_t *d = json_loads(text, 0, &err);
	dlp_model *m;

	assert_non_null(d);
	m = dlp_model_from_json(d, 0, 0, 0, 0);
	json_decref(d);
	return m;
}

static void model_counts_wide(void **state)
{
	dlp_model *m;
	char text[512];

	(void)state;
	/* 4294967520 = 2^32 + 224: read as an int it was 224 */
	m = model_text("{\"name\":\"t\",\"input\":[3,4294967520,224],\"classes\":10,"
		       "\"layers\":[{\"op\":\"conv\",\"out\":8},{\"op\":\"gap\"},{\"op\":\"flatten\"},"
		       "{\"op\":\"dense\",\"out\":\"classes\"}]}");
	assert_null(m);
	assert_non_null(strstr(dlp_error_message(), "input[1]"));
	m = model_text("{\"name\":\"t\",\"input\":[3,32,32],\"classes\":4294967306,"
		       "\"layers\":[{\"op\":\"flatten\"},{\"op\":\"dense\",\"out\":\"classes\"}]}");
	assert_null(m);
	assert_non_null(strstr(dlp_error_message(), "classes"));
	m = model_text("{\"name\":\"t\",\"task\":\"text\",\"input\":[1,8,1],\"vocab\":4294967306,"
		       "\"layers\":[{\"op\":\"embedding\",\"dim\":8},{\"op\":\"dense\",\"out\":\"vocab\"}]}");
	assert_null(m);
	assert_non_null(strstr(dlp_error_message(), "vocab"));
	/* padding grows the image 2e6 per layer: h x w overflowed a long in
	 * positions() long before the layer limit */
	snprintf(text, sizeof text,
		 "{\"name\":\"t\",\"input\":[1,8,8],\"layers\":[{\"op\":\"repeat\",\"times\":5000,\"body\":"
		 "[{\"op\":\"conv\",\"out\":1,\"k\":1,\"pad\":1000000}]},{\"op\":\"dense\",\"out\":1}]}");
	m = model_text(text);
	assert_null(m);
	assert_non_null(strstr(dlp_error_message(), "out of range"));
	/* a vision transformer whose token count is h x w + 1 */
	m = model_text("{\"name\":\"t\",\"input\":[3,1000000000,1000000000],\"builder\":\"transformer\","
		       "\"embed\":\"patch\",\"head\":\"cls\",\"patch\":1,\"layers\":1,\"d_model\":8,\"heads\":1,"
		       "\"classes\":2}");
	assert_null(m);
	/* a caller's input override is held to the same bounds */
	m = dlp_model_from_spec("resnet18", 3, 2000000000, 2000000000, 0);
	assert_null(m);
	assert_non_null(strstr(dlp_error_message(), "not valid"));
}

/* An LSTM over 1e9 steps: steps x 3 ops overflowed an int and the op
 * overhead went negative, and with it the training time. */
static void lstm_long_sequence(void **state)
{
	dlp_model *m;
	dlp_profile p;
	dlp_dataset ds;
	dlp_train t;
	json_t *e;
	double low;

	(void)state;
	m = model_text("{\"name\":\"t\",\"task\":\"text\",\"input\":[1,1000000000,1],\"vocab\":10,"
		       "\"layers\":[{\"op\":\"embedding\",\"dim\":1},{\"op\":\"lstm\",\"hidden\":1},"
		       "{\"op\":\"dense\",\"out\":\"vocab\"}]}");
	assert_non_null(m);
	assert_true(m->layers[1].seq_steps == 1e9);
	assert_int_equal(dlp_profile_from_catalog("c7i.2xlarge", &p), 0);
	assert_int_equal(dlp_dataset_from_spec("text:1e10", &ds), 0);
	dlp_train_defaults(&t);
	e = dlp_estimate_deep(&p, m, &ds, &t);
	assert_non_null(e);
	low = json_number_value(json_object_get(json_object_get(e, "train_s"), "low"));
	assert_true(low > 0 && isfinite(low));
	/* three framework ops per time step, counted, not wrapped */
	assert_true(json_number_value(json_object_get(json_object_get(e, "step_breakdown_low_s"), "ops_per_step")) >=
		    3e9);
	json_decref(e);
	dlp_profile_free(&p);
	dlp_model_free(m);
}

static json_t *bench_with_memory(const char *value)
{
	json_error_t err;
	json_t *d = json_load_file("tests/fixtures/bench_cpu_minimal.json", 0, &err), *v;

	assert_non_null(d);
	v = json_loads(value, JSON_DECODE_ANY, &err);
	assert_non_null(v);
	json_object_set_new(json_object_get(json_object_get(d, "probe"), "memory"), "effective_bytes", v);
	return d;
}

/* effective_bytes 1e300 reached (long long)(1e300 / bytes per sample):
 * an undefined float-to-integer conversion. */
static void bench_memory_in_range(void **state)
{
	dlp_profile p;
	json_t *d;

	(void)state;
	d = bench_with_memory("1e300");
	assert_int_equal(dlp_profile_from_bench(d, "f.json", &p), -1);
	assert_non_null(strstr(dlp_error_message(), "probe.memory.effective_bytes"));
	json_decref(d);
	d = bench_with_memory("-5");
	assert_int_equal(dlp_profile_from_bench(d, "f.json", &p), -1);
	json_decref(d);
	d = bench_with_memory("\"lots\"");
	assert_int_equal(dlp_profile_from_bench(d, "f.json", &p), -1);
	json_decref(d);
	d = bench_with_memory("17179869184");
	assert_int_equal(dlp_profile_from_bench(d, "f.json", &p), 0);
	assert_true(p.mem_bytes == 17179869184.0);
	dlp_profile_free(&p);
	json_decref(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decimal_only),
		cmocka_unit_test(probe_parsers_bounded),
		cmocka_unit_test(durations),
		cmocka_unit_test(datasets_decimal),
		cmocka_unit_test(model_counts_wide),
		cmocka_unit_test(lstm_long_sequence),
		cmocka_unit_test(bench_memory_in_range),
	};
	return cmocka_run_group_tests_name("harden", tests, NULL, NULL);
}
