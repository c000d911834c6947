/* The transformer families of data/models: "builder": "transformer"
 * (BERT, GPT-2, ViT: pre-LayerNorm blocks, learned or patch embeddings)
 * and "builder": "llama" (RMSNorm, rotary positions, grouped key/value
 * heads, SwiGLU). */
#include <stdio.h>
#include <string.h>

#include "estimator/model_impl.h"

enum { PART_LEN = 80 };

/* "<blk>.<part>" in sub (PART_LEN bytes): the name of one layer of a block. */
static const char *part(char *sub, const char *blk, const char *what)
{
	dlp_mb_name(sub, PART_LEN, "%s.%s", blk, what);
	return sub;
}

/* The input side of a transformer: patch convolution, class token and
 * positions (ViT), or token, position and segment embeddings (BERT, GPT-2). */
static int transformer_embed(struct dlp_mb *b, const json_t *d, const char *embed, long dm)
{
	long seq;
	dlp_layer *l;

	if (strcmp(embed, "patch") == 0) {
		long patch = dlp_mb_jint(d, "patch", 16);
		if (dlp_mb_conv(b, "patch_embed", dm, patch, patch, 0, 1, 1, 1))
			return -1;
		seq = dlp_mb_shape_positions(&b->s) + 1; /* + class token */
		if (dlp_mb_reshape(b, "tokens", dm, seq, 1) ||
		    !(l = dlp_mb_push(b, DLP_OP_EMBED, "cls_pos_embed")))
			return -1;
		l->params = dm + (double)seq * dm;
		l->flops = (double)seq * dm;
		dlp_mb_finish(b, l, 1);
	} else if (strcmp(embed, "tokens") == 0) {
		long max_pos = dlp_mb_jint(d, "max_positions", 512), types = dlp_mb_jint(d, "type_vocab", 0);
		seq = dlp_mb_shape_positions(&b->s);
		if (seq > max_pos)
			return dlp_error_set("sequence length %ld exceeds the model's %ld positions", seq,
					     max_pos);
		if (dlp_mb_embedding(b, "token_embed", b->m->vocab, dm) ||
		    !(l = dlp_mb_push(b, DLP_OP_EMBED, "pos_embed")))
			return -1;
		l->params = (double)(max_pos + types) * dm;
		l->flops = (double)seq * dm * (types ? 2 : 1);
		dlp_mb_finish(b, l, 1);
		if (json_is_true(json_object_get(d, "embed_ln")) &&
		    dlp_mb_eltwise(b, DLP_OP_LN, "embed_ln", DLP_FLOPS(ln), 2))
			return -1;
	} else {
		return dlp_error_set("transformer embed \"%s\" is not patch or tokens", embed);
	}
	return 0;
}

/* One pre-LayerNorm block: attention and the feed-forward network, each
 * with its residual addition. */
static int transformer_block(struct dlp_mb *b, long i, long dm, long heads, long dff, int dropout)
{
	char nm[64], sub[PART_LEN];
	struct dlp_mb_shape x = b->s;

	dlp_mb_name(nm, sizeof nm, "block%ld", i);
	if (dlp_mb_eltwise(b, DLP_OP_LN, part(sub, nm, "ln1"), DLP_FLOPS(ln), 2) ||
	    dlp_mb_dense(b, part(sub, nm, "qkv"), 3 * dm, 1) ||
	    dlp_mb_reshape(b, "split_qkv", dm, b->s.h, 1) ||
	    dlp_mb_attention(b, part(sub, nm, "attn"), heads))
		return -1;
	/* dropout on the probabilities keeps a byte mask per score */
	if (dropout) {
		dlp_layer *a = &b->m->layers[b->m->n_layers - 1];
		a->attn_dropout = 1;
		a->act_elems += (double)heads * b->s.h * b->s.h / 2;
	}
	if (dlp_mb_dense(b, part(sub, nm, "proj"), dm, 1) ||
	    (dropout &&
	     dlp_mb_eltwise(b, DLP_OP_ACT, part(sub, nm, "proj_dropout"), DLP_FLOPS(activation), 0)))
		return -1;
	b->s = x;
	if (dlp_mb_eltwise(b, DLP_OP_ADD, part(sub, nm, "add1"), DLP_FLOPS(add), 0) ||
	    dlp_mb_eltwise(b, DLP_OP_LN, part(sub, nm, "ln2"), DLP_FLOPS(ln), 2) ||
	    dlp_mb_dense(b, part(sub, nm, "fc1"), dff, 1) ||
	    dlp_mb_eltwise(b, DLP_OP_ACT, "gelu", DLP_FLOPS(gelu), 0) ||
	    dlp_mb_dense(b, part(sub, nm, "fc2"), dm, 1) ||
	    (dropout &&
	     dlp_mb_eltwise(b, DLP_OP_ACT, part(sub, nm, "fc2_dropout"), DLP_FLOPS(activation), 0)))
		return -1;
	return dlp_mb_eltwise(b, DLP_OP_ADD, part(sub, nm, "add2"), DLP_FLOPS(add), 0);
}

