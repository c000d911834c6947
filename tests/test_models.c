/* The model zoo against published parameter counts and multiply-accumulates.
 * Each figure's source is next to it; tolerance 1% as the issue asks. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "estimator/estimator.h"

static void near(double got, double want, double tol, const char *what)
{
	double rel = fabs(got - want) / want;

	if (rel > tol) {
		print_error("%s: got %.6g, published %.6g (%.2f%% off, tolerance %.2f%%)\n", what, got,
			    want, 100 * rel, 100 * tol);
		fail();
	}
}

static dlp_model *load(const char *spec, int c, int h, int w, int classes)
{
	dlp_model *m = dlp_model_from_spec(spec, c, h, w, classes);

	if (!m)
		print_error("%s: %s\n", spec, dlp_error_message());
	assert_non_null(m);
	return m;
}

/* torchvision ResNet50_Weights.IMAGENET1K_V1: 25,557,032 params, 4.09 GFLOPS
 * (torchvision counts multiply-adds); the issue: 25.56M, about 4.1 G MACs. */
static void test_resnet50(void **state)
{
	dlp_model *m = load("resnet50", 0, 0, 0, 0);

	assert_true(fabs(m->params - 25557032) < 0.5);
	near(m->macs, 4.09e9, 0.01, "resnet50 MACs");
	near(m->macs, 4.1e9, 0.01, "resnet50 MACs (issue)");
	dlp_model_free(m);
}

/* torchvision ResNet18/34/101/152 docs: 11,689,512 / 21,797,672 /
 * 44,549,160 / 60,192,808 params; 1.81 / 3.66 / 7.80 / 11.51 GFLOPS. */
static void test_resnet_family(void **state)
{
	static const struct { const char *n; double p, g; } t[] = {
		{"resnet18", 11689512, 1.81e9}, {"resnet34", 21797672, 3.66e9},
		{"resnet101", 44549160, 7.80e9}, {"resnet152", 60192808, 11.51e9},
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		dlp_model *m = load(t[i].n, 0, 0, 0, 0);
		near(m->params, t[i].p, 0.001, t[i].n);
		near(m->macs, t[i].g, 0.01, t[i].n);
		dlp_model_free(m);
	}
}

/* torchvision VGG16_Weights.IMAGENET1K_V1: 138,357,544 params, 15.47 GFLOPS;
 * issue: 138.4M and 15.5 G. */
static void test_vgg16(void **state)
{
	dlp_model *m = load("vgg16", 0, 0, 0, 0);

	near(m->params, 138357544, 0.0001, "vgg16 params");
	near(m->macs, 15.47e9, 0.01, "vgg16 MACs");
	near(m->macs, 15.5e9, 0.01, "vgg16 MACs (issue)");
	dlp_model_free(m);
}

/* torchvision MobileNet_V2_Weights.IMAGENET1K_V1: 3,504,872 params, 0.30
 * GFLOPS; Sandler et al. 2018 table 3: 300M multiply-adds. */
static void test_mobilenetv2(void **state)
{
	dlp_model *m = load("mobilenetv2", 0, 0, 0, 0);

	near(m->params, 3504872, 0.0001, "mobilenetv2 params");
	near(m->macs, 300e6, 0.01, "mobilenetv2 MACs");
	dlp_model_free(m);
}

/* torchvision ViT_B_16_Weights.IMAGENET1K_V1: 86,567,656 params, 17.56 GFLOPS;
 * Dosovitskiy et al. table 1: 86M. */
static void test_vit_b16(void **state)
{
	dlp_model *m = load("vit_b16", 0, 0, 0, 0);

	near(m->params, 86567656, 0.0001, "vit_b16 params");
	near(m->params, 86e6, 0.01, "vit_b16 params (paper)");
	near(m->macs, 17.56e9, 0.01, "vit_b16 MACs");
	dlp_model_free(m);
}

/* Devlin et al. 2018 sec. 3: BERT-base 110M, BERT-large 340M. The exact
 * Hugging Face counts (bert-base-uncased 109,482,240 with the pooler;
 * bert-large 335,141,888) show the paper rounds BERT-large by 1.4%, so the
 * large model is checked against the exact count. */
