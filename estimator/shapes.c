/* The workload's own shapes (issue 9, `estimate --measure`): what a model
 * asks of the machine at a batch, as a request kernels/measure.c times, and
 * the measured answer read back into a profile. Pure: nothing here measures.
 *
 * Request: {"batch", "gemm": [{"m","n","k","roles":[...],"layers":[...]}],
 *           "elementwise": [{"op","elements"}],
 *           "conv": [{"in","out","h","w","k","stride","pad","groups",
 *                     "dilation","bias","input_grad","flops","layers"}]}
 * Answer (kernels/measure.h): the request's entries with, per implementation,
 * "rate_gflops" (GEMM) or "rate_gbps" (elementwise, bytes counted as the
 * time model counts them: input + output elements), "status", "verified";
 * a convolution timed through the framework its forward and backward
 * seconds per sample. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dlprobe/json.h"
#include "estimator/estimator.h"
#include "estimator/profile_impl.h"

/* Shapes within this relative distance are one shape (timed once). */
#define SAME_SHAPE 1e-9
/* A convolution field read back from an answer: within dlp_conv_geom's ints */
#define DLP_MAX_CONV_FIELD 1e9
/* Times read back beyond these are damaged answers, not slow machines */
#define MAX_S_PER_SAMPLE 1e3

static json_t *find_gemm(json_t *list, double m, double n, double k)
{
	size_t i;
	json_t *g;

	json_array_foreach(list, i, g)
		if (fabs(dlp_json_num(g, "m") - m) <= SAME_SHAPE * m && fabs(dlp_json_num(g, "n") - n) <= SAME_SHAPE * n &&
		    fabs(dlp_json_num(g, "k") - k) <= SAME_SHAPE * k)
			return g;
	return NULL;
}

/* count GEMMs of this shape per step: their FLOPs rank what is timed first */
static void add_gemm(json_t *list, double m, double n, double k, double count, const char *role, const char *layer)
{
	json_t *g = find_gemm(list, m, n, k), *roles;

	if (!g) {
		g = json_pack("{s:f,s:f,s:f,s:f,s:[],s:[]}", "m", m, "n", n, "k", k, "flops", 0.0, "roles", "layers");
		json_array_append_new(list, g);
	}
	json_object_set_new(g, "flops", json_real(dlp_json_num(g, "flops") + 2 * m * n * k * count));
	roles = json_object_get(g, "roles");
	{
		size_t i;
		json_t *r;
		int seen = 0;
		json_array_foreach(roles, i, r)
			seen |= strcmp(json_string_value(r), role) == 0;
		if (!seen)
			json_array_append_new(roles, json_string(role));
	}
	if (json_array_size(json_object_get(g, "layers")) < 4)
		json_array_append_new(json_object_get(g, "layers"), json_string(layer));
}

static void add_elementwise(json_t *list, enum dlp_op op, double elements)
{
	size_t i;
	json_t *e;

	json_array_foreach(list, i, e)
		if (strcmp(json_string_value(json_object_get(e, "op")), dlp_op_name(op)) == 0 &&
		    dlp_json_num(e, "elements") == elements)
			return;
	json_array_append_new(list, json_pack("{s:s,s:f}", "op", dlp_op_name(op), "elements", elements));
}

/* The fields of a convolution entry, in dlp_conv_geom's order. */
static const char *const conv_keys[] = { DLP_CONV_GEOM_KEYS };
#define N_CONV_KEYS (sizeof conv_keys / sizeof conv_keys[0])

static void geom_ints(const dlp_conv_geom *g, int v[N_CONV_KEYS])
{
	int i = 0;

	v[i++] = g->in_c, v[i++] = g->h, v[i++] = g->w, v[i++] = g->out, v[i++] = g->k;
	v[i++] = g->stride, v[i++] = g->pad, v[i++] = g->groups, v[i++] = g->dil, v[i++] = g->bias;
}

/* The entry of list with this geometry and input gradient, else NULL. */
static json_t *find_conv(const json_t *list, const dlp_conv_geom *geom, int input_grad)
{
	int v[N_CONV_KEYS];
	size_t i, k;
	json_t *c;

	geom_ints(geom, v);
	json_array_foreach(list, i, c) {
		for (k = 0; k < N_CONV_KEYS && dlp_json_num(c, conv_keys[k]) == v[k]; k++)
			;
		if (k == N_CONV_KEYS && json_is_true(json_object_get(c, "input_grad")) == (input_grad != 0))
			return c;
	}
	return NULL;
}

/* One entry per distinct convolution (its forward + backward FLOPs per step
 * rank what is timed first, as for the GEMMs). */