/* The output side: an LM head tied to the token embedding, or a classifier
 * on the first token (behind a pooler for BERT). */
static int transformer_head(struct dlp_mb *b, const json_t *d, const char *head, long dm)
{
	dlp_layer *l;

	if (json_is_true(json_object_get(d, "final_ln")) &&
	    dlp_mb_eltwise(b, DLP_OP_LN, "final_ln", DLP_FLOPS(ln), 2))
		return -1;
	if (strcmp(head, "lm_tied") == 0) {
		/* the LM head reuses the token embedding: work but no new weights */
		if (!(l = dlp_mb_push(b, DLP_OP_DENSE, "lm_head(tied)")))
			return -1;
		l->macs = (double)dlp_mb_shape_positions(&b->s) * dm * b->m->vocab;
		l->flops = 2 * l->macs;
		l->gm = (double)dlp_mb_shape_positions(&b->s);
		l->gn = b->m->vocab;
		l->gk = (double)dm;
		l->gm_batched = 1;
		b->s.c = b->m->vocab;
		dlp_mb_finish(b, l, 1);
		return 0;
	}
	/* classification from the first token */
	if (dlp_mb_reshape(b, "first_token", dm, 1, 1))
		return -1;
	if (strcmp(head, "pooler") == 0 &&
	    (dlp_mb_dense(b, "pooler", dm, 1) ||
	     dlp_mb_eltwise(b, DLP_OP_ACT, "pooler.tanh", DLP_FLOPS(activation), 0)))
		return -1;
	return b->m->classes > 0 ? dlp_mb_dense(b, "classifier", b->m->classes, 1) : 0;
}

/* Transformer encoders/decoders: BERT (tokens + positions + segments,
 * embedding LayerNorm, pooler), GPT-2 (tokens + positions, final LayerNorm,
 * LM head tied to the token embedding), ViT (patch convolution, class token,
 * positions, final LayerNorm, classifier). */
