/* The convolutional families of data/models ("builder": "resnet",
 * "mobilenetv2", "efficientnet_b0"), whose layer lists are long but
 * regular, in the layout torchvision builds them. */
#include <stdio.h>
#include <string.h>

#include "estimator/model_impl.h"

enum act { ACT_NONE, ACT_RELU, ACT_SILU };

/* Batch normalisation named NAME.bn, then the activation (NAME.relu,
 * NAME.silu). */
static int bn_act(struct dlp_mb *b, const char *name, enum act act)
{
	char nm[80];

	dlp_mb_name(nm, sizeof nm, "%s.bn", name);
	if (dlp_mb_eltwise(b, DLP_OP_BN, nm, DLP_FLOPS(bn), 2))
		return -1;
	if (act == ACT_RELU) {
		dlp_mb_name(nm, sizeof nm, "%s.relu", name);
		return dlp_mb_relu(b, nm);
	}
	if (act == ACT_SILU) {
		dlp_mb_name(nm, sizeof nm, "%s.silu", name);
		return dlp_mb_eltwise(b, DLP_OP_ACT, nm, DLP_FLOPS(silu), 0);
	}
	return 0;
}

/* A same-padded convolution without bias, its batch normalisation and
 * activation: the unit every family here is made of. */
static int conv_bn_act(struct dlp_mb *b, const char *name, long out, long k, long stride, long groups,
		       enum act act)
{
	if (dlp_mb_conv(b, name, out, k, stride, k / 2, groups, 1, 0))
		return -1;
	return bn_act(b, name, act);
}

/* ---- ResNet -------------------------------------------------------------------- */

/* One convolution of a residual block, ReLU after it when act. A
 * pre-activation block normalises before each convolution instead: its
 * convolution is followed by the next one's BN and ReLU, and the last one
 * by nothing (the addition comes next). */
static int res_conv(struct dlp_mb *b, const char *name, int preact, long out, long k, long stride, int act)
{
	if (!preact)
		return conv_bn_act(b, name, out, k, stride, 1, act ? ACT_RELU : ACT_NONE);
	if (dlp_mb_conv(b, name, out, k, stride, k / 2, 1, 1, 0))
		return -1;
	return act ? bn_act(b, name, ACT_RELU) : 0;
}

/* conv1, conv2 (and conv3) of a block: out channels, k x k, stride, ReLU after. */
struct res_conv_spec {
	long out, k, stride;
	int act;
};

/* One residual block. Post-activation (He et al. 2015, torchvision layout,
 * stride on the 3x3 conv) or pre-activation (He et al. 2016, WRN). */
static int res_block(struct dlp_mb *b, const char *name, int bottleneck, int preact, long width,
		     long out, long stride, int pad_shortcut)
{
	const struct res_conv_spec basic[] = { { out, 3, stride, 1 }, { out, 3, 1, 0 } },
		bneck[] = { { width, 1, 1, 1 }, { width, 3, stride, 1 }, { out, 1, 1, 0 } };
	size_t i, n = bottleneck ? 3 : 2;
	struct dlp_mb_shape in = b->s, body;
	char nm[64];
	/* He et al. 2015 option A (sec. 4.2, the CIFAR ResNets): the shortcut
	 * subsamples and zero-pads channels, no weights; the add reads it */
	int need_proj = (stride != 1 || in.c != out) && !pad_shortcut;

	if (preact && bn_act(b, name, ACT_RELU))
		return -1;
	for (i = 0; i < n; i++) {
		const struct res_conv_spec *c = bottleneck ? &bneck[i] : &basic[i];

		dlp_mb_name(nm, sizeof nm, "%s.conv%zu", name, i + 1);
		if (res_conv(b, nm, preact, c->out, c->k, c->stride, c->act))
			return -1;
	}
	body = b->s;
	if (need_proj) {
		b->s = in;
		dlp_mb_name(nm, sizeof nm, "%s.downsample", name);
		if (res_conv(b, nm, preact, out, 1, stride, 0))
			return -1;
	}
	b->s = body;
	dlp_mb_name(nm, sizeof nm, "%s.add", name);
	if (dlp_mb_eltwise(b, DLP_OP_ADD, nm, DLP_FLOPS(add), 0))
		return -1;
	if (!preact) {
		dlp_mb_name(nm, sizeof nm, "%s.relu", name);
		return dlp_mb_relu(b, nm);
	}
	return 0;
}

