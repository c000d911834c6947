/* Model files (the data/models format): the JSON reader, the layer-list and
 * family builders, then the deep estimate of whatever was built on a CPU and
 * a GPU catalog instance. Properties: every built model has finite,
 * non-negative totals; every estimate's times are finite and ordered. */
#include <math.h>
#include <string.h>

#include "estimator/estimator.h"
#include "fuzz/fuzz.h"

static const char *const instances[] = {"c7i.2xlarge", "p4d.24xlarge"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t err;
	json_t *desc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
	dlp_model *m;
	size_t i;

	if (!desc)
		return 0;
	m = dlp_model_from_json(desc, 0, 0, 0, 0);
	json_decref(desc);
	if (!m)
		return 0;
	FUZZ_ASSERT(m->in_c >= 1 && m->in_h >= 1 && m->in_w >= 1);
	FUZZ_ASSERT(isfinite(m->params) && m->params >= 0);
	FUZZ_ASSERT(isfinite(m->flops) && m->flops >= 0);
	json_decref(dlp_model_summary_json(m));
	for (i = 0; i < sizeof instances / sizeof instances[0]; i++) {
		dlp_profile p;
		dlp_dataset ds;
		dlp_train t;
		json_t *e;

		if (dlp_profile_from_catalog(instances[i], &p) != 0)
			continue;
		memset(&ds, 0, sizeof ds);
		ds.samples = 50000;
		dlp_train_defaults(&t);
		e = dlp_estimate_deep(&p, m, &ds, &t);
		if (e) {
			fuzz_check_range(json_object_get(e, "train_s"));
			json_decref(e);
		}
		dlp_profile_free(&p);
	}
	dlp_model_free(m);
	return 0;
}