static void test_bert(void **state)
{
	dlp_model *m = load("bert_base", 0, 0, 0, 0);

	/* + 1,538 for the 2-class head the zoo entry adds */
	near(m->params, 110e6, 0.01, "bert_base params");
	near(m->params, 109482240 + 1538, 0.00001, "bert_base params (exact)");
	dlp_model_free(m);
	m = load("bert_large", 0, 0, 0, 0);
	near(m->params, 335141888 + 2050, 0.00001, "bert_large params (exact)");
	dlp_model_free(m);
}

/* Hugging Face GPT-2 model cards: 124M, 355M, 774M, 1.5B (1,557,611,200). */
static void test_gpt2(void **state)
{
	static const struct { const char *n; double p; } t[] = {
		{"gpt2", 124439808}, {"gpt2_medium", 354823168}, {"gpt2_large", 774030080},
		{"gpt2_xl", 1557611200},
	};
	size_t i;
	dlp_model *m;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		m = load(t[i].n, 0, 0, 0, 0);
		near(m->params, t[i].p, 0.0001, t[i].n);
		dlp_model_free(m);
	}
	m = load("gpt2", 0, 0, 0, 0);
	near(m->params, 124e6, 0.01, "gpt2 params (model card)");
	/* 6ND rule (Kaplan et al. 2020): forward ~ 2 x params FLOPs per token,
	 * plus attention; the tied LM head adds vocab x d per token */
	assert_true(m->flops / 1024 > 2 * m->params);
	dlp_model_free(m);
}

/* He et al. 2016 (Identity Mappings) table 2: ResNet-164 1.7M; Zagoruyko
 * and Komodakis 2016 table 4: WRN-28-10 36.5M; LeCun 1998: LeNet-5 ~60K;
 * Zaremba et al. 2014 medium LSTM: 650 units (~20M with a 10k vocabulary). */
static void test_small_and_cifar(void **state)
{
	dlp_model *m = load("resnet164", 0, 0, 0, 0);

	near(m->params, 1.7e6, 0.03, "resnet164 params (paper gives 2 digits)");
	dlp_model_free(m);
	m = load("wrn28_10", 0, 0, 0, 0);
	near(m->params, 36.5e6, 0.01, "wrn28_10 params");
	dlp_model_free(m);
	m = load("lenet5", 0, 0, 0, 0);
	assert_true(fabs(m->params - 61706) < 0.5);
	dlp_model_free(m);
	m = load("lstm_lm", 0, 0, 0, 0);
	near(m->params, 19.78e6, 0.01, "lstm_lm params");
	dlp_model_free(m);
	m = load("resnet9", 0, 0, 0, 0);
	assert_true(m->params > 6e6 && m->params < 7e6);
	dlp_model_free(m);
}

/* CIFAR ResNet-18 (3x3 stem at stride 1, no max-pool, 64-512 channels): the
 * network CIFAR benchmarks mean by "ResNet-18", about 0.56 G MACs at 32x32
 * (issue 10); 11,173,962 parameters counted from that layout (the ImageNet
 * layout's 11,689,512 less its 7x7 stem and 1000-class head, plus a 3x3 stem
 * and a 10-class head). The ImageNet layout at 32x32 does ~16x less work. */
static void test_resnet18_cifar(void **state)
{
	dlp_model *m = load("resnet18_cifar", 0, 0, 0, 0);
	dlp_model *im = load("resnet18", 3, 32, 32, 10);

	assert_true(fabs(m->params - 11173962) < 0.5);
	near(m->macs, 0.56e9, 0.01, "resnet18_cifar MACs");
	assert_true(im->macs < m->macs / 10);
	dlp_model_free(m);
	dlp_model_free(im);
}

/* He et al. 2015 table 6 (CIFAR, option A shortcuts: no weights):
 * ResNet-20/56/110 0.27M / 0.85M / 1.7M params (2 digits); the exact counts
 * of the sec. 4.2 layout are 269,722 / 853,018 / 1,727,962. */