static void add_conv(json_t *list, const dlp_layer *l, double B, enum dlp_dtype dt)
{
	json_t *c = find_conv(list, &l->conv, l->needs_input_grad);
	double flops = B * l->flops * (l->needs_input_grad ? 3 : 2);
	int v[N_CONV_KEYS];
	size_t k;

	if (!c) {
		geom_ints(&l->conv, v);
		c = json_object();
		for (k = 0; k < N_CONV_KEYS; k++)
			json_object_set_new(c, conv_keys[k], json_integer(v[k]));
		json_object_set_new(c, "input_grad", json_boolean(l->needs_input_grad));
		json_object_set_new(c, "dtype", json_string(dlp_dtype_name(dt)));
		json_object_set_new(c, "flops", json_real(0));
		json_object_set_new(c, "layers", json_array());
		json_array_append_new(list, c);
	}
	json_object_set_new(c, "flops", json_real(dlp_json_num(c, "flops") + flops));
	if (json_array_size(json_object_get(c, "layers")) < 4)
		json_array_append_new(json_object_get(c, "layers"), json_string(l->name));
}

json_t *dlp_model_measure_request(const dlp_model *m, int batch, enum dlp_dtype conv_dt)
{
	json_t *gemm = json_array(), *elem = json_array(), *conv = json_array();
	size_t i;
	double B = batch;

	for (i = 0; i < m->n_layers; i++) {
		const dlp_layer *l = &m->layers[i];

		if (l->gm > 0) {
			double gm = l->gm_batched ? l->gm * B : l->gm;
			double cnt = fmax(1, l->gemm_count) * (l->gm_batched ? 1 : B) * fmax(1, l->seq_steps);
			/* forward C = X W; backward-data dX = dY W^T; backward-weight
			 * dW = X^T dY, whose inner dimension is the batched one */
			add_gemm(gemm, gm, l->gn, l->gk, cnt, "forward", l->name);
			if (l->params > 0 && l->needs_input_grad)
				add_gemm(gemm, gm, l->gk, l->gn, cnt, "backward_data", l->name);
			if (l->params > 0)
				add_gemm(gemm, l->gk, l->gn, gm, cnt, "backward_weight", l->name);
			if (l->op == DLP_OP_CONV && l->conv.k > 0)
				add_conv(conv, l, B, conv_dt == DLP_BF16 ? DLP_BF16 : DLP_FP32);
		} else if (l->op == DLP_OP_BN || l->op == DLP_OP_LN || l->op == DLP_OP_ACT || l->op == DLP_OP_POOL ||
			   l->op == DLP_OP_ADD) {
			add_elementwise(elem, l->op, B * fmax(l->in_elems, l->out_elems));
		}
	}
	return json_pack("{s:i,s:o,s:o,s:o}", "batch", batch, "gemm", gemm, "elementwise", elem, "conv", conv);
}

/* ---- the answer into a profile ------------------------------------------- */

static int op_of(const char *name)
{
	int op;

	for (op = 0; op <= DLP_OP_RESHAPE; op++)
		if (name && strcmp(name, dlp_op_name((enum dlp_op)op)) == 0)
			return op;
	return -1;
}

static int same_geom(const dlp_conv_geom *a, const dlp_conv_geom *b)
{
	int va[N_CONV_KEYS], vb[N_CONV_KEYS];

	geom_ints(a, va);
	geom_ints(b, vb);
	return memcmp(va, vb, sizeof va) == 0;
}

const struct dlp_conv_time *dlp_profile_conv(const dlp_profile *p, const dlp_layer *l, enum dlp_dtype dt)
{
	size_t i;

	for (i = 0; l->op == DLP_OP_CONV && i < p->n_convs; i++)
		if (same_geom(&p->convs[i].g, &l->conv) && p->convs[i].input_grad == l->needs_input_grad &&
		    p->convs[i].dtype == dt)
			return &p->convs[i];
	return NULL;
}

/* A convolution the framework ran, verified, into p->convs: 1 when taken. */
static int add_conv_time(dlp_profile *p, const json_t *c)
{
	struct dlp_conv_time t, *grown;
	int v[N_CONV_KEYS], dt;
	size_t k;
	const char *st = json_string_value(json_object_get(c, "status"));
	const json_t *dtj = json_object_get(c, "dtype");

	memset(&t, 0, sizeof t);
	if (!st || strcmp(st, "ok") != 0 || !json_is_true(json_object_get(c, "verified")))
		return 0;
	/* an answer from before the dtype was asked ran fp32 */
	dt = dtj ? dlp_dtype_parse(json_string_value(dtj)) : DLP_FP32;
	if (dt != DLP_FP32 && dt != DLP_BF16)
		return 0;
	t.dtype = (enum dlp_dtype)dt;
	t.s = dlp_json_num(c, "fwd_bwd_s");
	t.median_s = dlp_json_num(c, "fwd_bwd_median_s");
	if (!(isfinite(t.s) && t.s > 0 && t.s <= MAX_S_PER_SAMPLE))
		return 0;
	for (k = 0; k < N_CONV_KEYS; k++) {
		double x = dlp_json_num(c, conv_keys[k]);
		/* pad and bias may be 0; every other field is at least 1 */
		double lo = strcmp(conv_keys[k], "pad") == 0 || strcmp(conv_keys[k], "bias") == 0 ? 0 : 1;

		if (!(x >= lo && x <= DLP_MAX_CONV_FIELD) || x != floor(x))
			return 0;
		v[k] = (int)x;
	}
	t.g = (dlp_conv_geom){ v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9] };
	t.input_grad = json_is_true(json_object_get(c, "input_grad"));
	if (!(isfinite(t.median_s) && t.median_s >= t.s))
		t.median_s = t.s;
	grown = realloc(p->convs, (p->n_convs + 1) * sizeof *grown);
	if (!grown)
		return -1;
	p->convs = grown;
	p->convs[p->n_convs++] = t;
	return 1;
}

