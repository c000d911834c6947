/* Models as lists of layers with per-sample work, built by shape inference
 * from the data/models format (docs/estimator.md): a JSON object with an
 * "input", optional "classes", and either "layers" (a list of ops, with
 * "residual" and "repeat" blocks) or a "builder" for families whose layer
 * list is long but regular (resnet, mobilenetv2, transformer). */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/decimal.h"
#include "dlprobe/json.h"
#include "estimator/constants.h"
#include "estimator/estimator.h"

const char *dlp_op_name(enum dlp_op op)
{
	static const char *const names[] = {
		"conv", "dense", "batchnorm", "layernorm", "activation", "pool",
		"embedding", "attention", "lstm", "gru", "add", "loss", "reshape",
	};
	return (unsigned)op < sizeof names / sizeof names[0] ? names[op] : "?";
}

/* The shape flowing through the builder: c channels (features) at h x w
 * positions; sequences are c features at h positions (w = 1). */
/* snprintf through a wrapper: layer names are truncated to fit by design. */
static void fmt(char *dst, size_t n, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *dst, size_t n, const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vsnprintf(dst, n, f, ap);
	va_end(ap);
}

struct shape {
	long c, h, w;
};

/* Limits on what a model file may ask for, checked before any arithmetic so
 * that hostile or mistyped values are a one-line error, never an overflow, a
 * division by zero or a build that does not end. */
#define MAX_GEOMETRY 1000000L  /* k, stride, pad, dilation, groups, pooled size */
#define MAX_WIDTH 100000000L   /* outputs / hidden units (as the mlp: spec) */
#define MAX_REPEAT 10000L      /* "times" of a repeat block */
#define MAX_LAYERS 100000      /* layers in one model */
/* Height and width (a sequence's length) of any tensor, input or inner: a
 * billion positions is far beyond any model, and bounding each keeps h x w
 * (and the padded h + 2 x pad) inside a long. */
#define MAX_EXTENT 1000000000L

/* Forward FLOPs per element of an operation (data/estimator.json
 * "flops_per_element"); dlp_model_from_json() checks the constants load. */
#define FLOPS(op) (dlp_constants()->flops.op.value)

/* v must lie in [lo, hi]: else an error naming the layer and the field. */
static int in_range(const char *name, const char *field, long v, long lo, long hi)
{
	if (v < lo || v > hi)
		return dlp_error_set("%s: \"%s\" %ld is out of range (%ld to %ld)", name, field, v, lo, hi);
	return 0;
}

/* The shape a layer produces, checked before it is used: padding can grow an
 * image at every layer, and a reshape can make one long sequence. */
static int extent_ok(const char *name, long h, long w)
{
	if (h < 1 || w < 1 || h > MAX_EXTENT || w > MAX_EXTENT)
		return dlp_error_set("%s: output %ldx%ld is out of range (1 to %ld per side)", name, h, w,
				     MAX_EXTENT);
	return 0;
}

struct build {
	dlp_model *m;
	struct shape s;
	int weighted_seen; /* a layer with weights came before: input grads needed */
	int depth;
};

static long positions(const struct shape *s)
{
	return s->h * s->w;
}

static double elems(const struct shape *s)
{
	return (double)s->c * (double)s->h * (double)s->w;
}

