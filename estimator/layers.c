/* One layer at a time (estimator/model_impl.h): each function checks its
 * arguments against the model limits, appends the layer at the current
 * shape with its parameters, forward FLOPs, the GEMM it lowers to and what
 * it keeps for the backward pass, and moves the shape on. The families
 * (builder_*.c) and the layer list (model.c) are made of these. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimator/model_impl.h"

void dlp_mb_name(char *dst, size_t n, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(dst, n, f, ap);
	va_end(ap);
}

/* v must lie in [lo, hi]: else an error naming the layer and the field. */
int dlp_mb_in_range(const char *name, const char *field, long v, long lo, long hi)
{
	if (v < lo || v > hi)
		return dlp_error_set("%s: \"%s\" %ld is out of range (%ld to %ld)", name, field, v, lo, hi);
	return 0;
}

/* The shape a layer produces, checked before it is used: padding can grow an
 * image at every layer, and a reshape can make one long sequence. */
static int extent_ok(const char *name, long h, long w)
{
	if (h < 1 || w < 1 || h > DLP_MAX_EXTENT || w > DLP_MAX_EXTENT)
		return dlp_error_set("%s: output %ldx%ld is out of range (1 to %ld per side)", name, h, w,
				     DLP_MAX_EXTENT);
	return 0;
}

dlp_layer *dlp_mb_push(struct dlp_mb *b, enum dlp_op op, const char *name)
{
	dlp_model *m = b->m;
	dlp_layer *l;

	if (m->n_layers >= DLP_MAX_LAYERS) {
		dlp_error_set("model %s has more than %d layers", m->name, DLP_MAX_LAYERS);
		return NULL;
	}
	if (m->n_layers == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		dlp_layer *nl = realloc(m->layers, cap * sizeof *nl);

		if (!nl) {
			dlp_error_set("out of memory building model %s", m->name);
			return NULL;
		}
		m->layers = nl;
		m->cap = cap;
	}
	l = &m->layers[m->n_layers++];
	memset(l, 0, sizeof *l);
	l->op = op;
	dlp_mb_name(l->name, sizeof l->name, "%s", name ? name : dlp_op_name(op));
	l->in_elems = dlp_mb_shape_elems(&b->s);
	l->needs_input_grad = b->weighted_seen;
	l->seq_steps = 1;
	l->gemm_count = 1;
	return l;
}

void dlp_mb_finish(struct dlp_mb *b, dlp_layer *l, int stores_output)
{
	l->out_elems = dlp_mb_shape_elems(&b->s);
	if (stores_output)
		l->act_elems = l->out_elems;
	if (l->params > 0)
		b->weighted_seen = 1;
}

int dlp_mb_conv(struct dlp_mb *b, const char *name, long out, long k, long stride, long pad,
		long groups, long dil, int bias)
{
	dlp_layer *l;
	long in = b->s.c, ho, wo, eff;

	if (dlp_mb_in_range(name, "out", out, 1, DLP_MAX_WIDTH) ||
	    dlp_mb_in_range(name, "k", k, 1, DLP_MAX_GEOMETRY) ||
	    dlp_mb_in_range(name, "stride", stride, 1, DLP_MAX_GEOMETRY) ||
	    dlp_mb_in_range(name, "pad", pad, 0, DLP_MAX_GEOMETRY) ||
	    dlp_mb_in_range(name, "groups", groups, 1, DLP_MAX_GEOMETRY) ||
	    dlp_mb_in_range(name, "dilation", dil, 1, DLP_MAX_GEOMETRY))
		return -1;
	if (groups < 1 || in % groups || out % groups || k < 1 || stride < 1 || pad < 0 || dil < 1)
		return dlp_error_set("%s: conv with in %ld out %ld groups %ld k %ld is not valid",
				     name, in, out, groups, k);
	eff = dil * (k - 1) + 1;
	ho = (b->s.h + 2 * pad - eff) / stride + 1;
	wo = (b->s.w + 2 * pad - eff) / stride + 1;
	if (b->s.h + 2 * pad < eff || b->s.w + 2 * pad < eff || ho < 1 || wo < 1)
		return dlp_error_set("%s: a %ldx%ld convolution does not fit a %ldx%ld input "
				     "(input too small for this model)", name, k, k, b->s.h, b->s.w);
	if (extent_ok(name, ho, wo))
		return -1;
	if (!(l = dlp_mb_push(b, DLP_OP_CONV, name)))
		return -1;
	l->params = (double)out * (in / groups) * k * k + (bias ? out : 0);
	l->macs = (double)ho * wo * out * (in / groups) * k * k;
	l->flops = 2 * l->macs + (bias ? (double)ho * wo * out : 0);
	l->gm = (double)ho * wo;
	l->gn = (double)(out / groups);
	l->gk = (double)(in / groups) * k * k;
	l->gemm_count = (double)groups;
	l->gm_batched = 1;
	l->winograd = k == 3 && stride == 1 && dil == 1 && groups == 1;
	l->conv = (dlp_conv_geom){ (int)in, (int)b->s.h, (int)b->s.w, (int)out, (int)k, (int)stride, (int)pad,
				   (int)groups, (int)dil, bias != 0 };
	b->s.c = out;
	b->s.h = ho;
	b->s.w = wo;
	dlp_mb_finish(b, l, 1);
	return 0;
}