int dlp_mb_resnet(struct dlp_mb *b, const json_t *d)
{
	const char *block = json_string_value(json_object_get(d, "block"));
	const char *stem = json_string_value(json_object_get(d, "stem"));
	const json_t *stages = json_object_get(d, "stages");
	int bottleneck = block && strcmp(block, "bottleneck") == 0;
	int preact = json_is_true(json_object_get(d, "preact"));
	int cifar = stem && strcmp(stem, "cifar") == 0;
	const char *shortcut = json_string_value(json_object_get(d, "shortcut"));
	int pad = shortcut && strcmp(shortcut, "pad") == 0;
	long base = dlp_mb_jint(d, "base_width", cifar ? 16 : 64);
	long widen = dlp_mb_jint(d, "widen", 1);
	long expansion = bottleneck ? 4 : 1;
	size_t si;
	const json_t *nb;

	if (!json_is_array(stages) || json_array_size(stages) == 0)
		return dlp_error_set("resnet builder needs \"stages\": [blocks per stage, ...]");
	if (shortcut && !pad && strcmp(shortcut, "projection") != 0)
		return dlp_error_set("resnet builder: \"shortcut\" \"%s\" is not projection or pad", shortcut);
	if (json_array_size(stages) > 16 || dlp_mb_in_range("resnet", "base_width", base, 1, DLP_MAX_WIDTH) ||
	    dlp_mb_in_range("resnet", "widen", widen, 1, DLP_MAX_WIDTH) || base * widen > DLP_MAX_WIDTH)
		return dlp_error_set("resnet builder: stages, base_width or widen out of range (at most 16 "
				     "stages, base_width x widen at most %ld)", DLP_MAX_WIDTH);
	if (cifar) {
		if (dlp_mb_conv(b, "stem.conv", base, 3, 1, 1, 1, 1, 0))
			return -1;
		if (!preact && bn_act(b, "stem", ACT_RELU))
			return -1;
	} else {
		if (conv_bn_act(b, "stem.conv", base, 7, 2, 1, ACT_RELU) ||
		    dlp_mb_pool(b, "stem.maxpool", 3, 2, 1))
			return -1;
	}
	json_array_foreach(stages, si, nb) {
		long j, width = base * widen << si;
		for (j = 0; j < (long)json_integer_value(nb); j++) {
			char nm[64];
			long stride = (j == 0 && si > 0) ? 2 : 1;
			dlp_mb_name(nm, sizeof nm, "layer%zu.%ld", si + 1, j);
			if (res_block(b, nm, bottleneck, preact, width, width * expansion, stride, pad))
				return -1;
		}
	}
	if (preact && bn_act(b, "final", ACT_RELU))
		return -1;
	if (dlp_mb_adaptive_pool(b, "avgpool", 1) || dlp_mb_reshape(b, "flatten", b->s.c, 1, 1))
		return -1;
	return dlp_mb_dense(b, "fc", b->m->classes, 1);
}

/* ---- inverted residual networks (MobileNetV2, EfficientNet) --------------------- */

/* repeats blocks of an expansion to expand x the input channels, a k x k
 * depthwise convolution (stride on the first block), and a projection to
 * out channels. */
struct mbconv_stage {
	long expand, k, stride, out, repeats;
};

struct mbconv_net {
	const struct mbconv_stage *stages;
	size_t n_stages;
	enum act act;   /* after every convolution but the projection */
	int se;         /* squeeze-and-excitation after the depthwise one */
};

/* MobileNetV2 (Sandler et al. 2018, table 2): ReLU6 (counted as ReLU). */
static const struct mbconv_stage mobilenetv2_stages[] = {
	{ 1, 3, 1, 16, 1 }, { 6, 3, 2, 24, 2 }, { 6, 3, 2, 32, 3 }, { 6, 3, 2, 64, 4 },
	{ 6, 3, 1, 96, 3 }, { 6, 3, 2, 160, 3 }, { 6, 3, 1, 320, 1 },
};

/* EfficientNet-B0 (Tan and Le 2019, table 1): SiLU, squeeze-and-excitation
 * (reduction to a quarter of the block's input channels), torchvision layout. */
static const struct mbconv_stage efficientnet_b0_stages[] = {
	{ 1, 3, 1, 16, 1 }, { 6, 3, 2, 24, 2 }, { 6, 5, 2, 40, 2 }, { 6, 3, 2, 80, 3 },
	{ 6, 5, 1, 112, 3 }, { 6, 5, 2, 192, 4 }, { 6, 3, 1, 320, 1 },
};

