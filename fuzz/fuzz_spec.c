/* The command-line specs the library parses: --dataset, --classical,
 * --deadline/--retrain-every, --model (mlp: and zoo names with input and
 * class overrides), --precision, --optimizer, and the decimal readers under
 * them. The first byte picks the parser; the rest is the text. Properties:
 * what is accepted is finite, in range, and positive where it must be. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/decimal.h"
#include "estimator/estimator.h"
#include "fuzz/fuzz.h"

/* Specs on a command line are short: longer text only slows the search. */
#define MAX_SPEC 512

static void model_spec(const char *s)
{
	char spec[MAX_SPEC + 8];
	dlp_model *m;

	/* a '/' or ".json" would read a file: the model harness covers files */
	if (strchr(s, '/') || strstr(s, ".json"))
		return;
	snprintf(spec, sizeof spec, "mlp:%s", s);
	m = dlp_model_from_spec(spec, 0, 0, 0, 0);
	if (m) {
		FUZZ_ASSERT(m->n_layers >= 2 && isfinite(m->params) && m->params > 0);
		dlp_model_free(m);
	}
}

/* A zoo model with the input and classes a user may override. */
static void zoo_override(const uint8_t *d, size_t n)
{
	int32_t v[4] = {0, 0, 0, 0};
	const char *name;
	size_t k = 0;
	dlp_model *m;

	if (n < 17)
		return;
	while (dlp_model_zoo_name(k))
		k++;
	if (!k)
		return;
	memcpy(v, d + 1, sizeof v);
	name = dlp_model_zoo_name(d[0] % k);
	m = dlp_model_from_spec(name, v[0], v[1], v[2], v[3]);
	if (m) {
		FUZZ_ASSERT(m->in_c >= 1 && m->in_h >= 1 && m->in_w >= 1);
		FUZZ_ASSERT(isfinite(m->flops) && m->flops >= 0);
		dlp_model_free(m);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[MAX_SPEC + 1];
	size_t n;
	const char *end;
	double v;
	long long ll;
	dlp_dataset ds;
	dlp_classical cl;
	enum dlp_precision pr;
	enum dlp_optimizer op;

	if (size < 1 || size > MAX_SPEC)
		return 0;
	n = size - 1;
	memcpy(s, data + 1, n);
	s[n] = '\0';
	switch (data[0] % 8) {
	case 0:
		if (dlp_dataset_from_spec(s, &ds) == 0) {
			FUZZ_ASSERT(ds.samples >= 0 && isfinite(ds.samples) && ds.tokens >= 0 && isfinite(ds.tokens));
			FUZZ_ASSERT(ds.features >= 0 && ds.features <= 10000000);
		}
		break;
	case 1:
		if (dlp_classical_parse(s, &cl) == 0)
			FUZZ_ASSERT(cl.trees >= 0 && cl.depth >= 0 && cl.bins >= 0 && cl.iterations >= 0);
		break;
	case 2:
		v = dlp_duration_parse(s);
		FUZZ_ASSERT(v == -1 || (v > 0 && v <= 100 * 365.25 * 86400));
		break;
	case 3:
		model_spec(s);
		break;
	case 4:
		if (dlp_precision_parse(s, &pr) == 0)
			FUZZ_ASSERT((unsigned)pr <= DLP_PREC_MIXED);
		if (dlp_optimizer_parse(s, &op) == 0)
			FUZZ_ASSERT((unsigned)op <= DLP_OPT_ADAM);
		break;
	case 5:
		if (dlp_decimal_double(s, &end, &v) == 0) {
			FUZZ_ASSERT(isfinite(v) && end > s && end <= s + n);
			FUZZ_ASSERT(!memchr(s, 'x', (size_t)(end - s)) && !memchr(s, 'n', (size_t)(end - s)));
		}
		break;
	case 6:
		if (dlp_decimal_ll(s, &end, -1000, 1000000, &ll) == 0)
			FUZZ_ASSERT(ll >= -1000 && ll <= 1000000 && end > s);
		break;
	default:
		zoo_override(data + 1, n);
		break;
	}
	return 0;
}