/* A dense layer acts on the feature dimension at every position. */
int dlp_mb_dense(struct dlp_mb *b, const char *name, long out, int bias)
{
	dlp_layer *l;
	long in = b->s.c, pos = dlp_mb_shape_positions(&b->s);

	if (out < 1)
		return dlp_error_set("%s: dense layer with %ld outputs", name, out);
	if (dlp_mb_in_range(name, "out", out, 1, DLP_MAX_WIDTH))
		return -1;
	if (!(l = dlp_mb_push(b, DLP_OP_DENSE, name)))
		return -1;
	l->params = (double)in * out + (bias ? out : 0);
	l->macs = (double)pos * in * out;
	l->flops = 2 * l->macs + (bias ? (double)pos * out : 0);
	l->gm = (double)pos;
	l->gn = (double)out;
	l->gk = (double)in;
	l->gm_batched = 1;
	b->s.c = out;
	dlp_mb_finish(b, l, 1);
	return 0;
}

/* Elementwise layers: flops_per_elem of work, params_per_channel weights. */
int dlp_mb_eltwise(struct dlp_mb *b, enum dlp_op op, const char *name, double flops_per_elem,
		   double params_per_channel)
{
	dlp_layer *l;

	if (!(l = dlp_mb_push(b, op, name)))
		return -1;
	l->params = params_per_channel * b->s.c;
	l->flops = flops_per_elem * dlp_mb_shape_elems(&b->s);
	if (op == DLP_OP_ADD)
		l->in_elems *= 2;
	dlp_mb_finish(b, l, 1);
	return 0;
}

/* ReLU as frameworks run it in the zoo's models (torchvision inplace=True):
 * it overwrites its input, so it keeps no tensor of its own. */
int dlp_mb_relu(struct dlp_mb *b, const char *name)
{
	if (dlp_mb_eltwise(b, DLP_OP_ACT, name, DLP_FLOPS(activation), 0))
		return -1;
	b->m->layers[b->m->n_layers - 1].inplace = 1;
	return 0;
}

int dlp_mb_reshape(struct dlp_mb *b, const char *name, long c, long h, long w)
{
	dlp_layer *l;

	if (extent_ok(name, h, w) || !(l = dlp_mb_push(b, DLP_OP_RESHAPE, name)))
		return -1;
	l->in_elems = 0;
	b->s.c = c;
	b->s.h = h;
	b->s.w = w;
	dlp_mb_finish(b, l, 0);
	return 0;
}

int dlp_mb_pool(struct dlp_mb *b, const char *name, long k, long stride, long pad)
{
	dlp_layer *l;
	long ho, wo;

	if (dlp_mb_in_range(name, "k", k, 1, DLP_MAX_GEOMETRY) ||
	    dlp_mb_in_range(name, "stride", stride, 1, DLP_MAX_GEOMETRY) ||
	    dlp_mb_in_range(name, "pad", pad, 0, DLP_MAX_GEOMETRY))
		return -1;
	ho = (b->s.h + 2 * pad - k) / stride + 1;
	wo = (b->s.w + 2 * pad - k) / stride + 1;
	if (ho < 1 || wo < 1 || b->s.h + 2 * pad < k)
		return dlp_error_set("%s: a %ldx%ld pool does not fit a %ldx%ld input", name, k, k,
				     b->s.h, b->s.w);
	if (extent_ok(name, ho, wo))
		return -1;
	if (!(l = dlp_mb_push(b, DLP_OP_POOL, name)))
		return -1;
	l->flops = (double)b->s.c * ho * wo * k * k;
	b->s.h = ho;
	b->s.w = wo;
	dlp_mb_finish(b, l, 1);
	return 0;
}

