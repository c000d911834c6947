/* A user catalog merged over the built-in one (estimator.h,
 * dlp_catalog_merge): spot or regional prices, one's own instances. Every
 * entry is checked against what the profile reader needs before anything is
 * merged, so a bad file changes nothing. */
#include <math.h>
#include <string.h>

#include "dlprobe/json.h"
#include "estimator/estimator.h"

#define MAX_USER_INSTANCES 10000

/* A finite number in [lo, hi] at o.key, or absent when optional. */
static int number_ok(const json_t *o, const char *key, double lo, double hi, int optional)
{
	const json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return optional;
	return json_is_number(v) && isfinite(json_number_value(v)) && json_number_value(v) >= lo &&
	       json_number_value(v) <= hi;
}

/* model is a key of the user's or the built-in models of that kind */
static int model_known(const json_t *user, const json_t *builtin, const char *kind, const char *model)
{
	return json_is_object(json_object_get(json_object_get(user, kind), model)) ||
	       json_is_object(json_object_get(json_object_get(builtin, kind), model));
}

static int check_models(const json_t *user, const char *label, const char *kind, const char *must)
{
	const char *key;
	const json_t *m, *models = json_object_get(user, kind);

	if (models && !json_is_object(models))
		return dlp_error_set("%s: \"%s\" must be an object", label, kind);
	json_object_foreach((json_t *)models, key, m) {
		if (!json_is_object(m))
			return dlp_error_set("%s: %s \"%s\" is not an object", label, kind, key);
		if (!json_is_object(json_object_get(m, must)) && !number_ok(m, must, 1e-9, 1e9, 0))
			return dlp_error_set("%s: %s \"%s\" needs \"%s\"", label, kind, key, must);
	}
	return 0;
}

static int check_instance(const json_t *user, const json_t *builtin, const char *label, size_t i,
			  const json_t *it)
{
	const char *name = json_string_value(json_object_get(it, "name"));
	const char *gpu = json_string_value(json_object_get(it, "gpu"));
	const char *cpu = json_string_value(json_object_get(it, "cpu"));

	if (!json_is_object(it) || !name || !*name || strlen(name) > 90)
		return dlp_error_set("%s: instance %zu needs a \"name\" (1-90 characters)", label, i);
	if (!cpu || !model_known(user, builtin, "cpu_models", cpu))
		return dlp_error_set("%s: instance %s: \"cpu\" must name a cpu_models entry", label, name);
	if (json_object_get(it, "gpu") && (!gpu || !model_known(user, builtin, "gpu_models", gpu)))
		return dlp_error_set("%s: instance %s: \"gpu\" must name a gpu_models entry", label, name);
	if (gpu && !number_ok(it, "gpus", 1, 1024, 0))
		return dlp_error_set("%s: instance %s: \"gpus\" must be 1 to 1024", label, name);
	if (!number_ok(it, "vcpus", 1, 1e5, 0) || !number_ok(it, "memory_gib", 0, 1e7, 1))
		return dlp_error_set("%s: instance %s: \"vcpus\" (1 to 1e5) or \"memory_gib\" out of range", label,
				     name);
	if (!number_ok(it, "price_usd_per_h", 0, 1e6, 1) || !number_ok(it, "network_gbps", 0, 1e7, 1))
		return dlp_error_set("%s: instance %s: \"price_usd_per_h\" or \"network_gbps\" out of range",
				     label, name);
	/* an instance's 0 reads as no price known: --price NAME=0 is the way to $0 */
	if (json_is_number(json_object_get(it, "price_usd_per_h")) &&
	    json_number_value(json_object_get(it, "price_usd_per_h")) == 0)
		return dlp_error_set("%s: instance %s: \"price_usd_per_h\" must be above 0 (leave it out for no "
				     "price; --price %s=0 prices it at $0)", label, name, name);
	return 0;
}

int dlp_catalog_merge(const json_t *user, const char *label)
{
	json_t *cat = dlp_catalog_writable(), *arr, *it;
	const json_t *ui = json_object_get(user, "instances");
	size_t i, k;

	if (!cat)
		return dlp_error_set("the instance catalog is not compiled in");
	if (!json_is_object(user))
		return dlp_error_set("%s: a catalog must be a JSON object", label);
	if (ui && (!json_is_array(ui) || json_array_size(ui) > MAX_USER_INSTANCES))
		return dlp_error_set("%s: \"instances\" must be a list of at most %d", label, MAX_USER_INSTANCES);
	if (check_models(user, label, "gpu_models", "peak_tflops") ||
	    check_models(user, label, "cpu_models", "ghz"))
		return -1;
	json_array_foreach(ui, i, it)
		if (check_instance(user, cat, label, i, it))
			return -1;
	/* everything checked: merge */
	if (json_is_object(json_object_get(user, "gpu_models")))
		json_object_update(json_object_get(cat, "gpu_models"), json_object_get(user, "gpu_models"));
	if (json_is_object(json_object_get(user, "cpu_models")))
		json_object_update(json_object_get(cat, "cpu_models"), json_object_get(user, "cpu_models"));
	arr = json_object_get(cat, "instances");
	json_array_foreach(ui, i, it) {
		const char *name = json_string_value(json_object_get(it, "name"));
		json_t *old;
		int replaced = 0;

		json_array_foreach(arr, k, old)
			if (strcmp(json_string_value(json_object_get(old, "name")), name) == 0) {
				json_array_set_new(arr, k, json_deep_copy(it));
				replaced = 1;
				break;
			}
		if (!replaced)
			json_array_append_new(arr, json_deep_copy(it));
	}
	return 0;
}