static dlp_layer *push(struct build *b, enum dlp_op op, const char *name)
{
	dlp_model *m = b->m;
	dlp_layer *l;

	if (m->n_layers >= MAX_LAYERS) {
		dlp_error_set("model %s has more than %d layers", m->name, MAX_LAYERS);
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
	fmt(l->name, sizeof l->name, "%s", name ? name : dlp_op_name(op));
	l->in_elems = elems(&b->s);
	l->needs_input_grad = b->weighted_seen;
	l->seq_steps = 1;
	l->gemm_count = 1;
	return l;
}

static void finish(struct build *b, dlp_layer *l, int stores_output)
{
	l->out_elems = elems(&b->s);
	if (stores_output)
		l->act_elems = l->out_elems;
	if (l->params > 0)
		b->weighted_seen = 1;
}

static int conv(struct build *b, const char *name, long out, long k, long stride, long pad,
		long groups, long dil, int bias)
{
	dlp_layer *l;
	long in = b->s.c, ho, wo, eff;

	if (in_range(name, "out", out, 1, MAX_WIDTH) || in_range(name, "k", k, 1, MAX_GEOMETRY) ||
	    in_range(name, "stride", stride, 1, MAX_GEOMETRY) || in_range(name, "pad", pad, 0, MAX_GEOMETRY) ||
	    in_range(name, "groups", groups, 1, MAX_GEOMETRY) || in_range(name, "dilation", dil, 1, MAX_GEOMETRY))
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
	if (!(l = push(b, DLP_OP_CONV, name)))
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
	b->s.c = out;
	b->s.h = ho;
	b->s.w = wo;
	finish(b, l, 1);
	return 0;
}

/* A dense layer acts on the feature dimension at every position. */
static int dense(struct build *b, const char *name, long out, int bias)
{
	dlp_layer *l;
	long in = b->s.c, pos = positions(&b->s);

	if (out < 1)
		return dlp_error_set("%s: dense layer with %ld outputs", name, out);
	if (in_range(name, "out", out, 1, MAX_WIDTH))
		return -1;
	if (!(l = push(b, DLP_OP_DENSE, name)))
		return -1;
	l->params = (double)in * out + (bias ? out : 0);
	l->macs = (double)pos * in * out;
	l->flops = 2 * l->macs + (bias ? (double)pos * out : 0);
	l->gm = (double)pos;
	l->gn = (double)out;
	l->gk = (double)in;
	l->gm_batched = 1;
	b->s.c = out;
	finish(b, l, 1);
	return 0;
}

/* Elementwise layers: flops_per_elem of work, params_per_channel weights. */
static int eltwise(struct build *b, enum dlp_op op, const char *name, double flops_per_elem,
		   double params_per_channel)
{
	dlp_layer *l;

	if (!(l = push(b, op, name)))
		return -1;
	l->params = params_per_channel * b->s.c;
	l->flops = flops_per_elem * elems(&b->s);
	if (op == DLP_OP_ADD)
		l->in_elems *= 2;
	finish(b, l, 1);
	return 0;
}

/* ReLU as frameworks run it in the zoo's models (torchvision inplace=True):
 * it overwrites its input, so it keeps no tensor of its own. */
static int relu(struct build *b, const char *name)
{
	if (eltwise(b, DLP_OP_ACT, name, FLOPS(activation), 0))
		return -1;
	b->m->layers[b->m->n_layers - 1].inplace = 1;
	return 0;
}

static int reshape(struct build *b, const char *name, long c, long h, long w)
{
	dlp_layer *l;

	if (extent_ok(name, h, w) || !(l = push(b, DLP_OP_RESHAPE, name)))
		return -1;
	l->in_elems = 0;
	b->s.c = c;
	b->s.h = h;
	b->s.w = w;
	finish(b, l, 0);
	return 0;
}

static int pool(struct build *b, const char *name, long k, long stride, long pad)
{
	dlp_layer *l;
	long ho, wo;

	if (in_range(name, "k", k, 1, MAX_GEOMETRY) || in_range(name, "stride", stride, 1, MAX_GEOMETRY) ||
	    in_range(name, "pad", pad, 0, MAX_GEOMETRY))
		return -1;
	ho = (b->s.h + 2 * pad - k) / stride + 1;
	wo = (b->s.w + 2 * pad - k) / stride + 1;
	if (ho < 1 || wo < 1 || b->s.h + 2 * pad < k)
		return dlp_error_set("%s: a %ldx%ld pool does not fit a %ldx%ld input", name, k, k,
				     b->s.h, b->s.w);
	if (extent_ok(name, ho, wo))
		return -1;
	if (!(l = push(b, DLP_OP_POOL, name)))
		return -1;
	l->flops = (double)b->s.c * ho * wo * k * k;
	b->s.h = ho;
	b->s.w = wo;
	finish(b, l, 1);
	return 0;
}

/* Global average pooling (and adaptive pooling to out x out). */
static int adaptive_pool(struct build *b, const char *name, long out)
{
	dlp_layer *l;

	if (in_range(name, "out", out, 1, MAX_GEOMETRY))
		return -1;
	if (!(l = push(b, DLP_OP_POOL, name)))
		return -1;
	l->flops = elems(&b->s);
	b->s.h = out;
	b->s.w = out;
	finish(b, l, 1);
	return 0;
}

/* Multi-head self-attention core: scores Q K^T and the weighted sum, the
 * projections being dense layers around it. Causal masking still computes
 * the full score matrix in the usual kernels, so the work is the same. */
static int attention(struct build *b, const char *name, long heads)
{
	dlp_layer *l;
	long d = b->s.c, seq = positions(&b->s);

	if (heads < 1 || d % heads)
		return dlp_error_set("%s: %ld features do not split into %ld heads", name, d, heads);
	if (!(l = push(b, DLP_OP_ATTN, name)))
		return -1;
	l->macs = 2.0 * seq * seq * d;
	l->flops = 2 * l->macs + FLOPS(attention_score) * heads * seq * seq; /* scale, softmax */
	l->gm = (double)seq;
	l->gn = (double)seq;
	l->gk = (double)(d / heads);
	l->gemm_count = 2.0 * heads;
	l->gm_batched = 0;
	finish(b, l, 1);
	/* the probabilities are kept too: heads x seq x seq per sample */
	l->act_elems += (double)heads * seq * seq;
	return 0;
}

/* LSTM (4 gates) or GRU (3 gates), stacked, over h time steps. PyTorch's
 * parameterisation: two bias vectors per gate. */
static int recurrent(struct build *b, enum dlp_op op, const char *name, long hidden, long nl)
{
	int gates = op == DLP_OP_LSTM ? 4 : 3;
	long steps = positions(&b->s);
	long i;

	if (in_range(name, "hidden", hidden, 1, MAX_WIDTH) || in_range(name, "layers", nl, 1, MAX_LAYERS))
		return -1;
	for (i = 0; i < nl; i++) {
		char nm[64];
		dlp_layer *l;
		long in = b->s.c;

		fmt(nm, sizeof nm, "%s.%ld", name, i);
		if (!(l = push(b, op, nm)))
			return -1;
		l->params = (double)gates * hidden * (in + hidden) + 2.0 * gates * hidden;
		l->macs = (double)steps * gates * hidden * (in + hidden);
		l->flops = 2 * l->macs + FLOPS(recurrent_gate) * steps * gates * hidden;
		/* each step is one GEMM of batch rows: the recurrence is serial */
		l->gm = 1;
		l->gn = (double)gates * hidden;
		l->gk = (double)(in + hidden);
		l->gemm_count = (double)steps;
		l->gm_batched = 1;
		l->seq_steps = (double)steps;
		b->s.c = hidden;
		finish(b, l, 1);
		l->act_elems = (double)steps * hidden * (gates + 2); /* gates, cell, hidden */
	}
	return 0;
}

static int embedding(struct build *b, const char *name, long vocab, long dim)
{
	dlp_layer *l;

	if (!(l = push(b, DLP_OP_EMBED, name)))
		return -1;
	l->params = (double)vocab * dim;
	l->in_elems = (double)positions(&b->s);
	b->s.c = dim;
	finish(b, l, 1);
	return 0;
}

static int loss(struct build *b)
{
	dlp_layer *l;

	if (!(l = push(b, DLP_OP_LOSS, "softmax_cross_entropy")))
		return -1;
	l->flops = FLOPS(softmax_xent) * elems(&b->s);
	finish(b, l, 1);
	return 0;
}

/* ---- the JSON layer list --------------------------------------------------- */

static long jint(const json_t *o, const char *key, long def)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long)json_integer_value(v) : def;
}

static int build_list(struct build *b, const json_t *list, const char *prefix);

/* "out" may be the string "classes": the model's class count. */
static int out_value(struct build *b, const json_t *o, long *out, const char *what)
{
	json_t *v = json_object_get(o, "out");

	if (json_is_string(v) && strcmp(json_string_value(v), "classes") == 0)
		*out = b->m->classes;
	else if (json_is_string(v) && strcmp(json_string_value(v), "vocab") == 0)
		*out = b->m->vocab;
	else if (json_is_integer(v))
		*out = (long)json_integer_value(v);
	else
		return dlp_error_set("%s: \"out\" must be an integer, \"classes\" or \"vocab\"", what);
	if (*out < 1)
		return dlp_error_set("%s: %ld outputs", what, *out);
	return 0;
}

