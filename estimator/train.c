/* Training settings: defaults, and the names of precisions, optimizers and
 * durations as the command line spells them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimator/estimator.h"

void dlp_train_defaults(dlp_train *t)
{
	memset(t, 0, sizeof *t);
	t->epochs = 1;
	t->batch = 0; /* chosen per model: see batch_default() */
	t->precision = DLP_PREC_FP32;
	t->optimizer = DLP_OPT_ADAM;
	t->price_override = -1;
}

static const char *const precision_names[] = {
	[DLP_PREC_FP32] = "fp32", [DLP_PREC_TF32] = "tf32", [DLP_PREC_FP16] = "fp16",
	[DLP_PREC_BF16] = "bf16", [DLP_PREC_MIXED] = "mixed",
};
static const char *const optimizer_names[] = {
	[DLP_OPT_SGD] = "sgd", [DLP_OPT_MOMENTUM] = "momentum", [DLP_OPT_ADAM] = "adam",
};
#define NPRECISION (sizeof precision_names / sizeof precision_names[0])
#define NOPTIMIZER (sizeof optimizer_names / sizeof optimizer_names[0])

const char *dlp_precision_name(enum dlp_precision p)
{
	return (unsigned)p < NPRECISION ? precision_names[p] : "?";
}

const char *dlp_optimizer_name(enum dlp_optimizer o)
{
	return (unsigned)o < NOPTIMIZER ? optimizer_names[o] : "?";
}

int dlp_precision_parse(const char *s, enum dlp_precision *out)
{
	size_t i;

	for (i = 0; s && i < NPRECISION; i++)
		if (strcmp(s, precision_names[i]) == 0) {
			*out = (enum dlp_precision)i;
			return 0;
		}
	return dlp_error_set("unknown precision \"%s\" (fp32, tf32, bf16, fp16, mixed)", s ? s : "");
}

int dlp_optimizer_parse(const char *s, enum dlp_optimizer *out)
{
	size_t i;

	for (i = 0; s && i < NOPTIMIZER; i++)
		if (strcmp(s, optimizer_names[i]) == 0) {
			*out = (enum dlp_optimizer)i;
			return 0;
		}
	return dlp_error_set("unknown optimizer \"%s\" (sgd, momentum, adam)", s ? s : "");
}

double dlp_duration_parse(const char *s)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	v = strtod(s, &end);
	if (end == s || !isfinite(v) || v <= 0)
		return -1;
	if (!*end || strcmp(end, "s") == 0)
		return v;
	if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		return v * 60;
	if (strcmp(end, "h") == 0)
		return v * 3600;
	if (strcmp(end, "d") == 0)
		return v * 86400;
	if (strcmp(end, "w") == 0)
		return v * 7 * 86400;
	if (strcmp(end, "mo") == 0)
		return v * 30.44 * 86400;
	return -1;
}