/* The framework's answer for one activation size: 1 when taken. The
 * largest size timed is kept: a small tensor's time per element is mostly
 * the call's fixed cost (3 ns an element at 4096 elements, 0.3-0.6 at a
 * few million, torch 1.13 here), which the operator overhead counts
 * already, and the floor is for the layers whose tensors stream. */
static int add_act_time(dlp_profile *p, const json_t *a, double *largest)
{
	double s, spread, n;

	if (!dlp_fw_act_read(a, &s, &spread, &n))
		return 0;
	if (n > *largest) {
		*largest = n;
		p->fw_act_s = s;
		p->fw_act_spread = spread;
	}
	return 1;
}

/* The format the answer's convolutions were asked in (one per request). */
static const char *conv_format(const json_t *answer)
{
	const char *f = json_string_value(json_object_get(json_array_get(json_object_get(answer, "conv"), 0), "dtype"));

	return f ? f : dlp_dtype_name(DLP_FP32);
}

int dlp_profile_add_measured(dlp_profile *p, const json_t *answer)
{
	const json_t *g, *r;
	size_t i, j, n = 0, nc = 0, na = 0;
	double largest = 0;

	json_array_foreach(json_object_get(answer, "gemm"), i, g) {
		json_array_foreach(json_object_get(g, "results"), j, r) {
			const char *impl = json_string_value(json_object_get(r, "impl"));
			const char *st = json_string_value(json_object_get(r, "status"));
			double rate = dlp_json_num(r, DLP_RATE_GFLOPS);

			if (!impl || !st || strcmp(st, "ok") != 0 || !json_is_true(json_object_get(r, "verified")) ||
			    !isfinite(rate) || rate <= 0)
				continue;
			if (dlp_profile_add_shape(impl && strcmp(impl, "dlprobe") == 0 ? &p->capability : &p->configured,
						  DLP_FP32, dlp_json_num(g, "m"), dlp_json_num(g, "n"),
						  dlp_json_num(g, "k"), rate))
				return -1;
			n++;
		}
	}
	json_array_foreach(json_object_get(answer, "elementwise"), i, g) {
		int op = op_of(json_string_value(json_object_get(g, "op")));
		const char *st = json_string_value(json_object_get(g, "status"));
		double rate = dlp_json_num(g, DLP_RATE_GBPS);

		na += (size_t)add_act_time(p, json_object_get(g, "framework"), &largest);

		if (op < 0 || !st || strcmp(st, "ok") != 0 || !isfinite(rate) || rate <= 0)
			continue;
		/* the slowest size of an op kind: the larger tensors stream from memory */
		if (p->op_bw_gbps[op] <= 0 || rate < p->op_bw_gbps[op])
			p->op_bw_gbps[op] = rate;
		n++;
	}
	json_array_foreach(json_object_get(answer, "conv"), i, g) {
		int took = add_conv_time(p, g);

		if (took < 0)
			return dlp_error_set("out of memory");
		nc += (size_t)took;
	}
	json_array_append_new(p->flags, json_sprintf("%zu of the workload's own shapes and operators measured on "
						     "this machine (estimate --measure)", n));
	if (na) {
		char src[280];

		json_array_append_new(p->flags, json_sprintf("the framework's activation timed through it at %zu of the "
							     "workload's sizes, forward + backward %.3g ns per element at "
							     "the largest (estimate --measure)", na, p->fw_act_s * 1e9));
		/* it replaces bench --framework's reference size, source and all */
		snprintf(src, sizeof src, "measured: torch ReLU forward + backward, %.3g ns per element at the "
			 "largest of the workload's %zu activation sizes (estimate --measure); a floor under each "
			 "activation layer's roofline", p->fw_act_s * 1e9, na);
		dlp_profile_source(p, "act_s_per_elem", src);
	}
	if (json_array_size(json_object_get(answer, "conv")))
		json_array_append_new(p->flags, json_sprintf("%zu of the workload's %zu distinct convolutions timed "
							     "through the framework in %s (estimate --measure; an "
							     "estimate in another format does not use them)%s", nc,
							     json_array_size(json_object_get(answer, "conv")),
							     conv_format(answer), nc ? "" : ": none, see measured_shapes.conv"));
	return 0;
}
