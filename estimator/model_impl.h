/* What the model builder's files share; not a public API.
 *   estimator/model.c       the data/models format: header, the layer list,
 *                           the builder table, specs, the zoo
 *   estimator/layers.c      one layer at a time: shape inference and its
 *                           parameters, FLOPs, GEMM shape and storage
 *   estimator/builder_cnn.c the convolutional families (resnet, mobilenetv2,
 *                           efficientnet_b0)
 *   estimator/builder_transformer.c the transformer families (BERT, GPT-2,
 *                           ViT; llama) */
#ifndef DLPROBE_ESTIMATOR_MODEL_IMPL_H
#define DLPROBE_ESTIMATOR_MODEL_IMPL_H

#include <stddef.h>
#include <jansson.h>

#include "estimator/constants.h"
#include "estimator/estimator.h"

/* Limits on what a model file may ask for, checked before any arithmetic so
 * that hostile or mistyped values are a one-line error, never an overflow, a
 * division by zero or a build that does not end. */
#define DLP_MAX_GEOMETRY 1000000L  /* k, stride, pad, dilation, groups, pooled size */
#define DLP_MAX_WIDTH 100000000L   /* outputs / hidden units (as the mlp: spec) */
#define DLP_MAX_REPEAT 10000L      /* "times" of a repeat block */
#define DLP_MAX_LAYERS 100000      /* layers in one model */
/* Height and width (a sequence's length) of any tensor, input or inner: a
 * billion positions is far beyond any model, and bounding each keeps h x w
 * (and the padded h + 2 x pad) inside a long. */
#define DLP_MAX_EXTENT 1000000000L

/* Forward FLOPs per element of an operation (data/estimator.json
 * "flops_per_element"); dlp_model_from_json() checks the constants load
 * before any builder runs. */
#define DLP_FLOPS(op) (dlp_constants()->flops.op.value)

/* The shape flowing through the builder: c channels (features) at h x w
 * positions; sequences are c features at h positions (w = 1). */
struct dlp_mb_shape {
	long c, h, w;
};

/* A model being built ("mb" in the names below): layers are appended to m
 * as the shape s flows through them. */
struct dlp_mb {
	dlp_model *m;
	struct dlp_mb_shape s;
	int weighted_seen; /* a layer with weights came before: input grads needed */
	int depth;         /* nesting of the layer list's blocks */
};

static inline long dlp_mb_shape_positions(const struct dlp_mb_shape *s)
{
	return s->h * s->w;
}

static inline double dlp_mb_shape_elems(const struct dlp_mb_shape *s)
{
	return (double)s->c * (double)s->h * (double)s->w;
}

/* An integer field of a model description, def when absent or not an integer. */
static inline long dlp_mb_jint(const json_t *o, const char *key, long def)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long)json_integer_value(v) : def;
}

/* snprintf for layer names: truncated to fit by design. */
void dlp_mb_name(char *dst, size_t n, const char *f, ...) __attribute__((format(printf, 3, 4)));
/* v must lie in [lo, hi]: else -1 with an error naming the layer and the field. */
int dlp_mb_in_range(const char *name, const char *field, long v, long lo, long hi);

/* ---- layers (estimator/layers.c) ----------------------------------------------
 * Each appends one layer (recurrent: one per stacked layer) at the current
 * shape, moves the shape on, and returns 0, or -1 with the message set. */

/* A new layer at the current shape (for the few a family fills in itself),
 * then finished with dlp_mb_finish() once the shape has moved on. */
dlp_layer *dlp_mb_push(struct dlp_mb *b, enum dlp_op op, const char *name);
void dlp_mb_finish(struct dlp_mb *b, dlp_layer *l, int stores_output);

int dlp_mb_conv(struct dlp_mb *b, const char *name, long out, long k, long stride, long pad,
		   long groups, long dil, int bias);
int dlp_mb_dense(struct dlp_mb *b, const char *name, long out, int bias);
/* Elementwise: flops_per_elem of work, params_per_channel weights. */
int dlp_mb_eltwise(struct dlp_mb *b, enum dlp_op op, const char *name, double flops_per_elem,
		      double params_per_channel);
int dlp_mb_relu(struct dlp_mb *b, const char *name);
int dlp_mb_reshape(struct dlp_mb *b, const char *name, long c, long h, long w);
int dlp_mb_pool(struct dlp_mb *b, const char *name, long k, long stride, long pad);
int dlp_mb_adaptive_pool(struct dlp_mb *b, const char *name, long out);
int dlp_mb_attention(struct dlp_mb *b, const char *name, long heads);
int dlp_mb_recurrent(struct dlp_mb *b, enum dlp_op op, const char *name, long hidden, long nl);
int dlp_mb_embedding(struct dlp_mb *b, const char *name, long vocab, long dim);
int dlp_mb_loss(struct dlp_mb *b);

/* ---- families ----------------------------------------------------------------
 * A "builder" of data/models: the whole layer list from the description d. */
typedef int (*dlp_mb_family_fn)(struct dlp_mb *b, const json_t *d);

int dlp_mb_resnet(struct dlp_mb *b, const json_t *d);        /* builder_cnn.c */
int dlp_mb_mobilenetv2(struct dlp_mb *b, const json_t *d);
int dlp_mb_efficientnet_b0(struct dlp_mb *b, const json_t *d);
int dlp_mb_transformer(struct dlp_mb *b, const json_t *d);   /* builder_transformer.c */
int dlp_mb_llama(struct dlp_mb *b, const json_t *d);

#endif
