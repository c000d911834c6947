/* The system BLAS as the reference dlprobe's GEMMs are compared with, and
 * the finding when it runs far below the hardware. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlprobe/json.h"
#include "kernels/cpu/bench_cpu.h"

double dlp_cpu_rate_of(const json_t *r)
{
	json_t *v = json_object_get(r, "rate_gflops");

	return json_is_number(v) ? json_number_value(v) : NAN;
}

int dlp_cpu_blas_threads(dlp_blas *b, int threads, json_t *res)
{
	char why[200];

	if (dlp_blas_set_threads(b, threads) == 0)
		return 0;
	snprintf(why, sizeof why, "%s: ran on the library's own thread count, not %d; "
		 "not compared with dlprobe's kernel", dlp_error_message(), threads);
	json_object_set_new(res, "threads", json_null());
	json_object_set_new(res, "note", json_string(why));
	return -1;
}

void dlp_cpu_vs_reference(json_t *own, json_t *ref)
{
	json_t *to = json_object_get(own, "threads"), *tr = json_object_get(ref, "threads");

	/* Unlike runs (a BLAS that ignored the thread count) compare nothing. */
	if (!json_is_integer(to) || !json_is_integer(tr) ||
	    json_integer_value(to) != json_integer_value(tr))
		return;
	if (!isfinite(dlp_cpu_rate_of(own)) || !isfinite(dlp_cpu_rate_of(ref)))
		return;
	json_object_set_new(own, "vs_reference", dlp_json_real(dlp_cpu_rate_of(own) / dlp_cpu_rate_of(ref)));
	json_object_set_new(ref, "vs_reference", dlp_json_real(dlp_cpu_rate_of(ref) / dlp_cpu_rate_of(own)));
}

/* ---- system BLAS --------------------------------------------------------- */

void dlp_cpu_blas_open(struct cpu *c)
{
	json_t *sb;

	c->blas = dlp_blas_open();
	if (!c->blas) {
		sb = json_object();
		dlp_json_set_status(sb, DLP_STATUS_UNAVAILABLE, dlp_error_message());
		json_object_set_new(c->dev, "system_blas", sb);
		return;
	}
	sb = dlp_blas_identity(c->blas);
	dlp_json_set_status(sb, DLP_STATUS_OK, NULL);
	json_object_set_new(c->dev, "system_blas", sb);
}

/* The OpenBLAS finding (issue 3): when the library runs far below the
 * hardware, say how far and the likely reason. */
void dlp_cpu_blas_finding(struct cpu *c)
{
	json_t *sb = json_object_get(c->dev, "system_blas"), *r;
	const char *core, *forced;
	double own = NAN, ref = NAN, ratio;
	char msg[400];
	size_t i;

	if (!c->blas || !sb)
		return;
	json_array_foreach(c->results, i, r) {
		const char *k = json_string_value(json_object_get(r, "kernel"));
		const char *impl = json_string_value(json_object_get(r, "impl"));

		if (!k || strcmp(k, "gemm") || json_integer_value(json_object_get(r, "n")) != 2048 ||
		    strcmp(json_string_value(json_object_get(r, "dtype")), "fp32"))
			continue;
		if (impl && !strcmp(impl, "dlprobe") && !isfinite(own))
			own = dlp_cpu_rate_of(r);
		/* threads null: the BLAS ran on a count of its own, unlike ours. */
		if (impl && !strcmp(impl, "blas") && !isfinite(ref) &&
		    json_is_integer(json_object_get(r, "threads")))
			ref = dlp_cpu_rate_of(r);
	}
	core = json_string_value(json_object_get(sb, "corename"));
	forced = json_string_value(json_object_get(json_object_get(sb, "env"), "OPENBLAS_CORETYPE"));
	ratio = ref / own;
	json_object_set_new(sb, "sgemm_2048_vs_dlprobe", dlp_json_real(ratio));
	if (!isfinite(ratio)) {
		json_object_set_new(sb, "finding", json_null());
		return;
	}
	if (ratio < 0.7) {
		snprintf(msg, sizeof msg,
			 "system BLAS sgemm runs at %.0f%% of dlprobe's own kernel at n=2048%s%s%s%s; "
			 "frameworks using it get the lower figure%s",
			 100 * ratio, core ? " (OpenBLAS core \"" : "", core ? core : "", core ? "\")" : "",
			 forced ? " with OPENBLAS_CORETYPE set in the environment" : "",
			 core && dlp_cpu_isa_ok(DLP_CPU_AVX512) && !strstr(core, "SkylakeX") &&
			 !strstr(core, "Cooperlake") && !strstr(core, "SapphireRapids")
			 ? "; its kernels for this core do not use AVX-512: OPENBLAS_CORETYPE=SkylakeX selects them"
			 : "");
	} else {
		snprintf(msg, sizeof msg, "system BLAS sgemm at n=2048 is %.2fx dlprobe's own kernel%s%s%s",
			 ratio, core ? " (OpenBLAS core \"" : "", core ? core : "", core ? "\")" : "");
	}
	json_object_set_new(sb, "finding", json_string(msg));
}

