/* Loading estimator/constants.h from the embedded data files. */
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>

#include "dlprobe/dlprobe.h"
#include "estimator/constants.h"
#include "estimator/estimator.h"

#define EST "estimator.json"
#define INST "instances.json"
#define AT(f) offsetof(struct dlp_constants, f)

/* Where each constant lives. section NULL: the key is a top-level object
 * whose basis is its "source" (the efficiencies). */
static const struct {
	const char *file, *section, *key;
	size_t at;
} keys[] = {
	{EST, "constants", "stack_spread", AT(stack_spread)},
	{EST, "constants", "classical_spread", AT(classical_spread)},
	{EST, "constants", "dot_fraction_of_fma_peak", AT(dot_fraction)},
	{EST, "constants", "cores_per_vcpu", AT(cores_per_vcpu)},
	{EST, "constants", "fp64_fraction_of_fp32", AT(fp64_fraction)},
	{EST, "constants", "backward_traffic_gemm", AT(bwd_traffic_gemm)},
	{EST, "constants", "backward_traffic_elementwise", AT(bwd_traffic_eltwise)},
	{EST, "constants", "ops_per_layer_fwd_bwd", AT(ops_per_layer)},
	{EST, "flops_per_element", "bn", AT(flops.bn)},
	{EST, "flops_per_element", "ln", AT(flops.ln)},
	{EST, "flops_per_element", "activation", AT(flops.activation)},
	{EST, "flops_per_element", "gelu", AT(flops.gelu)},
	{EST, "flops_per_element", "add", AT(flops.add)},
	{EST, "flops_per_element", "attention_score", AT(flops.attention_score)},
	{EST, "flops_per_element", "recurrent_gate", AT(flops.recurrent_gate)},
	{EST, "flops_per_element", "softmax_cross_entropy", AT(flops.softmax_xent)},
	{EST, "flops_per_element", "silu", AT(flops.silu)},
	{EST, "flops_per_element", "sigmoid_gate", AT(flops.sigmoid_gate)},
	{EST, "flops_per_element", "rotary", AT(flops.rotary)},
	{EST, "flops_per_element", "swiglu", AT(flops.swiglu)},
	{INST, "assumptions", "cpu_op_overhead_s", AT(cpu_op_overhead_s)},
	{INST, "assumptions", "gpu_launch_overhead_s", AT(gpu_launch_overhead_s)},
	{INST, "assumptions", "histogram_updates_per_cycle_per_core", AT(hist_per_cycle)},
	{INST, "assumptions", "thread_scaling_exponent", AT(thread_scaling)},
	{INST, "assumptions", "cart_sort_comparison_cost_histogram_updates", AT(cart_sort_cost)},
	{INST, "assumptions", "loss_eval_cost_histogram_updates", AT(loss_eval_cost)},
	{INST, "assumptions", "cart_split_entropy_bits", AT(cart_split_bits)},
	{INST, "assumptions", "gbdt_min_split_rows", AT(gbdt_min_split_rows)},
	{INST, "assumptions", "pool_window_cost_histogram_updates", AT(pool_cost)},
	{INST, NULL, "gpu_efficiency", AT(gpu_efficiency)},
	{INST, NULL, "cpu_efficiency", AT(cpu_efficiency)},
};
#define NKEYS (sizeof keys / sizeof keys[0])

static struct dlp_constants constants;
static json_t *est_doc;         /* estimator.json: the bases point into it (and the catalog) */
static char load_error[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static json_t *load_doc(const char *file)
{
	size_t len;
	const char *text = dlp_embedded_get(file, &len);

	return text ? json_loadb(text, len, 0, NULL) : NULL;
}

int dlp_constants_read(const json_t *est, const json_t *inst, struct dlp_constants *out)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		const json_t *doc = strcmp(keys[i].file, EST) == 0 ? est : inst;
		const json_t *o = keys[i].section ? json_object_get(json_object_get(doc, keys[i].section), keys[i].key)
						  : json_object_get(doc, keys[i].key);
		const json_t *v = json_object_get(o, "value");
		const json_t *b = json_object_get(o, keys[i].section ? "basis" : "source");
		dlp_constant *c = (dlp_constant *)((char *)out + keys[i].at);

		if (!doc)
			return dlp_error_set("data/%s is not compiled in or not valid JSON", keys[i].file);
		if (!json_is_number(v) || !isfinite(json_number_value(v)) || !json_is_string(b))
			return dlp_error_set("data/%s: %s%s%s needs a finite \"value\" and a \"%s\"", keys[i].file,
					     keys[i].section ? keys[i].section : "", keys[i].section ? "." : "",
					     keys[i].key, keys[i].section ? "basis" : "source");
		c->value = json_number_value(v);
		c->basis = json_string_value(b);
	}
	return 0;
}

static void load(void)
{
	est_doc = load_doc(EST);
	if (dlp_constants_read(est_doc, dlp_catalog(), &constants))
		snprintf(load_error, sizeof load_error, "%s", dlp_error_message());
}

const struct dlp_constants *dlp_constants(void)
{
	pthread_once(&once, load);
	if (load_error[0]) {
		dlp_error_set("%s", load_error);
		return NULL;
	}
	return &constants;
}

int dlp_constant_key(size_t i, const char **file, const char **section, const char **key)
{
	if (i >= NKEYS)
		return -1;
	*file = keys[i].file;
	*section = keys[i].section;
	*key = keys[i].key;
	return 0;
}
