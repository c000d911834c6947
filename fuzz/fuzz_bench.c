/* Bench documents (docs/json.md): the schema check, the profile reader with
 * its plausibility limits, and a deep and a classical estimate on the
 * profile it gives. Properties: a profile's figures are finite and
 * non-negative; estimates' ranges are ordered. */
#include <math.h>
#include <string.h>

#include "estimator/estimator.h"
#include "fuzz/fuzz.h"

static dlp_model *model;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t err;
	json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err), *e;
	dlp_profile p;
	dlp_estimate est;
	dlp_verdict v;
	dlp_dataset ds;
	dlp_classical cl;
	dlp_train t;
	int d;

	if (!doc)
		return 0;
	if (!model)
		model = dlp_model_from_spec("mlp:30,64,2", 0, 0, 0, 0); /* kept for the process */
	if (dlp_profile_from_bench(doc, "fuzz.json", &p) != 0) {
		json_decref(doc);
		return 0;
	}
	json_decref(doc);
	FUZZ_ASSERT(p.devices >= 1 && p.cpus >= 1);
	FUZZ_ASSERT(isfinite(p.mem_bytes) && p.mem_bytes >= 0);
	for (d = 0; d < DLP_NDTYPE; d++)
		FUZZ_ASSERT(isfinite(p.peak_gflops[d]) && p.peak_gflops[d] >= 0);
	FUZZ_ASSERT(p.op_overhead_s >= 0 && p.op_overhead_s < 1);
	FUZZ_ASSERT(dlp_dataset_from_spec("tabular:100000x30", &ds) == 0);
	FUZZ_ASSERT(dlp_classical_parse("gbdt", &cl) == 0);
	dlp_train_defaults(&t);
	if (dlp_estimate_compute(&p, model, &cl, &ds, &t, &est) == 0) {
		e = dlp_estimate_json(&est);
		fuzz_check_range(json_object_get(json_object_get(e, "deep"), "train_s"));
		fuzz_check_range(json_object_get(json_object_get(e, "classical"), "train_s"));
		json_decref(e);
		if (dlp_verdict_compute(&est, 1, model, &cl, &ds, &t, &v) == 0) {
			json_decref(dlp_verdict_json(&v));
			dlp_verdict_free(&v);
		}
	}
	dlp_profile_free(&p);
	return 0;
}