static int build_op(struct build *b, const json_t *o, const char *name)
{
	const char *op = json_string_value(json_object_get(o, "op"));
	long out;

	if (!op)
		return dlp_error_set("%s: layer without \"op\"", name);
	if (strcmp(op, "conv") == 0) {
		if (out_value(b, o, &out, name))
			return -1;
		return conv(b, name, out, jint(o, "k", 3), jint(o, "stride", 1), jint(o, "pad", 0),
			    jint(o, "groups", 1), jint(o, "dilation", 1), json_is_true(json_object_get(o, "bias")));
	}
	if (strcmp(op, "dense") == 0) {
		if (out_value(b, o, &out, name))
			return -1;
		return dense(b, name, out, !json_is_false(json_object_get(o, "bias")));
	}
	if (strcmp(op, "bn") == 0)
		return eltwise(b, DLP_OP_BN, name, FLOPS(bn), 2);
	if (strcmp(op, "ln") == 0)
		return eltwise(b, DLP_OP_LN, name, FLOPS(ln), 2);
	if (strcmp(op, "relu") == 0 || strcmp(op, "relu6") == 0)
		return relu(b, name);
	if (strcmp(op, "gelu") == 0 || strcmp(op, "tanh") == 0 || strcmp(op, "sigmoid") == 0)
		return eltwise(b, DLP_OP_ACT, name, strcmp(op, "gelu") == 0 ? FLOPS(gelu) : FLOPS(activation), 0);
	if (strcmp(op, "maxpool") == 0 || strcmp(op, "avgpool") == 0) {
		long k = jint(o, "k", 2);
		return pool(b, name, k, jint(o, "stride", k), jint(o, "pad", 0));
	}
	if (strcmp(op, "gap") == 0)
		return adaptive_pool(b, name, 1);
	if (strcmp(op, "adaptive_avgpool") == 0)
		return adaptive_pool(b, name, jint(o, "out", 1));
	if (strcmp(op, "flatten") == 0) {
		/* the flattened width must stay a long: no model is this wide */
		if (elems(&b->s) > 1e15)
			return dlp_error_set("%s: flattening %.3g features is out of range", name, elems(&b->s));
		return reshape(b, name, (long)elems(&b->s), 1, 1);
	}
	if (strcmp(op, "dropout") == 0)
		return reshape(b, name, b->s.c, b->s.h, b->s.w);
	if (strcmp(op, "embedding") == 0) {
		long vocab = jint(o, "vocab", b->m->vocab);
		if (vocab < 1 || jint(o, "dim", 0) < 1)
			return dlp_error_set("%s: embedding needs \"vocab\" and \"dim\"", name);
		if (in_range(name, "dim", jint(o, "dim", 0), 1, MAX_WIDTH))
			return -1;
		return embedding(b, name, vocab, jint(o, "dim", 0));
	}
	if (strcmp(op, "attention") == 0)
		return attention(b, name, jint(o, "heads", 1));
	if (strcmp(op, "lstm") == 0 || strcmp(op, "gru") == 0) {
		if (jint(o, "hidden", 0) < 1)
			return dlp_error_set("%s: %s needs \"hidden\"", name, op);
		return recurrent(b, op[0] == 'l' ? DLP_OP_LSTM : DLP_OP_GRU, name, jint(o, "hidden", 0),
				 jint(o, "layers", 1));
	}
	if (strcmp(op, "residual") == 0) {
		struct shape in = b->s, out_s;
		char sub[64];
		const json_t *sc = json_object_get(o, "shortcut");

		fmt(sub, sizeof sub, "%s", name);
		if (build_list(b, json_object_get(o, "body"), sub))
			return -1;
		out_s = b->s;
		b->s = in;
		if (sc && build_list(b, sc, sub))
			return -1;
		if (b->s.c != out_s.c || b->s.h != out_s.h || b->s.w != out_s.w)
			return dlp_error_set("%s: residual body gives %ldx%ldx%ld, shortcut %ldx%ldx%ld",
					     name, out_s.c, out_s.h, out_s.w, b->s.c, b->s.h, b->s.w);
		fmt(sub, sizeof sub, "%s.add", name);
		return eltwise(b, DLP_OP_ADD, sub, FLOPS(add), 0);
	}
	if (strcmp(op, "repeat") == 0) {
		long i, times = jint(o, "times", 1);
		const json_t *body = json_object_get(o, "body");

		/* a non-empty body adds layers each time: MAX_LAYERS ends any nesting */
		if (in_range(name, "times", times, 1, MAX_REPEAT))
			return -1;
		if (json_is_array(body) && json_array_size(body) == 0)
			return dlp_error_set("%s: repeat with an empty \"body\"", name);
		for (i = 0; i < times; i++) {
			char sub[64];
			fmt(sub, sizeof sub, "%s.%ld", name, i);
			if (build_list(b, body, sub))
				return -1;
		}
		return 0;
	}
	return dlp_error_set("%s: unknown op \"%s\"", name, op);
}

static int build_list(struct build *b, const json_t *list, const char *prefix)
{
	size_t i;
	const json_t *o;

	if (!json_is_array(list))
		return dlp_error_set("%s: \"layers\"/\"body\" must be a list", prefix);
	if (++b->depth > 16)
		return dlp_error_set("%s: blocks nested too deep", prefix);
	json_array_foreach(list, i, o) {
		char name[64];
		const char *nm = json_string_value(json_object_get(o, "name"));

		if (nm)
			fmt(name, sizeof name, "%s%s%s", prefix, *prefix ? "." : "", nm);
		else
			fmt(name, sizeof name, "%s%s%zu", prefix, *prefix ? "." : "", i);
		if (!json_is_object(o))
			return dlp_error_set("%s: a layer must be an object", name);
		if (build_op(b, o, name))
			return -1;
	}
	b->depth--;
	return 0;
}

/* ---- builders ------------------------------------------------------------ */

static int conv_bn(struct build *b, const char *name, long out, long k, long stride, int act)
{
	char nm[64];

	if (conv(b, name, out, k, stride, k / 2, 1, 1, 0))
		return -1;
	fmt(nm, sizeof nm, "%s.bn", name);
	if (eltwise(b, DLP_OP_BN, nm, FLOPS(bn), 2))
		return -1;
	fmt(nm, sizeof nm, "%s.relu", name);
	return act ? relu(b, nm) : 0;
}

static int bn_relu(struct build *b, const char *name)
{
	char nm[64];

	fmt(nm, sizeof nm, "%s.bn", name);
	if (eltwise(b, DLP_OP_BN, nm, FLOPS(bn), 2))
		return -1;
	fmt(nm, sizeof nm, "%s.relu", name);
	return relu(b, nm);
}

/* One residual block. Post-activation (He et al. 2015, torchvision layout,
 * stride on the 3x3 conv) or pre-activation (He et al. 2016, WRN). */
