#include <stdarg.h>
#include <string.h>

#include "dlprobe/dlprobe.h"
#include "report/report.h"

const char *dlp_report_bytes(long long b, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	int u = 0;

	if (b < 0) {
		snprintf(buf, len, "unknown");
		return buf;
	}
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0 || v == (long long)v)
		snprintf(buf, len, "%.0f %s", v, unit[u]);
	else
		snprintf(buf, len, "%.1f %s", v, unit[u]);
	return buf;
}

static const char *s_or(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : dflt;
}

static long long i_or(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

static void row(FILE *out, const struct dlp_style *st, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void row(FILE *out, const struct dlp_style *st, const char *key, const char *fmt, ...)
{
	va_list ap;

	fprintf(out, "  %s%-17s%s ", st->bold, key, st->reset);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

static void status_line(FILE *out, const struct dlp_style *st, const char *key, const json_t *o)
{
	const char *reason = s_or(o, "reason", NULL);

	row(out, st, key, "%s%s%s", s_or(o, "status", "?"), reason ? ": " : "", reason ? reason : "");
}

static void cpu_section(FILE *out, const json_t *p, const struct dlp_style *st)
{
	const json_t *cpu = json_object_get(p, "cpu"), *topo = json_object_get(p, "topology");
	const json_t *feat = json_object_get(cpu, "features"), *f, *c;
	const char *name;
	char list[512] = "", off[512] = "", b[32];
	json_t *mhz = json_object_get(cpu, "nominal_mhz");
	size_t i;

	fprintf(out, "%sCPU%s\n", st->bold, st->reset);
	row(out, st, "model", "%s (%s, family %lld model %lld stepping %lld)", s_or(cpu, "model_name", "unknown"),
	    s_or(cpu, "vendor", "unknown"), i_or(cpu, "family"), i_or(cpu, "model"), i_or(cpu, "stepping"));
	row(out, st, "topology", "%lld package(s), %lld core(s), %lld thread(s)%s", i_or(topo, "packages"),
	    i_or(topo, "cores"), i_or(topo, "threads"),
	    json_is_true(json_object_get(topo, "smt")) ? ", SMT" : ", no SMT");
	json_array_foreach(json_object_get(topo, "caches"), i, c) {
		char key[16];
		snprintf(key, sizeof key, "L%lld%s", i_or(c, "level"),
			 strcmp(s_or(c, "type", ""), "data") == 0 ? "d" : "");
		row(out, st, key, "%s x %lld, shared by %lld thread(s)",
		    dlp_report_bytes(i_or(c, "size_bytes"), b, sizeof b), i_or(c, "count"),
		    i_or(c, "shared_by_threads"));
	}
	json_object_foreach((json_t *)feat, name, f) {
		char *dst = json_is_true(json_object_get(f, "os")) ? list : off;
		if (!json_is_true(json_object_get(f, "cpu")))
			continue;
		if (*dst)
			strncat(dst, " ", 511 - strlen(dst));
		strncat(dst, name, 511 - strlen(dst));
	}
	row(out, st, "ISA usable", "%s", *list ? list : "none of the tracked extensions");
	if (*off)
		row(out, st, "ISA, OS off", "%s", off);
	status_line(out, st, "AMX", json_object_get(cpu, "amx_permission"));
	if (json_is_number(mhz))
		row(out, st, "nominal clock", "%.0f MHz (%s)", json_number_value(mhz), s_or(cpu, "nominal_mhz_source", "?"));
	else
		row(out, st, "nominal clock", "unknown");
	if (json_is_true(json_object_get(cpu, "hypervisor")))
		row(out, st, "hypervisor", "%s", dlp_report_hypervisor(s_or(cpu, "hypervisor_vendor", NULL)));
	else
		row(out, st, "hypervisor", "none detected");
}

static void resources_section(FILE *out, const json_t *p, const struct dlp_style *st)
{
	const json_t *r = json_object_get(p, "resources"), *cg = json_object_get(r, "cgroup");
	const json_t *m = json_object_get(p, "memory"), *src = json_object_get(m, "sources"), *n;
	json_t *q = json_object_get(cg, "cpu_quota_cpus");
	char b1[32], b2[32], b3[32], b4[32];
	size_t i;

	fprintf(out, "%sResources for this process%s\n", st->bold, st->reset);
	row(out, st, "CPUs usable", "%lld (limited by %s)", i_or(r, "effective_cpus"),
	    s_or(r, "effective_cpus_limited_by", "?"));
	if (json_is_number(q))
		row(out, st, "cgroup quota", "%.2f CPUs (cgroup v%lld)", json_number_value(q), i_or(cg, "version"));
	else
		row(out, st, "cgroup quota", "none%s", i_or(cg, "version") > 0 ? "" : " (no cgroup found)");
	row(out, st, "memory", "%s usable (from %s)", dlp_report_bytes(i_or(m, "effective_bytes"), b1, sizeof b1),
	    s_or(m, "effective_source", "no source"));
	row(out, st, "  sources", "/proc/meminfo %s total, %s available; hwloc %s; cgroup limit %s",
	    dlp_report_bytes(i_or(src, "meminfo_total_bytes"), b1, sizeof b1),
	    dlp_report_bytes(i_or(src, "meminfo_available_bytes"), b2, sizeof b2),
	    dlp_report_bytes(i_or(src, "hwloc_total_bytes"), b3, sizeof b3),
	    i_or(src, "cgroup_limit_bytes") < 0 ? "none" : dlp_report_bytes(i_or(src, "cgroup_limit_bytes"), b4, sizeof b4));
	json_array_foreach(json_object_get(m, "notes"), i, n)
		row(out, st, "  note", "%s", json_string_value(n));
	if (st->verbose) {
		json_t *aff = json_object_get(r, "affinity_cpus"), *cpu;
		char list[256] = "";

		json_array_foreach(aff, i, cpu) {
			char one[16];
			snprintf(one, sizeof one, "%s%lld", i ? "," : "", (long long)json_integer_value(cpu));
			strncat(list, one, sizeof list - strlen(list) - 1);
		}
		row(out, st, "  affinity", "%s", *list ? list : "unknown");
		row(out, st, "  cpuset", "%s", s_or(cg, "cpuset", "unknown"));
		row(out, st, "  CPU limit at", "%s", s_or(cg, "cpu_limit_path", "no limit found"));
		row(out, st, "  memory limit at", "%s", s_or(cg, "memory_limit_path", "no limit found"));
	}
}

static void gpu_section(FILE *out, const json_t *p, const struct dlp_style *st)
{
	const json_t *cl = json_object_get(p, "opencl"), *cu = json_object_get(p, "cuda"), *pl, *d;
	char b[32], b2[32];
	size_t i, j;

	fprintf(out, "%sAccelerators%s\n", st->bold, st->reset);
	status_line(out, st, "OpenCL", cl);
	json_array_foreach(json_object_get(cl, "platforms"), i, pl) {
		json_array_foreach(json_object_get(pl, "devices"), j, d) {
			row(out, st, "  device", "%s [%s, %s] %lld CU, %s, fp16 %s, fp64 %s", s_or(d, "name", "?"),
			    s_or(pl, "name", "?"), s_or(d, "type", "?"), i_or(d, "compute_units"),
			    dlp_report_bytes(i_or(d, "global_memory_bytes"), b, sizeof b),
			    json_is_true(json_object_get(d, "fp16")) ? "yes" : "no",
			    json_is_true(json_object_get(d, "fp64")) ? "yes" : "no");
			if (st->verbose) {
				row(out, st, "    version", "%s, driver %s, %s", s_or(d, "version", "?"),
				    s_or(d, "driver_version", "?"), s_or(d, "opencl_c_version", "?"));
				row(out, st, "    limits", "max allocation %s, local memory %s, work-group %lld",
				    dlp_report_bytes(i_or(d, "max_alloc_bytes"), b, sizeof b),
				    dlp_report_bytes(i_or(d, "local_memory_bytes"), b2, sizeof b2),
				    i_or(d, "max_work_group_size"));
			}
		}
	}
	status_line(out, st, "CUDA", cu);
	if (st->verbose && json_is_integer(json_object_get(cu, "driver_version")))
		row(out, st, "  driver", "%lld (%s)", i_or(cu, "driver_version"), s_or(cu, "library", "?"));
	json_array_foreach(json_object_get(cu, "devices"), i, d)
		row(out, st, "  device", "%s, cc %s, %lld SMs, %s, PCI %s", s_or(d, "name", "?"),
		    s_or(d, "compute_capability", "?"), i_or(d, "multiprocessors"),
		    dlp_report_bytes(i_or(d, "memory_bytes"), b, sizeof b), s_or(d, "pci_bus_id", "?"));
}

int dlp_report_probe_text(FILE *out, const json_t *doc, const struct dlp_style *st)
{
	const json_t *probe = json_object_get(doc, "probe");
	const json_t *os = json_object_get(probe, "os");

	fprintf(out, "%sSystem%s\n", st->bold, st->reset);
	row(out, st, "OS", "%s, %s %s (%s)", s_or(os, "distribution", "unknown distribution"),
	    s_or(os, "kernel", "?"), s_or(os, "kernel_release", "?"), s_or(os, "machine", "?"));
	row(out, st, "dlprobe", "%s, backends built in: %s", DLP_VERSION, dlp_build_backends());
	cpu_section(out, probe, st);
	resources_section(out, probe, st);
	gpu_section(out, probe, st);
	return ferror(out) ? -1 : 0;
}
