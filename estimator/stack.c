/* data/stacks.json parsed once into range-checked parameters
 * (estimator/stack.h). The numbers and their bases live in the data file;
 * this file only reads and checks them. */
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "dlprobe/json.h"
#include "estimator/stack.h"

static const char *const stack_names[DLP_NSTACK] = {"tuned", "eager", "legacy"};

static json_t *stacks_doc;
static dlp_stack_data stacks_data;
static int stacks_ok;
static char stacks_err[200];
static pthread_once_t stacks_once = PTHREAD_ONCE_INIT;

/* A number at o.key within [lo, hi]: else the load fails naming it. */
static int num_in(const json_t *o, const char *key, double lo, double hi, double *out)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_number(v) || !(json_number_value(v) >= lo && json_number_value(v) <= hi)) {
		snprintf(stacks_err, sizeof stacks_err, "data/stacks.json: \"%s\" missing or outside [%g, %g]",
			 key, lo, hi);
		return -1;
	}
	*out = json_number_value(v);
	return 0;
}

static int flag_of(const json_t *o, const char *key, int *out)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_boolean(v)) {
		snprintf(stacks_err, sizeof stacks_err, "data/stacks.json: \"%s\" must be true or false", key);
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}

static int load_stack(const json_t *o, int i)
{
	dlp_stack *s = &stacks_data.stack[i];
	const char *attn = json_string_value(json_object_get(o, "attention"));

	s->name = stack_names[i];
	if (!json_is_object(o)) {
		snprintf(stacks_err, sizeof stacks_err, "data/stacks.json: no stack \"%s\"", s->name);
		return -1;
	}
	if (num_in(o, "gemm_scale", 0.05, 1, &s->gemm_scale) || num_in(o, "eltwise_traffic", 0.1, 10, &s->eltwise_traffic) ||
	    num_in(o, "gpu_op_overhead_s", 0, 1e-3, &s->gpu_op_overhead_s) ||
	    num_in(o, "sync_wait_s", 0, 1, &s->sync_wait_s) ||
	    num_in(o, "sync_wait_fraction", 0, 1, &s->sync_wait_fraction) ||
	    flag_of(o, "fused_optimizer", &s->fused_optimizer) || flag_of(o, "fused_logits", &s->fused_logits) ||
	    flag_of(o, "allreduce_overlap", &s->allreduce_overlap) || flag_of(o, "winograd", &s->winograd) ||
	    flag_of(o, "channels_last", &s->channels_last))
		return -1;
	if (dlp_attention_parse(attn, &s->attention)) {
		snprintf(stacks_err, sizeof stacks_err, "data/stacks.json: stack \"%s\": %s", s->name,
			 dlp_error_message());
		return -1;
	}
	return 0;
}