static int res_block(struct build *b, const char *name, int bottleneck, int preact, long width,
		     long out, long stride, int pad_shortcut)
{
	struct shape in = b->s, body;
	char nm[64];
	/* He et al. 2015 option A (sec. 4.2, the CIFAR ResNets): the shortcut
	 * subsamples and zero-pads channels, no weights; the add reads it */
	int need_proj = (stride != 1 || in.c != out) && !pad_shortcut;

	if (preact && bn_relu(b, name))
		return -1;
	if (bottleneck) {
		fmt(nm, sizeof nm, "%s.conv1", name);
		if (preact ? conv(b, nm, width, 1, 1, 0, 1, 1, 0) || bn_relu(b, nm)
			   : conv_bn(b, nm, width, 1, 1, 1))
			return -1;
		fmt(nm, sizeof nm, "%s.conv2", name);
		if (preact ? conv(b, nm, width, 3, stride, 1, 1, 1, 0) || bn_relu(b, nm)
			   : conv_bn(b, nm, width, 3, stride, 1))
			return -1;
		fmt(nm, sizeof nm, "%s.conv3", name);
		if (preact ? conv(b, nm, out, 1, 1, 0, 1, 1, 0) : conv_bn(b, nm, out, 1, 1, 0))
			return -1;
	} else {
		fmt(nm, sizeof nm, "%s.conv1", name);
		if (preact ? conv(b, nm, out, 3, stride, 1, 1, 1, 0) || bn_relu(b, nm)
			   : conv_bn(b, nm, out, 3, stride, 1))
			return -1;
		fmt(nm, sizeof nm, "%s.conv2", name);
		if (preact ? conv(b, nm, out, 3, 1, 1, 1, 1, 0) : conv_bn(b, nm, out, 3, 1, 0))
			return -1;
	}
	body = b->s;
	if (need_proj) {
		b->s = in;
		fmt(nm, sizeof nm, "%s.downsample", name);
		if (preact ? conv(b, nm, out, 1, stride, 0, 1, 1, 0) : conv_bn(b, nm, out, 1, stride, 0))
			return -1;
	}
	b->s = body;
	fmt(nm, sizeof nm, "%s.add", name);
	if (eltwise(b, DLP_OP_ADD, nm, FLOPS(add), 0))
		return -1;
	if (!preact) {
		fmt(nm, sizeof nm, "%s.relu", name);
		return relu(b, nm);
	}
	return 0;
}

static int build_resnet(struct build *b, const json_t *d)
{
	const char *block = json_string_value(json_object_get(d, "block"));
	const char *stem = json_string_value(json_object_get(d, "stem"));
	const json_t *stages = json_object_get(d, "stages");
	int bottleneck = block && strcmp(block, "bottleneck") == 0;
	int preact = json_is_true(json_object_get(d, "preact"));
	int cifar = stem && strcmp(stem, "cifar") == 0;
	const char *shortcut = json_string_value(json_object_get(d, "shortcut"));
	int pad = shortcut && strcmp(shortcut, "pad") == 0;
	long base = jint(d, "base_width", cifar ? 16 : 64);
	long widen = jint(d, "widen", 1);
	long expansion = bottleneck ? 4 : 1;
	size_t si;
	const json_t *nb;

	if (!json_is_array(stages) || json_array_size(stages) == 0)
		return dlp_error_set("resnet builder needs \"stages\": [blocks per stage, ...]");
	if (shortcut && !pad && strcmp(shortcut, "projection") != 0)
		return dlp_error_set("resnet builder: \"shortcut\" \"%s\" is not projection or pad", shortcut);
	if (json_array_size(stages) > 16 || in_range("resnet", "base_width", base, 1, MAX_WIDTH) ||
	    in_range("resnet", "widen", widen, 1, MAX_WIDTH) || base * widen > MAX_WIDTH)
		return dlp_error_set("resnet builder: stages, base_width or widen out of range (at most 16 "
				     "stages, base_width x widen at most %ld)", MAX_WIDTH);
	if (cifar) {
		if (conv(b, "stem.conv", base, 3, 1, 1, 1, 1, 0))
			return -1;
		if (!preact && bn_relu(b, "stem"))
			return -1;
	} else {
		if (conv_bn(b, "stem.conv", base, 7, 2, 1) || pool(b, "stem.maxpool", 3, 2, 1))
			return -1;
	}
	json_array_foreach(stages, si, nb) {
		long j, width = base * widen << si;
		for (j = 0; j < (long)json_integer_value(nb); j++) {
			char nm[64];
			long stride = (j == 0 && si > 0) ? 2 : 1;
			fmt(nm, sizeof nm, "layer%zu.%ld", si + 1, j);
			if (res_block(b, nm, bottleneck, preact, width, width * (bottleneck ? expansion : 1),
				      stride, pad))
				return -1;
		}
	}
	if (preact && bn_relu(b, "final"))
		return -1;
	if (adaptive_pool(b, "avgpool", 1) || reshape(b, "flatten", b->s.c, 1, 1))
		return -1;
	return dense(b, "fc", b->m->classes, 1);
}

/* MobileNetV2 (Sandler et al. 2018, table 2): inverted residual blocks. */
static int build_mobilenetv2(struct build *b, const json_t *d)
{
	static const long cfg[][4] = { /* t, c, n, s */
		{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2},
		{6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1},
	};
	size_t i;
	long j, blk = 0;

	(void)d;
	if (conv_bn(b, "stem", 32, 3, 2, 1))
		return -1;
	for (i = 0; i < sizeof cfg / sizeof cfg[0]; i++) {
		for (j = 0; j < cfg[i][2]; j++, blk++) {
			struct shape in = b->s;
			long stride = j == 0 ? cfg[i][3] : 1, hidden = in.c * cfg[i][0];
			char nm[64], sub[80];

			fmt(nm, sizeof nm, "block%ld", blk);
			if (cfg[i][0] != 1) {
				fmt(sub, sizeof sub, "%s.expand", nm);
				if (conv_bn(b, sub, hidden, 1, 1, 1))
					return -1;
			}
			fmt(sub, sizeof sub, "%s.dw", nm);
			if (conv(b, sub, hidden, 3, stride, 1, hidden, 1, 0) || bn_relu(b, sub))
				return -1;
			fmt(sub, sizeof sub, "%s.project", nm);
			if (conv_bn(b, sub, cfg[i][1], 1, 1, 0))
				return -1;
			if (stride == 1 && in.c == cfg[i][1]) {
				fmt(sub, sizeof sub, "%s.add", nm);
				if (eltwise(b, DLP_OP_ADD, sub, FLOPS(add), 0))
					return -1;
			}
		}
	}
	if (conv_bn(b, "head", 1280, 1, 1, 1) || adaptive_pool(b, "avgpool", 1) ||
	    reshape(b, "flatten", 1280, 1, 1) || reshape(b, "dropout", 1280, 1, 1))
		return -1;
	return dense(b, "classifier", b->m->classes, 1);
}

