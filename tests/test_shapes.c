/* A workload's own shapes (estimator/shapes.c): the convolutions a model
 * asks the framework to time, and the answer read back into a profile. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "dlprobe/json.h"
#include "estimator/estimator.h"

static const char *const geom_keys[] = { DLP_CONV_GEOM_KEYS };
#define N_GEOM (sizeof geom_keys / sizeof geom_keys[0])

static int same_entry(const json_t *a, const json_t *b)
{
	size_t k;

	for (k = 0; k < N_GEOM; k++)
		if (dlp_json_num(a, geom_keys[k]) != dlp_json_num(b, geom_keys[k]))
			return 0;
	return json_equal(json_object_get(a, "input_grad"), json_object_get(b, "input_grad"));
}

/* ResNet-18's repeated blocks ask for each distinct convolution once, the
 * first (no input gradient) apart from any like it, and every entry names
 * the layers it stands for. */
static void resnet_convs_once_each(void **state)
{
	dlp_model *m = dlp_model_from_spec("resnet18", 3, 32, 32, 10);
	json_t *req, *convs, *c;
	size_t i, j, layers = 0;

	(void)state;
	assert_non_null(m);
	req = dlp_model_measure_request(m, 32, DLP_FP32);
	assert_non_null(req);
	convs = json_object_get(req, "conv");
	for (i = 0; i < m->n_layers; i++)
		layers += m->layers[i].op == DLP_OP_CONV;
	assert_true(json_array_size(convs) > 1);
	assert_true(json_array_size(convs) < layers);
	json_array_foreach(convs, i, c) {
		assert_true(json_array_size(json_object_get(c, "layers")) >= 1);
		assert_true(dlp_json_num(c, "flops") > 0);
		for (j = i + 1; j < json_array_size(convs); j++)
			assert_false(same_entry(c, json_array_get(convs, j)));
	}
	c = json_array_get(convs, 0);
	assert_true(json_is_false(json_object_get(c, "input_grad")));
	assert_int_equal((int)dlp_json_num(c, "in"), 3);
	json_decref(req);
	dlp_model_free(m);
}

/* The first layer of m that an entry of the request stands for. */
static const dlp_layer *layer_of(const dlp_model *m, const json_t *entry)
{
	size_t i;

	for (i = 0; i < m->n_layers; i++) {
		const dlp_conv_geom *g = &m->layers[i].conv;
		const int v[N_GEOM] = { g->in_c, g->h, g->w, g->out, g->k, g->stride, g->pad, g->groups, g->dil, g->bias };
		size_t k;

		if (m->layers[i].op != DLP_OP_CONV ||
		    (m->layers[i].needs_input_grad != 0) != json_is_true(json_object_get(entry, "input_grad")))
			continue;
		for (k = 0; k < N_GEOM && dlp_json_num(entry, geom_keys[k]) == v[k]; k++)
			;
		if (k == N_GEOM)
			return &m->layers[i];
	}
	return NULL;
}

/* A verified answer is kept for its geometry; one that failed its check,
 * or a geometry out of range, is not; lookups match the layer exactly. */
static void answer_into_profile(void **state)
{
	dlp_model *m = dlp_model_from_spec("resnet18", 3, 32, 32, 10);
	json_t *req, *ans, *c;
	dlp_profile p;
	const dlp_layer *first, *unverified;
	size_t i;

	(void)state;
	memset(&p, 0, sizeof p);
	p.flags = json_array();
	assert_non_null(m);
	req = dlp_model_measure_request(m, 32, DLP_FP32);
	ans = json_deep_copy(req);
	json_array_foreach(json_object_get(ans, "conv"), i, c) {
		json_object_set_new(c, "status", json_string("ok"));
		json_object_set_new(c, "verified", json_boolean(i != 1));
		json_object_set_new(c, "fwd_bwd_s", json_real(1e-3 * (double)(i + 1)));
		json_object_set_new(c, "fwd_bwd_median_s", json_real(2e-3 * (double)(i + 1)));
	}
	/* a damaged entry: a negative channel count */
	c = json_deep_copy(json_array_get(json_object_get(ans, "conv"), 0));
	json_object_set_new(c, "in", json_integer(-3));
	json_array_append_new(json_object_get(ans, "conv"), c);
	assert_int_equal(dlp_profile_add_measured(&p, ans), 0);
	assert_int_equal(p.n_convs, json_array_size(json_object_get(req, "conv")) - 1);
	first = layer_of(m, json_array_get(json_object_get(req, "conv"), 0));
	unverified = layer_of(m, json_array_get(json_object_get(req, "conv"), 1));
	assert_non_null(unverified);
	assert_null(dlp_profile_conv(&p, unverified, DLP_FP32));
	assert_non_null(first);
	assert_non_null(dlp_profile_conv(&p, first, DLP_FP32));
	assert_true(fabs(dlp_profile_conv(&p, first, DLP_FP32)->s - 1e-3) < 1e-15);
	assert_true(fabs(dlp_profile_conv(&p, first, DLP_FP32)->median_s - 2e-3) < 1e-15);
	/* timed in fp32: no answer for a bf16 estimate */
	assert_null(dlp_profile_conv(&p, first, DLP_BF16));
	/* the same geometry with an input gradient is another convolution */
	{
		dlp_layer l = *first;

		l.needs_input_grad = 1;
		assert_null(dlp_profile_conv(&p, &l, DLP_FP32));
		l = *first;
		l.op = DLP_OP_DENSE;
		assert_null(dlp_profile_conv(&p, &l, DLP_FP32));
	}
	assert_true(json_array_size(p.flags) >= 2);
	json_decref(ans);
	json_decref(req);
	dlp_profile_free(&p);
	dlp_model_free(m);
}