static void test_cifar_resnets(void **state)
{
	static const struct { const char *n; double published, exact; } t[] = {
		{"resnet20_cifar", 0.27e6, 269722}, {"resnet56_cifar", 0.85e6, 853018},
		{"resnet110_cifar", 1.7e6, 1727962},
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		dlp_model *m = load(t[i].n, 0, 0, 0, 0);
		near(m->params, t[i].published, 0.02, t[i].n);
		assert_true(fabs(m->params - t[i].exact) < 0.5);
		dlp_model_free(m);
	}
}

/* EfficientNet-B0: torchvision EfficientNet_B0_Weights.IMAGENET1K_V1,
 * 5,288,548 params, 0.39 GFLOPS (multiply-adds; its metadata: 0.386); Tan
 * and Le 2019 table 2: 5.3M, 0.39B. */
static void test_efficientnet_b0(void **state)
{
	dlp_model *m = load("efficientnet_b0", 0, 0, 0, 0);

	assert_true(fabs(m->params - 5288548) < 0.5);
	near(m->macs, 0.386e9, 0.01, "efficientnet_b0 MACs");
	dlp_model_free(m);
}

/* Llama 2 7B and Llama 3 8B (Hugging Face config.json of each): 6,738,415,616
 * and 8,030,261,248 parameters. Forward MACs per token as Chowdhery et al.
 * 2022 (PaLM) appendix B count them for MFU (6N + 12 L H Q T training FLOPs
 * per token, a third of it forward, halved to MACs): the non-embedding
 * parameters plus 2 x n_layer x seq x d_model for the scores and the
 * weighted sum. */
static void test_llama(void **state)
{
	static const struct { const char *n; double params, vocab, seq; } t[] = {
		{"llama2_7b", 6738415616.0, 32000, 4096}, {"llama3_8b", 8030261248.0, 128256, 8192},
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		dlp_model *m = load(t[i].n, 0, 0, 0, 0);
		double per_token = t[i].params - t[i].vocab * 4096 + 2.0 * 32 * t[i].seq * 4096;

		near(m->params, t[i].params, 0.0001, t[i].n);
		near(m->macs / t[i].seq, per_token, 0.01, "llama MACs per token");
		dlp_model_free(m);
	}
}

static void test_input_and_classes(void **state)
{
	dlp_model *a = load("resnet50", 0, 0, 0, 0);
	dlp_model *b = load("resnet50", 3, 32, 32, 10);

	/* only the classifier changes with the class count */
	near(a->params - b->params, 2048.0 * 990 + 990, 0.0001, "resnet50 fc");
	/* MACs of convolutions scale with the spatial area (up to padding) */
	assert_true(b->macs < a->macs / 30);
	dlp_model_free(a);
	dlp_model_free(b);
	/* too small an input for a 7x7/2 stem and four halvings is an error */
	assert_null(dlp_model_from_spec("vgg16", 3, 8, 8, 0));
	/* text models: the sequence length is the input height */
	a = load("bert_base", 1, 512, 1, 0);
	b = load("bert_base", 0, 0, 0, 0);
	assert_true(a->macs > 4 * b->macs);
	assert_true(fabs(a->params - b->params) < 0.5);
	dlp_model_free(a);
	dlp_model_free(b);
	assert_null(dlp_model_from_spec("gpt2", 1, 2048, 1, 0)); /* > 1024 positions */
}

static void test_mlp_spec(void **state)
{
	dlp_model *m = load("mlp:30,64,64,2", 0, 0, 0, 0);

	assert_true(fabs(m->params - (30 * 64 + 64 + 64 * 64 + 64 + 64 * 2 + 2)) < 0.5);
	assert_true(fabs(m->macs - (30 * 64 + 64 * 64 + 64 * 2)) < 0.5);
	assert_int_equal(m->in_c, 30);
	dlp_model_free(m);
	assert_null(dlp_model_from_spec("mlp:", 0, 0, 0, 0));
	assert_null(dlp_model_from_spec("mlp:30", 0, 0, 0, 0));
	assert_null(dlp_model_from_spec("mlp:30,x,2", 0, 0, 0, 0));
	assert_null(dlp_model_from_spec("mlp:30,0,2", 0, 0, 0, 0));
	assert_null(dlp_model_from_spec("mlp:30,64,", 0, 0, 0, 0));
	assert_null(dlp_model_from_spec("mlp:-3,4", 0, 0, 0, 0));
	assert_null(dlp_model_from_spec("nosuchmodel", 0, 0, 0, 0));
	assert_non_null(strstr(dlp_error_message(), "unknown model"));
}