/* The input side of a transformer: patch convolution, class token and
 * positions (ViT), or token, position and segment embeddings (BERT, GPT-2). */
static int transformer_embed(struct build *b, const json_t *d, const char *embed, long dm)
{
	long seq;
	dlp_layer *l;

	if (strcmp(embed, "patch") == 0) {
		long patch = jint(d, "patch", 16);
		if (conv(b, "patch_embed", dm, patch, patch, 0, 1, 1, 1))
			return -1;
		seq = positions(&b->s) + 1; /* + class token */
		if (reshape(b, "tokens", dm, seq, 1) || !(l = push(b, DLP_OP_EMBED, "cls_pos_embed")))
			return -1;
		l->params = dm + (double)seq * dm;
		l->flops = (double)seq * dm;
		finish(b, l, 1);
	} else if (strcmp(embed, "tokens") == 0) {
		long max_pos = jint(d, "max_positions", 512), types = jint(d, "type_vocab", 0);
		seq = positions(&b->s);
		if (seq > max_pos)
			return dlp_error_set("sequence length %ld exceeds the model's %ld positions", seq,
					     max_pos);
		if (embedding(b, "token_embed", b->m->vocab, dm) || !(l = push(b, DLP_OP_EMBED, "pos_embed")))
			return -1;
		l->params = (double)(max_pos + types) * dm;
		l->flops = (double)seq * dm * (types ? 2 : 1);
		finish(b, l, 1);
		if (json_is_true(json_object_get(d, "embed_ln")) && eltwise(b, DLP_OP_LN, "embed_ln", FLOPS(ln), 2))
			return -1;
	} else {
		return dlp_error_set("transformer embed \"%s\" is not patch or tokens", embed);
	}
	return 0;
}

/* One pre-LayerNorm block: attention and the feed-forward network, each
 * with its residual addition. */
static int transformer_block(struct build *b, long i, long dm, long heads, long dff, int dropout)
{
	char nm[64], sub[80];
	struct shape x = b->s;

	fmt(nm, sizeof nm, "block%ld", i);
	fmt(sub, sizeof sub, "%s.ln1", nm);
	if (eltwise(b, DLP_OP_LN, sub, FLOPS(ln), 2))
		return -1;
	fmt(sub, sizeof sub, "%s.qkv", nm);
	if (dense(b, sub, 3 * dm, 1) || reshape(b, "split_qkv", dm, b->s.h, 1))
		return -1;
	fmt(sub, sizeof sub, "%s.attn", nm);
	if (attention(b, sub, heads))
		return -1;
	/* dropout on the probabilities keeps a byte mask per score */
	if (dropout) {
		dlp_layer *a = &b->m->layers[b->m->n_layers - 1];
		a->attn_dropout = 1;
		a->act_elems += (double)heads * b->s.h * b->s.h / 2;
	}
	fmt(sub, sizeof sub, "%s.proj", nm);
	if (dense(b, sub, dm, 1))
		return -1;
	fmt(sub, sizeof sub, "%s.proj_dropout", nm);
	if (dropout && eltwise(b, DLP_OP_ACT, sub, FLOPS(activation), 0))
		return -1;
	b->s = x;
	fmt(sub, sizeof sub, "%s.add1", nm);
	if (eltwise(b, DLP_OP_ADD, sub, FLOPS(add), 0))
		return -1;
	fmt(sub, sizeof sub, "%s.ln2", nm);
	if (eltwise(b, DLP_OP_LN, sub, FLOPS(ln), 2))
		return -1;
	fmt(sub, sizeof sub, "%s.fc1", nm);
	if (dense(b, sub, dff, 1) || eltwise(b, DLP_OP_ACT, "gelu", FLOPS(gelu), 0))
		return -1;
	fmt(sub, sizeof sub, "%s.fc2", nm);
	if (dense(b, sub, dm, 1))
		return -1;
	fmt(sub, sizeof sub, "%s.fc2_dropout", nm);
	if (dropout && eltwise(b, DLP_OP_ACT, sub, FLOPS(activation), 0))
		return -1;
	fmt(sub, sizeof sub, "%s.add2", nm);
	return eltwise(b, DLP_OP_ADD, sub, FLOPS(add), 0);
}

/* The output side: an LM head tied to the token embedding, or a classifier
 * on the first token (behind a pooler for BERT). */
static int transformer_head(struct build *b, const json_t *d, const char *head, long dm)
{
	dlp_layer *l;

	if (json_is_true(json_object_get(d, "final_ln")) && eltwise(b, DLP_OP_LN, "final_ln", FLOPS(ln), 2))
		return -1;
	if (strcmp(head, "lm_tied") == 0) {
		/* the LM head reuses the token embedding: work but no new weights */
		if (!(l = push(b, DLP_OP_DENSE, "lm_head(tied)")))
			return -1;
		l->macs = (double)positions(&b->s) * dm * b->m->vocab;
		l->flops = 2 * l->macs;
		l->gm = (double)positions(&b->s);
		l->gn = b->m->vocab;
		l->gk = (double)dm;
		l->gm_batched = 1;
		b->s.c = b->m->vocab;
		finish(b, l, 1);
		return 0;
	}
	/* classification from the first token */
	if (reshape(b, "first_token", dm, 1, 1))
		return -1;
	if (strcmp(head, "pooler") == 0 &&
	    (dense(b, "pooler", dm, 1) || eltwise(b, DLP_OP_ACT, "pooler.tanh", FLOPS(activation), 0)))
		return -1;
	return b->m->classes > 0 ? dense(b, "classifier", b->m->classes, 1) : 0;
}

/* Transformer encoders/decoders: BERT (tokens + positions + segments,
 * embedding LayerNorm, pooler), GPT-2 (tokens + positions, final LayerNorm,
 * LM head tied to the token embedding), ViT (patch convolution, class token,
 * positions, final LayerNorm, classifier). */