static int se_block(struct dlp_mb *b, const char *name, long squeeze)
{
	struct dlp_mb_shape x = b->s;
	char nm[80];

	dlp_mb_name(nm, sizeof nm, "%s.se.pool", name);
	if (dlp_mb_adaptive_pool(b, nm, 1))
		return -1;
	dlp_mb_name(nm, sizeof nm, "%s.se.reduce", name);
	if (dlp_mb_conv(b, nm, squeeze, 1, 1, 0, 1, 1, 1) ||
	    dlp_mb_eltwise(b, DLP_OP_ACT, "se.silu", DLP_FLOPS(silu), 0))
		return -1;
	dlp_mb_name(nm, sizeof nm, "%s.se.expand", name);
	if (dlp_mb_conv(b, nm, x.c, 1, 1, 0, 1, 1, 1) ||
	    dlp_mb_eltwise(b, DLP_OP_ACT, "se.sigmoid", DLP_FLOPS(sigmoid_gate), 0))
		return -1;
	b->s = x;
	dlp_mb_name(nm, sizeof nm, "%s.se.scale", name);
	return dlp_mb_eltwise(b, DLP_OP_ADD, nm, DLP_FLOPS(add), 0);
}

/* One block, named "block<blk>"; the residual addition where the shape
 * allows it. */
static int mbconv_block(struct dlp_mb *b, const struct mbconv_net *net, const struct mbconv_stage *st,
			long blk, long stride)
{
	struct dlp_mb_shape in = b->s;
	long hidden = in.c * st->expand;
	char nm[64], sub[80];

	dlp_mb_name(nm, sizeof nm, "block%ld", blk);
	if (st->expand != 1) {
		dlp_mb_name(sub, sizeof sub, "%s.expand", nm);
		if (conv_bn_act(b, sub, hidden, 1, 1, 1, net->act))
			return -1;
	}
	dlp_mb_name(sub, sizeof sub, "%s.dw", nm);
	if (conv_bn_act(b, sub, hidden, st->k, stride, hidden, net->act))
		return -1;
	if (net->se && se_block(b, nm, in.c / 4 > 1 ? in.c / 4 : 1))
		return -1;
	dlp_mb_name(sub, sizeof sub, "%s.project", nm);
	if (conv_bn_act(b, sub, st->out, 1, 1, 1, ACT_NONE))
		return -1;
	if (stride == 1 && in.c == st->out) {
		dlp_mb_name(sub, sizeof sub, "%s.add", nm);
		if (dlp_mb_eltwise(b, DLP_OP_ADD, sub, DLP_FLOPS(add), 0))
			return -1;
	}
	return 0;
}

/* Stem, the stages, a 1x1 head to 1280 channels, pooling and the classifier. */
static int mbconv_build(struct dlp_mb *b, const struct mbconv_net *net)
{
	size_t i;
	long j, blk = 0;

	if (conv_bn_act(b, "stem", 32, 3, 2, 1, net->act))
		return -1;
	for (i = 0; i < net->n_stages; i++) {
		const struct mbconv_stage *st = &net->stages[i];

		for (j = 0; j < st->repeats; j++, blk++)
			if (mbconv_block(b, net, st, blk, j == 0 ? st->stride : 1))
				return -1;
	}
	if (conv_bn_act(b, "head", 1280, 1, 1, 1, net->act) || dlp_mb_adaptive_pool(b, "avgpool", 1) ||
	    dlp_mb_reshape(b, "flatten", 1280, 1, 1) || dlp_mb_reshape(b, "dropout", 1280, 1, 1))
		return -1;
	return dlp_mb_dense(b, "classifier", b->m->classes, 1);
}

int dlp_mb_mobilenetv2(struct dlp_mb *b, const json_t *d)
{
	static const struct mbconv_net net = {
		mobilenetv2_stages, sizeof mobilenetv2_stages / sizeof mobilenetv2_stages[0], ACT_RELU, 0,
	};

	(void)d;
	return mbconv_build(b, &net);
}

int dlp_mb_efficientnet_b0(struct dlp_mb *b, const json_t *d)
{
	static const struct mbconv_net net = {
		efficientnet_b0_stages, sizeof efficientnet_b0_stages / sizeof efficientnet_b0_stages[0],
		ACT_SILU, 1,
	};

	(void)d;
	return mbconv_build(b, &net);
}