/* Implicit GEMM of a convolution: M = output positions x batch, N = output
 * channels / groups, K = input channels / groups x kh x kw. */
static void test_gemm_shapes(void **state)
{
	dlp_model *m = load("mobilenetv2", 0, 0, 0, 0);
	size_t i;
	int saw_dw = 0;

	assert_string_equal(m->layers[0].name, "stem");
	assert_true(m->layers[0].gm == 112.0 * 112 && m->layers[0].gn == 32 && m->layers[0].gk == 27);
	for (i = 0; i < m->n_layers; i++) {
		if (strstr(m->layers[i].name, ".dw") && m->layers[i].op == DLP_OP_CONV) {
			assert_true(m->layers[i].gn == 1 && m->layers[i].gk == 9);
			saw_dw = 1;
		}
	}
	assert_true(saw_dw);
	assert_false(m->layers[0].needs_input_grad);
	assert_true(m->layers[m->n_layers - 1].op == DLP_OP_LOSS);
	dlp_model_free(m);
}

static void test_user_json(void **state)
{
	json_error_t err;
	json_t *d = json_loads("{\"name\":\"tiny\",\"input\":[1,8,8],\"classes\":3,\"layers\":["
			       "{\"op\":\"conv\",\"out\":4,\"k\":3,\"pad\":1},{\"op\":\"relu\"},"
			       "{\"op\":\"residual\",\"body\":[{\"op\":\"conv\",\"out\":4,\"k\":3,\"pad\":1}]},"
			       "{\"op\":\"gap\"},{\"op\":\"flatten\"},{\"op\":\"dense\",\"out\":\"classes\"}]}",
			       0, &err);
	dlp_model *m = dlp_model_from_json(d, 0, 0, 0, 0);

	assert_non_null(m);
	assert_true(fabs(m->params - (36 + 144 + 4 * 3 + 3)) < 0.5);
	dlp_model_free(m);
	json_decref(d);
	d = json_loads("{\"name\":\"bad\",\"input\":[1,8,8],\"layers\":[{\"op\":\"residual\",\"body\":"
		       "[{\"op\":\"conv\",\"out\":5,\"k\":3,\"pad\":1}]}]}", 0, &err);
	assert_null(dlp_model_from_json(d, 0, 0, 0, 0));
	json_decref(d);
	d = json_loads("{\"name\":\"bad\",\"input\":[1,8,8],\"layers\":[{\"op\":\"warp\"}]}", 0, &err);
	assert_null(dlp_model_from_json(d, 0, 0, 0, 0));
	json_decref(d);
}

/* A model file is untrusted input: every hostile value is a one-line error
 * naming the field, never a crash (k or stride 0 divided by), an overflow
 * (huge dilation/pad), or a build that does not end (a repeat of 1e12). */
static void rejects(const char *layers, const char *want)
{
	char text[1024];
	json_error_t err;
	json_t *d;
	dlp_model *m;

	snprintf(text, sizeof text, "{\"name\":\"hostile\",\"input\":[1,8,8],\"classes\":3,\"layers\":%s}", layers);
	d = json_loads(text, 0, &err);
	assert_non_null(d);
	m = dlp_model_from_json(d, 0, 0, 0, 0);
	if (m || !strstr(dlp_error_message(), want))
		print_error("%s: got %s (\"%s\"), wanted an error with \"%s\"\n", layers, m ? "a model" : "an error",
			    m ? "" : dlp_error_message(), want);
	assert_null(m);
	assert_non_null(strstr(dlp_error_message(), want));
	assert_null(strchr(dlp_error_message(), '\n'));
	json_decref(d);
}

