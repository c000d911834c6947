/* Training settings: defaults, and the names of precisions, optimizers and
 * durations as the command line spells them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/decimal.h"
#include "estimator/estimator.h"
#include "estimator/stack.h"

void dlp_train_defaults(dlp_train *t)
{
	memset(t, 0, sizeof *t);
	t->epochs = 1;
	t->batch = 0; /* chosen per model: see batch_default() */
	t->precision = DLP_PREC_FP32;
	t->optimizer = DLP_OPT_ADAM;
	t->price_override = -1;
	t->stack = DLP_STACK_EAGER;
	t->grad_accum = 1;
	t->nodes = 1;
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

/* A century: no training deadline or retraining cadence is longer, and a
 * bound keeps "1e306h" (infinite once in seconds) from meaning "none". */
#define MAX_DURATION_S (100 * 365.25 * 86400)

double dlp_duration_parse(const char *s)
{
	static const struct { const char *suffix; double s; } units[] = {
		{"", 1}, {"s", 1}, {"m", 60}, {"min", 60}, {"h", 3600}, {"d", 86400},
		{"w", 7 * 86400}, {"mo", 30.44 * 86400}, {"y", 365.25 * 86400},
	};
	const char *end;
	double v;
	size_t i;

	if (!s || dlp_decimal_double(s, &end, &v) != 0 || v <= 0)
		return dlp_error_set("\"%s\" is not a duration such as 90 (seconds), 30m, 2h, 1d, 1y", s ? s : "");
	for (i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(end, units[i].suffix) == 0)
			break;
	if (i == sizeof units / sizeof units[0])
		return dlp_error_set("\"%s\" is not a duration such as 90 (seconds), 30m, 2h, 1d, 1y", s);
	v *= units[i].s;
	if (!(v <= MAX_DURATION_S))
		return dlp_error_set("\"%s\" is out of range: at most 100 years", s);
	return v;
}

double dlp_train_price(const dlp_profile *p, const dlp_train *t)
{
	return t->price_override >= 0 ? t->price_override : p->price_per_h > 0 ? p->price_per_h : -1;
}