int dlp_mb_transformer(struct dlp_mb *b, const json_t *d)
{
	const char *embed = json_string_value(json_object_get(d, "embed"));
	const char *head = json_string_value(json_object_get(d, "head"));
	long layers = dlp_mb_jint(d, "layers", 12), dm = dlp_mb_jint(d, "d_model", 768);
	long heads = dlp_mb_jint(d, "heads", 12), dff;
	long i;

	if (!embed || !head)
		return dlp_error_set("transformer builder needs \"embed\" and \"head\"");
	if (dlp_mb_in_range("transformer", "d_model", dm, 1, DLP_MAX_WIDTH) ||
	    dlp_mb_in_range("transformer", "layers", layers, 1, DLP_MAX_LAYERS) ||
	    dlp_mb_in_range("transformer", "max_positions", dlp_mb_jint(d, "max_positions", 512), 1,
			    DLP_MAX_WIDTH) ||
	    dlp_mb_in_range("transformer", "type_vocab", dlp_mb_jint(d, "type_vocab", 0), 0, DLP_MAX_WIDTH))
		return -1;
	dff = dlp_mb_jint(d, "d_ff", 4 * dm);
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

/* One Llama block over seq positions: kv_heads of kvd = d_model / heads x
 * kv_heads features each for k and v. */
static int llama_block(struct dlp_mb *b, long i, long dm, long heads, long kvd, long dff, long seq)
{
	char nm[64], sub[PART_LEN];
	struct dlp_mb_shape x;

	dlp_mb_name(nm, sizeof nm, "block%ld", i);
	if (dlp_mb_eltwise(b, DLP_OP_LN, part(sub, nm, "rmsnorm1"), DLP_FLOPS(ln), 1))
		return -1;
	/* q, k and v each project the normalised input */
	x = b->s;
	if (dlp_mb_dense(b, part(sub, nm, "q"), dm, 0))
		return -1;
	b->s = x;
	if (dlp_mb_dense(b, part(sub, nm, "k"), kvd, 0))
		return -1;
	b->s = x;
	if (dlp_mb_dense(b, part(sub, nm, "v"), kvd, 0))
		return -1;
	/* rotary: a rotation of q and k, elementwise */
	b->s.c = dm + kvd;
	if (dlp_mb_eltwise(b, DLP_OP_ACT, part(sub, nm, "rotary"), DLP_FLOPS(rotary), 0) ||
	    dlp_mb_reshape(b, "split_qkv", dm, seq, 1) || dlp_mb_attention(b, part(sub, nm, "attn"), heads) ||
	    dlp_mb_dense(b, part(sub, nm, "o"), dm, 0) ||
	    dlp_mb_eltwise(b, DLP_OP_ADD, part(sub, nm, "add1"), DLP_FLOPS(add), 0) ||
	    dlp_mb_eltwise(b, DLP_OP_LN, part(sub, nm, "rmsnorm2"), DLP_FLOPS(ln), 1))
		return -1;
	/* gate and up each project the normalised input */
	x = b->s;
	if (dlp_mb_dense(b, part(sub, nm, "gate"), dff, 0))
		return -1;
	b->s = x;
	if (dlp_mb_dense(b, part(sub, nm, "up"), dff, 0) ||
	    dlp_mb_eltwise(b, DLP_OP_ACT, part(sub, nm, "silu_mul"), DLP_FLOPS(swiglu), 0) ||
	    dlp_mb_dense(b, part(sub, nm, "down"), dm, 0))
		return -1;
	return dlp_mb_eltwise(b, DLP_OP_ADD, part(sub, nm, "add2"), DLP_FLOPS(add), 0);
}

/* Llama-style decoder (Touvron et al. 2023): RMSNorm before attention and
 * MLP, rotary position embedding on q and k (no position table), grouped
 * key/value heads (kv_heads < heads shrinks the k and v projections, not the
 * score work), SwiGLU MLP (gate and up projections, SiLU x up, down), final
 * RMSNorm and an untied LM head. */
int dlp_mb_llama(struct dlp_mb *b, const json_t *d)
{
	long layers = dlp_mb_jint(d, "layers", 32), dm = dlp_mb_jint(d, "d_model", 4096);
	long heads = dlp_mb_jint(d, "heads", 32), kv = dlp_mb_jint(d, "kv_heads", heads);
	long dff = dlp_mb_jint(d, "d_ff", 0), seq = dlp_mb_shape_positions(&b->s), i;
	long max_pos = dlp_mb_jint(d, "max_positions", 4096);

	if (dlp_mb_in_range("llama", "d_model", dm, 1, DLP_MAX_WIDTH) ||
	    dlp_mb_in_range("llama", "layers", layers, 1, DLP_MAX_LAYERS) ||
	    dlp_mb_in_range("llama", "heads", heads, 1, DLP_MAX_WIDTH) ||
	    dlp_mb_in_range("llama", "kv_heads", kv, 1, heads) ||
	    dlp_mb_in_range("llama", "d_ff", dff, 1, DLP_MAX_WIDTH) ||
	    dlp_mb_in_range("llama", "max_positions", max_pos, 1, DLP_MAX_WIDTH))
		return -1;
	if (dm % heads || heads % kv)
		return dlp_error_set("llama: d_model %ld, heads %ld and kv_heads %ld do not divide", dm, heads,
				     kv);
	if (seq > max_pos)
		return dlp_error_set("sequence length %ld exceeds the model's %ld positions", seq, max_pos);
	if (dlp_mb_embedding(b, "token_embed", b->m->vocab, dm))
		return -1;
	for (i = 0; i < layers; i++)
		if (llama_block(b, i, dm, heads, dm / heads * kv, dff, seq))
			return -1;
	if (dlp_mb_eltwise(b, DLP_OP_LN, "final_rmsnorm", DLP_FLOPS(ln), 1))
		return -1;
	return dlp_mb_dense(b, "lm_head", b->m->vocab, 0);
}