static int build_transformer(struct build *b, const json_t *d)
{
	const char *embed = json_string_value(json_object_get(d, "embed"));
	const char *head = json_string_value(json_object_get(d, "head"));
	long layers = jint(d, "layers", 12), dm = jint(d, "d_model", 768);
	long heads = jint(d, "heads", 12), dff;
	long i;

	if (!embed || !head)
		return dlp_error_set("transformer builder needs \"embed\" and \"head\"");
	if (in_range("transformer", "d_model", dm, 1, MAX_WIDTH) ||
	    in_range("transformer", "layers", layers, 1, MAX_LAYERS) ||
	    in_range("transformer", "max_positions", jint(d, "max_positions", 512), 1, MAX_WIDTH) ||
	    in_range("transformer", "type_vocab", jint(d, "type_vocab", 0), 0, MAX_WIDTH))
		return -1;
	dff = jint(d, "d_ff", 4 * dm);
	if (transformer_embed(b, d, embed, dm))
		return -1;
	/* BERT trains with dropout 0.1 on the attention probabilities and the
	 * residual branches (Devlin et al. 2018 sec. A.2); GPT-2 reproductions
	 * and ViT/DeiT recipes commonly run without */
	for (i = 0; i < layers; i++)
		if (transformer_block(b, i, dm, heads, dff, json_is_true(json_object_get(d, "dropout"))))
			return -1;
	return transformer_head(b, d, head, dm);
}

/* Llama-style decoder (Touvron et al. 2023): RMSNorm before attention and
 * MLP, rotary position embedding on q and k (no position table), grouped
 * key/value heads (kv_heads < heads shrinks the k and v projections, not the
 * score work), SwiGLU MLP (gate and up projections, SiLU x up, down), final
 * RMSNorm and an untied LM head. */
static int build_llama(struct build *b, const json_t *d)
{
	long layers = jint(d, "layers", 32), dm = jint(d, "d_model", 4096), heads = jint(d, "heads", 32);
	long kv = jint(d, "kv_heads", heads), dff = jint(d, "d_ff", 0), seq = positions(&b->s), i;
	long max_pos = jint(d, "max_positions", 4096);

	if (in_range("llama", "d_model", dm, 1, MAX_WIDTH) || in_range("llama", "layers", layers, 1, MAX_LAYERS) ||
	    in_range("llama", "heads", heads, 1, MAX_WIDTH) || in_range("llama", "kv_heads", kv, 1, heads) ||
	    in_range("llama", "d_ff", dff, 1, MAX_WIDTH) || in_range("llama", "max_positions", max_pos, 1, MAX_WIDTH))
		return -1;
	if (dm % heads || heads % kv)
		return dlp_error_set("llama: d_model %ld, heads %ld and kv_heads %ld do not divide", dm, heads, kv);
	if (seq > max_pos)
		return dlp_error_set("sequence length %ld exceeds the model's %ld positions", seq, max_pos);
	if (embedding(b, "token_embed", b->m->vocab, dm))
		return -1;
	for (i = 0; i < layers; i++) {
		char nm[64], sub[80];
		struct shape x = b->s;
		long kvd = dm / heads * kv;

		fmt(nm, sizeof nm, "block%ld", i);
		fmt(sub, sizeof sub, "%s.rmsnorm1", nm);
		if (eltwise(b, DLP_OP_LN, sub, FLOPS(ln), 1))
			return -1;
		x = b->s;
		fmt(sub, sizeof sub, "%s.q", nm);
		if (dense(b, sub, dm, 0))
			return -1;
		b->s = x;
		fmt(sub, sizeof sub, "%s.k", nm);
		if (dense(b, sub, kvd, 0))
			return -1;
		b->s = x;
		fmt(sub, sizeof sub, "%s.v", nm);
		if (dense(b, sub, kvd, 0))
			return -1;
		/* rotary: a rotation of q and k, elementwise */
		b->s.c = dm + kvd;
		fmt(sub, sizeof sub, "%s.rotary", nm);
		if (eltwise(b, DLP_OP_ACT, sub, 3, 0) || reshape(b, "split_qkv", dm, seq, 1))
			return -1;
		fmt(sub, sizeof sub, "%s.attn", nm);
		if (attention(b, sub, heads))
			return -1;
		fmt(sub, sizeof sub, "%s.o", nm);
		if (dense(b, sub, dm, 0))
			return -1;
		fmt(sub, sizeof sub, "%s.add1", nm);
		if (eltwise(b, DLP_OP_ADD, sub, FLOPS(add), 0))
			return -1;
		fmt(sub, sizeof sub, "%s.rmsnorm2", nm);
		if (eltwise(b, DLP_OP_LN, sub, FLOPS(ln), 1))
			return -1;
		x = b->s;
		fmt(sub, sizeof sub, "%s.gate", nm);
		if (dense(b, sub, dff, 0))
			return -1;
		b->s = x;
		fmt(sub, sizeof sub, "%s.up", nm);
		if (dense(b, sub, dff, 0))
			return -1;
		fmt(sub, sizeof sub, "%s.silu_mul", nm);
		if (eltwise(b, DLP_OP_ACT, sub, 6, 0))
			return -1;
		fmt(sub, sizeof sub, "%s.down", nm);
		if (dense(b, sub, dm, 0))
			return -1;
		fmt(sub, sizeof sub, "%s.add2", nm);
		if (eltwise(b, DLP_OP_ADD, sub, FLOPS(add), 0))
			return -1;
	}
	if (eltwise(b, DLP_OP_LN, "final_rmsnorm", FLOPS(ln), 1))
		return -1;
	return dense(b, "lm_head", b->m->vocab, 0);
}

/* EfficientNet-B0 (Tan and Le 2019, table 1): MBConv blocks with
 * squeeze-and-excitation (reduction to a quarter of the block's input
 * channels) and SiLU, torchvision layout. */
static int se_block(struct build *b, const char *name, long squeeze)
{
	struct shape x = b->s;
	char nm[80];

	fmt(nm, sizeof nm, "%s.se.pool", name);
	if (adaptive_pool(b, nm, 1))
		return -1;
	fmt(nm, sizeof nm, "%s.se.reduce", name);
	if (conv(b, nm, squeeze, 1, 1, 0, 1, 1, 1) || eltwise(b, DLP_OP_ACT, "se.silu", 4, 0))
		return -1;
	fmt(nm, sizeof nm, "%s.se.expand", name);
	if (conv(b, nm, x.c, 1, 1, 0, 1, 1, 1) || eltwise(b, DLP_OP_ACT, "se.sigmoid", 4, 0))
		return -1;
	b->s = x;
	fmt(nm, sizeof nm, "%s.se.scale", name);
	return eltwise(b, DLP_OP_ADD, nm, FLOPS(add), 0);
}

static int conv_bn_silu(struct build *b, const char *name, long out, long k, long stride, long groups, int act)
{
	char nm[80];

	if (conv(b, name, out, k, stride, k / 2, groups, 1, 0))
		return -1;
	fmt(nm, sizeof nm, "%s.bn", name);
	if (eltwise(b, DLP_OP_BN, nm, FLOPS(bn), 2))
		return -1;
	fmt(nm, sizeof nm, "%s.silu", name);
	return act ? eltwise(b, DLP_OP_ACT, nm, 4, 0) : 0;
}