/* Global average pooling (and adaptive pooling to out x out). */
int dlp_mb_adaptive_pool(struct dlp_mb *b, const char *name, long out)
{
	dlp_layer *l;

	if (dlp_mb_in_range(name, "out", out, 1, DLP_MAX_GEOMETRY))
		return -1;
	if (!(l = dlp_mb_push(b, DLP_OP_POOL, name)))
		return -1;
	l->flops = dlp_mb_shape_elems(&b->s);
	b->s.h = out;
	b->s.w = out;
	dlp_mb_finish(b, l, 1);
	return 0;
}

/* Multi-head self-attention core: scores Q K^T and the weighted sum, the
 * projections being dense layers around it. Causal masking still computes
 * the full score matrix in the usual kernels, so the work is the same. */
int dlp_mb_attention(struct dlp_mb *b, const char *name, long heads)
{
	dlp_layer *l;
	long d = b->s.c, seq = dlp_mb_shape_positions(&b->s);

	if (heads < 1 || d % heads)
		return dlp_error_set("%s: %ld features do not split into %ld heads", name, d, heads);
	if (!(l = dlp_mb_push(b, DLP_OP_ATTN, name)))
		return -1;
	l->macs = 2.0 * seq * seq * d;
	l->flops = 2 * l->macs + DLP_FLOPS(attention_score) * heads * seq * seq; /* scale, softmax */
	l->gm = (double)seq;
	l->gn = (double)seq;
	l->gk = (double)(d / heads);
	l->gemm_count = 2.0 * heads;
	l->gm_batched = 0;
	dlp_mb_finish(b, l, 1);
	/* the probabilities are kept too: heads x seq x seq per sample */
	l->act_elems += (double)heads * seq * seq;
	return 0;
}

/* LSTM (4 gates) or GRU (3 gates), stacked, over h time steps. PyTorch's
 * parameterisation: two bias vectors per gate. */
int dlp_mb_recurrent(struct dlp_mb *b, enum dlp_op op, const char *name, long hidden, long nl)
{
	int gates = op == DLP_OP_LSTM ? 4 : 3;
	long steps = dlp_mb_shape_positions(&b->s);
	long i;

	if (dlp_mb_in_range(name, "hidden", hidden, 1, DLP_MAX_WIDTH) ||
	    dlp_mb_in_range(name, "layers", nl, 1, DLP_MAX_LAYERS))
		return -1;
	for (i = 0; i < nl; i++) {
		char nm[64];
		dlp_layer *l;
		long in = b->s.c;

		dlp_mb_name(nm, sizeof nm, "%s.%ld", name, i);
		if (!(l = dlp_mb_push(b, op, nm)))
			return -1;
		l->params = (double)gates * hidden * (in + hidden) + 2.0 * gates * hidden;
		l->macs = (double)steps * gates * hidden * (in + hidden);
		l->flops = 2 * l->macs + DLP_FLOPS(recurrent_gate) * steps * gates * hidden;
		/* each step is one GEMM of batch rows: the recurrence is serial */
		l->gm = 1;
		l->gn = (double)gates * hidden;
		l->gk = (double)(in + hidden);
		l->gemm_count = (double)steps;
		l->gm_batched = 1;
		l->seq_steps = (double)steps;
		b->s.c = hidden;
		dlp_mb_finish(b, l, 1);
		l->act_elems = (double)steps * hidden * (gates + 2); /* gates, cell, hidden */
	}
	return 0;
}

int dlp_mb_embedding(struct dlp_mb *b, const char *name, long vocab, long dim)
{
	dlp_layer *l;

	if (!(l = dlp_mb_push(b, DLP_OP_EMBED, name)))
		return -1;
	l->params = (double)vocab * dim;
	l->in_elems = (double)dlp_mb_shape_positions(&b->s);
	b->s.c = dim;
	dlp_mb_finish(b, l, 1);
	return 0;
}

int dlp_mb_loss(struct dlp_mb *b)
{
	dlp_layer *l;

	if (!(l = dlp_mb_push(b, DLP_OP_LOSS, "softmax_cross_entropy")))
		return -1;
	l->flops = DLP_FLOPS(softmax_xent) * dlp_mb_shape_elems(&b->s);
	dlp_mb_finish(b, l, 1);
	return 0;
}