static void test_hostile_json(void **state)
{
	(void)state;
	rejects("[{\"op\":\"maxpool\",\"k\":0}]", "\"k\"");
	rejects("[{\"op\":\"maxpool\",\"k\":2,\"stride\":0}]", "\"stride\"");
	rejects("[{\"op\":\"avgpool\",\"k\":2,\"pad\":-4611686018427387904}]", "\"pad\"");
	rejects("[{\"op\":\"conv\",\"out\":4,\"k\":3,\"dilation\":4611686018427387904}]", "\"dilation\"");
	rejects("[{\"op\":\"conv\",\"out\":4,\"k\":3,\"pad\":4611686018427387904}]", "\"pad\"");
	rejects("[{\"op\":\"conv\",\"out\":4,\"k\":-9223372036854775807}]", "\"k\"");
	rejects("[{\"op\":\"conv\",\"out\":1000000000,\"k\":1}]", "\"out\"");
	rejects("[{\"op\":\"flatten\"},{\"op\":\"dense\",\"out\":1000000000}]", "\"out\"");
	rejects("[{\"op\":\"adaptive_avgpool\",\"out\":0}]", "\"out\"");
	rejects("[{\"op\":\"adaptive_avgpool\",\"out\":100000000}]", "\"out\"");
	rejects("[{\"op\":\"flatten\"},{\"op\":\"lstm\",\"hidden\":8,\"layers\":0}]", "\"layers\"");
	rejects("[{\"op\":\"flatten\"},{\"op\":\"gru\",\"hidden\":8,\"layers\":-3}]", "\"layers\"");
	rejects("[{\"op\":\"repeat\",\"times\":1000000000000,\"body\":[{\"op\":\"relu\"}]}]", "\"times\"");
	rejects("[{\"op\":\"repeat\",\"times\":20000,\"body\":[{\"op\":\"relu\"}]}]", "\"times\"");
	rejects("[{\"op\":\"repeat\",\"times\":10000,\"body\":[{\"op\":\"repeat\",\"times\":10000,\"body\":"
		"[{\"op\":\"relu\"}]}]}]", "more than 100000 layers");
	rejects("[{\"op\":\"repeat\",\"times\":10000,\"body\":[{\"op\":\"repeat\",\"times\":10000,\"body\":[]}]}]",
		"empty");
	rejects("[]", "\"layers\" is empty");
	/* the limits leave real models alone: 10000 repeats are allowed */
	{
		json_error_t err;
		json_t *d = json_loads("{\"name\":\"deep\",\"input\":[1,8,8],\"layers\":[{\"op\":\"repeat\","
				       "\"times\":10000,\"body\":[{\"op\":\"relu\"}]}]}", 0, &err);
		dlp_model *m = dlp_model_from_json(d, 0, 0, 0, 0);

		assert_non_null(m);
		assert_int_equal((int)m->n_layers, 10001); /* + the loss */
		dlp_model_free(m);
		json_decref(d);
	}
}

static void test_zoo_listing(void **state)
{
	size_t i;
	int n = 0;

	for (i = 0; dlp_model_zoo_name(i); i++) {
		dlp_model *m = load(dlp_model_zoo_name(i), 0, 0, 0, 0);
		assert_true(m->source[0] != '\0');
		dlp_model_free(m);
		n++;
	}
	assert_true(n >= 19);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resnet50),
		cmocka_unit_test(test_resnet_family),
		cmocka_unit_test(test_vgg16),
		cmocka_unit_test(test_mobilenetv2),
		cmocka_unit_test(test_vit_b16),
		cmocka_unit_test(test_bert),
		cmocka_unit_test(test_gpt2),
		cmocka_unit_test(test_small_and_cifar),
		cmocka_unit_test(test_resnet18_cifar),
		cmocka_unit_test(test_cifar_resnets),
		cmocka_unit_test(test_efficientnet_b0),
		cmocka_unit_test(test_llama),
		cmocka_unit_test(test_input_and_classes),
		cmocka_unit_test(test_mlp_spec),
		cmocka_unit_test(test_gemm_shapes),
		cmocka_unit_test(test_user_json),
		cmocka_unit_test(test_hostile_json),
		cmocka_unit_test(test_zoo_listing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