static int build_efficientnet_b0(struct build *b, const json_t *d)
{
	static const long cfg[][5] = { /* expand, kernel, stride, out, repeats */
		{1, 3, 1, 16, 1}, {6, 3, 2, 24, 2}, {6, 5, 2, 40, 2}, {6, 3, 2, 80, 3},
		{6, 5, 1, 112, 3}, {6, 5, 2, 192, 4}, {6, 3, 1, 320, 1},
	};
	size_t i;
	long j, blk = 0;

	(void)d;
	if (conv_bn_silu(b, "stem", 32, 3, 2, 1, 1))
		return -1;
	for (i = 0; i < sizeof cfg / sizeof cfg[0]; i++) {
		for (j = 0; j < cfg[i][4]; j++, blk++) {
			struct shape in = b->s;
			long stride = j == 0 ? cfg[i][2] : 1, hidden = in.c * cfg[i][0];
			char nm[64], sub[80];

			fmt(nm, sizeof nm, "block%ld", blk);
			if (cfg[i][0] != 1) {
				fmt(sub, sizeof sub, "%s.expand", nm);
				if (conv_bn_silu(b, sub, hidden, 1, 1, 1, 1))
					return -1;
			}
			fmt(sub, sizeof sub, "%s.dw", nm);
			if (conv_bn_silu(b, sub, hidden, cfg[i][1], stride, hidden, 1) ||
			    se_block(b, nm, in.c / 4 > 1 ? in.c / 4 : 1))
				return -1;
			fmt(sub, sizeof sub, "%s.project", nm);
			if (conv_bn_silu(b, sub, cfg[i][3], 1, 1, 1, 0))
				return -1;
			if (stride == 1 && in.c == cfg[i][3]) {
				fmt(sub, sizeof sub, "%s.add", nm);
				if (eltwise(b, DLP_OP_ADD, sub, FLOPS(add), 0))
					return -1;
			}
		}
	}
	if (conv_bn_silu(b, "head", 1280, 1, 1, 1, 1) || adaptive_pool(b, "avgpool", 1) ||
	    reshape(b, "flatten", 1280, 1, 1) || reshape(b, "dropout", 1280, 1, 1))
		return -1;
	return dense(b, "classifier", b->m->classes, 1);
}

/* ---- model objects ------------------------------------------------------- */

void dlp_model_free(dlp_model *m)
{
	if (!m)
		return;
	free(m->layers);
	free(m);
}

static void copy_str(char *dst, size_t n, const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	fmt(dst, n, "%s", s ? s : "");
}

/* The description's names, input [C, H, W], classes and vocab into m, each
 * range-checked. */
static int model_header(dlp_model *m, const json_t *desc)
{
	const json_t *input = json_object_get(desc, "input");
	size_t i;
	int dims[3];

	copy_str(m->name, sizeof m->name, desc, "name");
	copy_str(m->description, sizeof m->description, desc, "description");
	copy_str(m->source, sizeof m->source, desc, "source");
	copy_str(m->task, sizeof m->task, desc, "task");
	if (!m->task[0])
		fmt(m->task, sizeof m->task, "image");
	/* each read at full width and range-checked before it narrows to int:
	 * 4294967520 must be refused, not read as 224 */
	for (i = 0; i < 3; i++) {
		static const char *const field[] = {"input[0] (channels)", "input[1] (height)", "input[2] (width)"};
		const json_t *v = json_array_get(input, i);
		long hi = i == 0 ? MAX_WIDTH : MAX_EXTENT;

		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > hi)
			return dlp_error_set("model %s: \"%s\" must be an integer from 1 to %ld", m->name, field[i],
					     hi);
		dims[i] = (int)json_integer_value(v);
	}
	m->in_c = dims[0];
	m->in_h = dims[1];
	m->in_w = dims[2];
	if (in_range(m->name, "classes", jint(desc, "classes", 0), 0, MAX_WIDTH) ||
	    in_range(m->name, "vocab", jint(desc, "vocab", 0), 0, MAX_WIDTH))
		return -1;
	m->classes = (int)jint(desc, "classes", 0);
	m->vocab = (int)jint(desc, "vocab", 0);
	m->adjustable_input = !json_is_false(json_object_get(desc, "adjustable_input"));
	return 0;
}

/* The caller's input and classes (> 0) over the description's, where the
 * model allows it, held to the same bounds as the file's. */
static int model_override(dlp_model *m, int in_c, int in_h, int in_w, int classes)
{
	if (m->adjustable_input) {
		if (in_c > 0)
			m->in_c = in_c;
		if (in_h > 0)
			m->in_h = in_h;
		if (in_w > 0)
			m->in_w = in_w;
	}
	if (classes > 0 && m->classes > 0)
		m->classes = classes;
	if (m->in_c < 1 || m->in_h < 1 || m->in_w < 1 || m->in_c > MAX_WIDTH || m->in_h > MAX_EXTENT ||
	    m->in_w > MAX_EXTENT)
		return dlp_error_set("model %s: input %dx%dx%d is not valid (channels 1 to %ld, height and "
				     "width 1 to %ld)", m->name, m->in_c, m->in_h, m->in_w, MAX_WIDTH, MAX_EXTENT);
	return 0;
}

/* The model's totals: the sums over its layers. */
static void model_totals(dlp_model *m)
{
	size_t i;

	m->input_elems = (double)m->in_c * m->in_h * m->in_w;
	for (i = 0; i < m->n_layers; i++) {
		m->params += m->layers[i].params;
		m->macs += m->layers[i].macs;
		m->flops += m->layers[i].flops;
		m->act_elems += m->layers[i].act_elems;
	}
}