static void stacks_load(void)
{
	size_t len;
	const char *text = dlp_embedded_get("stacks.json", &len);
	json_error_t err;
	const json_t *st, *rg, *at, *wg, *ar, *ly;
	dlp_stack_data *d = &stacks_data;
	int i;

	snprintf(stacks_err, sizeof stacks_err, "data/stacks.json is not compiled in");
	if (!text || !(stacks_doc = json_loadb(text, len, 0, &err)))
		return;
	st = json_object_get(stacks_doc, "stacks");
	rg = json_object_get(stacks_doc, "range");
	at = json_object_get(stacks_doc, "attention");
	wg = json_object_get(stacks_doc, "winograd");
	ar = json_object_get(stacks_doc, "allreduce");
	ly = json_object_get(stacks_doc, "layout");
	for (i = 0; i < DLP_NSTACK; i++)
		if (load_stack(json_object_get(st, stack_names[i]), i))
			return;
	if (num_in(rg, "low_margin", 1, 2, &d->low_margin) || num_in(rg, "high_margin", 1, 2, &d->high_margin) ||
	    num_in(at, "materialized_passes_fwd", 0, 20, &d->attn_passes_fwd) ||
	    num_in(at, "materialized_passes_bwd", 0, 20, &d->attn_passes_bwd) ||
	    num_in(at, "flash_bwd_flops_factor", 1, 5, &d->flash_bwd_flops) ||
	    num_in(wg, "achieved_gain", 1, 2.25, &d->winograd_gain) ||
	    num_in(ar, "busbw_fraction", 0.01, 1, &d->busbw_fraction) ||
	    num_in(ar, "network_fraction", 0.01, 1, &d->network_fraction) ||
	    num_in(ar, "latency_intra_s", 0, 1e-2, &d->latency_intra_s) ||
	    num_in(ar, "latency_inter_s", 0, 1e-2, &d->latency_inter_s) ||
	    num_in(ar, "bucket_bytes", 0, 1e12, &d->bucket_bytes) ||
	    num_in(at, "dropout_passes", 0, 20, &d->attn_dropout_passes) ||
	    num_in(ly, "nchw_transpose_passes", 0, 10, &d->nchw_transpose_passes))
		return;
	{
		const json_t *ce = json_object_get(stacks_doc, "conv_efficiency");
		for (i = 0; i < DLP_NDTYPE; i++) {
			d->conv_eff[i] = 1;
			if (json_object_get(ce, dlp_dtype_name((enum dlp_dtype)i)) &&
			    num_in(ce, dlp_dtype_name((enum dlp_dtype)i), 0.05, 1, &d->conv_eff[i]))
				return;
		}
	}
	stacks_ok = 1;
}

const dlp_stack_data *dlp_stacks(void)
{
	pthread_once(&stacks_once, stacks_load);
	if (!stacks_ok) {
		dlp_error_set("%s", stacks_err);
		return NULL;
	}
	return &stacks_data;
}

int dlp_stack_parse(const char *s, enum dlp_stack_id *out)
{
	int i;

	for (i = 0; i < DLP_NSTACK; i++)
		if (s && strcmp(s, stack_names[i]) == 0) {
			*out = (enum dlp_stack_id)i;
			return 0;
		}
	return dlp_error_set("unknown stack \"%s\" (tuned, eager, legacy)", s ? s : "");
}

int dlp_attention_parse(const char *s, enum dlp_attention *out)
{
	if (s && strcmp(s, "flash") == 0)
		*out = DLP_ATTN_FLASH;
	else if (s && strcmp(s, "materialized") == 0)
		*out = DLP_ATTN_MATERIALIZED;
	else
		return dlp_error_set("unknown attention \"%s\" (flash, materialized)", s ? s : "");
	return 0;
}

const char *dlp_attention_name(enum dlp_attention a)
{
	return a == DLP_ATTN_FLASH ? "flash" : a == DLP_ATTN_MATERIALIZED ? "materialized" : "stack";
}

/* o[dtype] when it is a fraction in (0, 1]. */
static int eff_of(const json_t *o, enum dlp_dtype dt, double *out, const char **basis)
{
	const json_t *v = json_object_get(o, dlp_dtype_name(dt));

	if (!json_is_number(v) || !(json_number_value(v) > 0 && json_number_value(v) <= 1))
		return 0;
	*out = json_number_value(v);
	if (basis)
		*basis = json_string_value(json_object_get(o, "basis"));
	return 1;
}

double dlp_stack_gemm_efficiency(const char *gpu, const char *arch, enum dlp_dtype dt, const char **basis)
{
	const json_t *ge, *dflt;
	double v = 0;

	if (!dlp_stacks())
		return 0;
	ge = json_object_get(stacks_doc, "gemm_efficiency");
	if (gpu && eff_of(json_object_get(json_object_get(ge, "gpus"), gpu), dt, &v, basis))
		return v;
	if (arch && eff_of(json_object_get(json_object_get(ge, "archs"), arch), dt, &v, basis))
		return v;
	dflt = json_object_get(ge, "default");
	if (basis)
		*basis = json_string_value(json_object_get(dflt, "basis"));
	v = json_number_value(json_object_get(dflt, "value"));
	return v > 0 && v <= 1 ? v : 0;
}