/* A mixed-precision CPU estimate asks for its convolutions in bf16 (torch's
 * CPU autocast ran ResNet-18's slower than fp32: the AMX GEMM rate put the
 * step at half its time); the answer is read for bf16 estimates only, and
 * an answer in a format that is not fp32 or bf16 is not taken. */
static void bf16_convs_asked_and_kept_apart(void **state)
{
	dlp_model *m = dlp_model_from_spec("resnet18", 3, 32, 32, 10);
	json_t *req, *ans, *c;
	dlp_profile p;
	const dlp_layer *first;
	size_t i;

	(void)state;
	memset(&p, 0, sizeof p);
	p.flags = json_array();
	assert_non_null(m);
	req = dlp_model_measure_request(m, 32, DLP_BF16);
	assert_true(json_array_size(json_object_get(req, "conv")) > 2);
	json_array_foreach(json_object_get(req, "conv"), i, c)
		assert_string_equal(json_string_value(json_object_get(c, "dtype")), "bf16");
	ans = json_deep_copy(req);
	json_array_foreach(json_object_get(ans, "conv"), i, c) {
		json_object_set_new(c, "status", json_string("ok"));
		json_object_set_new(c, "verified", json_true());
		json_object_set_new(c, "fwd_bwd_s", json_real(1e-3));
		if (i == 1)
			json_object_set_new(c, "dtype", json_string("fp16"));
	}
	assert_int_equal(dlp_profile_add_measured(&p, ans), 0);
	assert_int_equal(p.n_convs, json_array_size(json_object_get(req, "conv")) - 1);
	first = layer_of(m, json_array_get(json_object_get(req, "conv"), 0));
	assert_non_null(first);
	assert_non_null(dlp_profile_conv(&p, first, DLP_BF16));
	assert_null(dlp_profile_conv(&p, first, DLP_FP32));
	assert_null(dlp_profile_conv(&p, layer_of(m, json_array_get(json_object_get(req, "conv"), 1)), DLP_BF16));
	json_decref(ans);
	json_decref(req);
	dlp_profile_free(&p);
	dlp_model_free(m);
}

/* The framework's activation: the largest size timed is kept (a small one
 * is mostly the call's fixed cost), one that failed its check or is out of
 * range is not. */
static void activation_largest_verified(void **state)
{
	static const struct { double elements, s, median; int verified; } sizes[] = {
		{ 4096, 3e-9, 4e-9, 1 }, { 4e6, 2e-9, 3e-9, 1 }, { 8e6, 9e-9, 9e-9, 0 }, { 9e6, -1, 9e-9, 1 },
		{ 1e7, 2.0, 2.0, 1 },
	};
	json_t *ans = json_pack("{s:[],s:[]}", "gemm", "elementwise");
	dlp_profile p;
	size_t i;

	(void)state;
	memset(&p, 0, sizeof p);
	p.flags = json_array();
	assert_non_null(ans);
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		json_array_append_new(json_object_get(ans, "elementwise"),
				      json_pack("{s:s,s:f,s:{s:s,s:b,s:f,s:f,s:f}}", "op", "activation", "elements",
						sizes[i].elements, "framework", "status", "ok", "verified",
						sizes[i].verified, "timed_elements", sizes[i].elements,
						"fwd_bwd_s_per_elem", sizes[i].s, "fwd_bwd_median_s_per_elem",
						sizes[i].median));
	assert_int_equal(dlp_profile_add_measured(&p, ans), 0);
	assert_true(fabs(p.fw_act_s - 2e-9) < 1e-20);
	assert_true(fabs(p.fw_act_spread - 1.5) < 1e-12);
	json_decref(ans);
	dlp_profile_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(resnet_convs_once_each),
		cmocka_unit_test(answer_into_profile),
		cmocka_unit_test(bf16_convs_asked_and_kept_apart),
		cmocka_unit_test(activation_largest_verified),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
