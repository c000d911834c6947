/* The default run's first lines: the machine in one line and what it
 * measured in one line per device, so that the scenarios' tables fit on the
 * same screen (the full probe and bench tables come with -v). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dlprobe/bench.h"
#include "dlprobe/json.h"
#include "report/report.h"

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* CPUID leaf 0x40000000 vendor signatures, as their makers name them. */
static const struct {
	const char *signature, *name;
} hypervisors[] = {
	{ "KVMKVMKVM", "KVM" },
	{ "Microsoft Hv", "Hyper-V" },
	{ "VMwareVMware", "VMware" },
	{ "XenVMMXenVMM", "Xen" },
	{ "TCGTCGTCGTCG", "QEMU (TCG)" },
	{ "VBoxVBoxVBox", "VirtualBox" },
	{ "bhyve bhyve", "bhyve" },
	{ "ACRNACRNACRN", "ACRN" },
	{ "prl hyperv", "Parallels" },
	{ "QNXQVMBSQG", "QNX" },
	{ "Linux KVM Hv", "KVM (Hyper-V enlightenments)" },
};

const char *dlp_report_hypervisor(const char *signature)
{
	size_t i;

	if (!signature || !*signature)
		return "unknown hypervisor";
	for (i = 0; i < sizeof hypervisors / sizeof hypervisors[0]; i++)
		if (!strcmp(signature, hypervisors[i].signature))
			return hypervisors[i].name;
	return signature;
}

/* The figures a planner compares machines by, best of each over a device's
 * results of one dtype (NULL: any): a new one is a row here. The GEMM rows
 * name their dtype, since a bf16 GEMM above the fp32 peak is no anomaly and an
 * fp32 one is. */
static const struct pick {
	const char *label, *kernel, *impl, *dtype, *field, *unit;
} picks[] = {
	{ "fp32" DLP_REPORT_NBSP_S "peak", DLP_KERNEL_FMA_PEAK, "dlprobe", "fp32", "rate_gflops", "GFLOP/s" },
	{ "fp32" DLP_REPORT_NBSP_S "GEMM", DLP_KERNEL_GEMM, "dlprobe", "fp32", "rate_gflops", "GFLOP/s" },
	{ "fp32" DLP_REPORT_NBSP_S "system" DLP_REPORT_NBSP_S "BLAS", DLP_KERNEL_GEMM, "reference", "fp32", "rate_gflops", "GFLOP/s" },
	{ "bf16" DLP_REPORT_NBSP_S "GEMM", DLP_KERNEL_GEMM, "dlprobe", "bf16", "rate_gflops", "GFLOP/s" },
	{ "memory", DLP_KERNEL_STREAM_TRIAD, "dlprobe", NULL, "rate_gbps", "GB/s" },
	{ "device" DLP_REPORT_NBSP_S "copy", DLP_KERNEL_D2D, "dlprobe", NULL, "rate_gbps", "GB/s" },
};

static double best(const json_t *dev, const struct pick *p)
{
	const json_t *r;
	double b = NAN;
	size_t i;

	json_array_foreach(json_object_get(dev, "results"), i, r) {
		const char *impl = str(r, "impl");
		double v = dlp_json_num(r, p->field);

		if (strcmp(str(r, "status"), "ok") || strcmp(str(r, "kernel"), p->kernel))
			continue;
		/* the reference is anything that is not dlprobe's own kernel */
		if ((!strcmp(p->impl, "dlprobe")) != (!*impl || !strcmp(impl, "dlprobe")))
			continue;
		if (p->dtype && strcmp(str(r, "dtype"), p->dtype))
			continue;
		if (isfinite(v) && !(v <= b))
			b = v;
	}
	return b;
}

int dlp_report_summary_text(FILE *out, const json_t *doc, const struct dlp_style *st)
{
	const json_t *p = json_object_get(doc, "probe"), *cpu = json_object_get(p, "cpu"), *b, *d;
	const json_t *host = json_object_get(doc, "host");
	char mem[32];
	size_t i, j, k;

	if (json_is_object(p)) {
		dlp_report_bytes(json_is_integer(json_object_get(json_object_get(p, "memory"), "effective_bytes"))
					 ? (long long)json_integer_value(json_object_get(json_object_get(p, "memory"),
											 "effective_bytes"))
					 : -1, mem, sizeof mem);
		char line[512], *sp;
		size_t u;

		/* "23.5 GiB" is one figure: no line break inside it */
		while ((sp = strchr(mem, ' ')))
			*sp = DLP_REPORT_NBSP;
		double ncpu = dlp_json_num(json_object_get(p, "resources"), "effective_cpus");

		u = (size_t)snprintf(line, sizeof line, "%s: %s%s%s, ",
				     *str(host, "label") ? str(host, "label") : "this machine",
				     *str(cpu, "model_name") ? str(cpu, "model_name") : str(cpu, "model"),
				     *str(host, "instance_type") ? " on " : "", str(host, "instance_type"));
		/* an older or hand-made probe may lack the count: say so, not "nan" */
		if (isfinite(ncpu) && u < sizeof line)
			u += (size_t)snprintf(line + u, sizeof line - u, "%.0f CPUs usable, %s", ncpu, mem);
		else if (u < sizeof line)
			u += (size_t)snprintf(line + u, sizeof line - u, "CPUs usable unknown, %s", mem);
		if (json_is_true(json_object_get(cpu, "hypervisor")) && u < sizeof line)
			u += (size_t)snprintf(line + u, sizeof line - u, ", under %s",
					      dlp_report_hypervisor(str(cpu, "hypervisor_vendor")));
		if (u < sizeof line)
			snprintf(line + u, sizeof line - u, "; OpenCL %s, CUDA %s",
				 *str(json_object_get(p, "opencl"), "status") ? str(json_object_get(p, "opencl"), "status")
									       : "not probed",
				 *str(json_object_get(p, "cuda"), "status") ? str(json_object_get(p, "cuda"), "status")
									     : "not probed");
		dlp_report_wrap(out, line, 0, 2, 80);
	}
	json_array_foreach(json_object_get(json_object_get(doc, "bench"), "backends"), i, b)
		json_array_foreach(json_object_get(b, "devices"), j, d) {
			char line[512];
			size_t u;

			if (strcmp(str(d, "status"), "ok"))
				continue;
			u = (size_t)snprintf(line, sizeof line, "measured %s:", str(b, "backend"));
			for (k = 0; k < sizeof picks / sizeof picks[0] && u < sizeof line; k++) {
				double v = best(d, &picks[k]);
				if (isfinite(v))
					u += (size_t)snprintf(line + u, sizeof line - u, " %s" DLP_REPORT_NBSP_S "%.3g" DLP_REPORT_NBSP_S "%s;",
							      picks[k].label, v, picks[k].unit);
			}
			/* a busy machine's figures (a GEMM above the peak) would read as
			 * the hardware's without this; the estimates widen their ranges */
			if (json_is_false(json_object_get(d, "stable")) && u < sizeof line)
				u += (size_t)snprintf(line + u, sizeof line - u, " disturbed by other work (-v);");
			if (u < sizeof line && line[u - 1] == ';')
				line[u - 1] = '\0';
			dlp_report_wrap(out, line, 0, 2, 80);
		}
	return ferror(out) ? -1 : 0;
}