dlp_model *dlp_model_from_json(const json_t *desc, int in_c, int in_h, int in_w, int classes)
{
	dlp_model *m = NULL;
	struct build b;
	const json_t *input = json_object_get(desc, "input");
	const char *builder = json_string_value(json_object_get(desc, "builder"));
	int rc = -1;

	if (!json_is_object(desc) || !json_is_array(input) || json_array_size(input) != 3) {
		dlp_error_set("model description needs \"input\": [C, H, W]");
		return NULL;
	}
	if (!dlp_constants()) /* FLOPS() below relies on it */
		return NULL;
	if (!(m = calloc(1, sizeof *m))) {
		dlp_error_set("out of memory");
		return NULL;
	}
	if (model_header(m, desc) || model_override(m, in_c, in_h, in_w, classes))
		goto out;
	memset(&b, 0, sizeof b);
	b.m = m;
	b.s.c = m->in_c;
	b.s.h = m->in_h;
	b.s.w = m->in_w;
	if (strcmp(m->task, "text") == 0) {
		/* token ids: one per position */
		b.s.c = 1;
	}
	if ((!builder || strcmp(builder, "layers") == 0) &&
	    json_is_array(json_object_get(desc, "layers")) && json_array_size(json_object_get(desc, "layers")) == 0)
		rc = dlp_error_set("model %s: \"layers\" is empty", m->name);
	else if (!builder || strcmp(builder, "layers") == 0)
		rc = build_list(&b, json_object_get(desc, "layers"), "");
	else if (strcmp(builder, "resnet") == 0)
		rc = build_resnet(&b, desc);
	else if (strcmp(builder, "mobilenetv2") == 0)
		rc = build_mobilenetv2(&b, desc);
	else if (strcmp(builder, "transformer") == 0)
		rc = build_transformer(&b, desc);
	else if (strcmp(builder, "llama") == 0)
		rc = build_llama(&b, desc);
	else if (strcmp(builder, "efficientnet_b0") == 0)
		rc = build_efficientnet_b0(&b, desc);
	else
		rc = dlp_error_set("model %s: unknown builder \"%s\"", m->name, builder);
	if (rc == 0)
		rc = loss(&b);
	if (rc)
		goto out;
	model_totals(m);
out:
	if (rc) {
		dlp_model_free(m);
		return NULL;
	}
	return m;
}

/* mlp:IN,H1,...,OUT -> dense + ReLU layers, the last one linear. */
static dlp_model *mlp_from_spec(const char *spec, int classes)
{
	json_t *desc = NULL, *layers = NULL;
	dlp_model *m = NULL;
	long dims[64];
	size_t n = 0, i;
	const char *p = spec + 4;
	char name[64];

	while (*p) {
		const char *end;
		long long v;

		if (dlp_decimal_ll(p, &end, 1, MAX_WIDTH, &v) != 0 || (*end && *end != ',') || n == 64) {
			dlp_error_set("malformed model spec \"%s\" (expected mlp:IN,H1,...,OUT with positive "
				      "integers)", spec);
			return NULL;
		}
		dims[n++] = v;
		p = *end ? end + 1 : end;
		if (*end == ',' && !*p) {
			dlp_error_set("malformed model spec \"%s\" (trailing comma)", spec);
			return NULL;
		}
	}
	if (n < 2) {
		dlp_error_set("malformed model spec \"%s\" (needs at least IN,OUT)", spec);
		return NULL;
	}
	desc = json_object();
	layers = json_array();
	fmt(name, sizeof name, "%s", spec);
	json_object_set_new(desc, "name", json_string(name));
	json_object_set_new(desc, "task", json_string("tabular"));
	json_object_set_new(desc, "description", json_string("multilayer perceptron, ReLU between layers"));
	json_object_set_new(desc, "input", json_pack("[i,i,i]", (json_int_t)dims[0], 1, 1));
	json_object_set_new(desc, "adjustable_input", json_false());
	json_object_set_new(desc, "classes", json_integer(dims[n - 1]));
	for (i = 1; i < n; i++) {
		char ln[32];
		snprintf(ln, sizeof ln, "fc%zu", i);
		json_array_append_new(layers, json_pack("{s:s,s:I,s:s}", "op", "dense", "out", (json_int_t)dims[i],
							"name", ln));
		if (i + 1 < n) {
			snprintf(ln, sizeof ln, "relu%zu", i);
			json_array_append_new(layers, json_pack("{s:s,s:s}", "op", "relu", "name", ln));
		}
	}
	json_object_set_new(desc, "layers", layers);
	(void)classes; /* the spec fixes OUT */
	m = dlp_model_from_json(desc, 0, 0, 0, 0);
	json_decref(desc);
	return m;
}

const char *dlp_model_zoo_name(size_t i)
{
	static _Thread_local char buf[64];
	size_t k, seen = 0;
	const char *n;

	for (k = 0; (n = dlp_embedded_name(k)); k++) {
		size_t len = strlen(n);
		if (strncmp(n, "models/", 7) || len < 13 || strcmp(n + len - 5, ".json"))
			continue;
		if (seen++ == i) {
			fmt(buf, sizeof buf, "%.*s", (int)(len - 12), n + 7);
			return buf;
		}
	}
	return NULL;
}

dlp_model *dlp_model_from_spec(const char *spec, int in_c, int in_h, int in_w, int classes)
{
	char path[128];
	const char *text;
	size_t len;
	json_t *desc = NULL;
	json_error_t err;
	dlp_model *m = NULL;

	if (!spec || !*spec) {
		dlp_error_set("empty model spec");
		return NULL;
	}
	if (strncmp(spec, "mlp:", 4) == 0)
		return mlp_from_spec(spec, classes);
	if (strchr(spec, '/') || (strlen(spec) > 5 && strcmp(spec + strlen(spec) - 5, ".json") == 0)) {
		desc = json_load_file(spec, 0, &err);
		if (!desc) {
			dlp_error_set("model file %s: %s", spec, err.text);
			return NULL;
		}
	} else {
		fmt(path, sizeof path, "models/%s.json", spec);
		text = strlen(spec) < 100 ? dlp_embedded_get(path, &len) : NULL;
		if (!text) {
			dlp_error_set("unknown model \"%s\" (see `dlprobe list models`, or give mlp:IN,...,OUT "
				      "or a JSON file)", spec);
			return NULL;
		}
		desc = json_loadb(text, len, 0, &err);
		if (!desc) {
			dlp_error_set("embedded model %s: %s", path, err.text);
			return NULL;
		}
	}
	m = dlp_model_from_json(desc, in_c, in_h, in_w, classes);
	json_decref(desc);
	return m;
}

json_t *dlp_model_summary_json(const dlp_model *m)
{
	return json_pack("{s:s,s:s,s:s,s:[i,i,i],s:i,s:o,s:o,s:o,s:o,s:I}",
			 "name", m->name, "task", m->task, "source", m->source,
			 "input", m->in_c, m->in_h, m->in_w, "classes", m->classes,
			 "params", dlp_json_whole(m->params), "forward_macs", dlp_json_whole(m->macs),
			 "forward_flops", dlp_json_whole(m->flops),
			 "activation_elems_per_sample", dlp_json_whole(m->act_elems),
			 "layers", (json_int_t)m->n_layers);
}
