#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/decimal.h"
#include "dlprobe/dlprobe.h"
#include "dlprobe/json.h"
#include "probe/cgroup.h"
#include "probe/sysfile.h"

/* v1 writes PAGE_COUNTER_MAX * page size for "no limit": anything this large is none. */
#define NO_LIMIT_BYTES (1ll << 62)

/* The kernel takes cpu.max periods of 1 ms to 1 s and quotas up to about
 * 2^44 us; anything beyond these bounds is a damaged file, and bounding it
 * keeps quota / period finite. */
#define MAX_CPU_US (1LL << 50)

/* A whole line that is one decimal integer in [lo, hi] (a trailing newline
 * allowed). */
static int line_ll(const char *s, long long lo, long long hi, long long *v)
{
	const char *end;

	if (dlp_decimal_ll(s, &end, lo, hi, v) != 0)
		return -1;
	return *end == '\0' || (*end == '\n' && end[1] == '\0') ? 0 : -1;
}

int dlp_cgroup_parse_cpu_max(const char *s, double *cpus, long long *quota, long long *period)
{
	const char *end;
	long long q = -1, p;

	while (*s == ' ')
		s++;
	if (strncmp(s, "max", 3) == 0) {
		end = s + 3;
	} else if (dlp_decimal_ll(s, &end, 1, MAX_CPU_US, &q) != 0) {
		return -1;
	}
	p = 100000; /* the kernel's default period when only the quota is written */
	if (*end == ' ' && line_ll(end + 1, 1, MAX_CPU_US, &p) == 0)
		end = "";
	else if (*end == ' ')
		return -1;
	if (*end != '\0' && !(*end == '\n' && end[1] == '\0'))
		return -1;
	*quota = q;
	*period = p;
	*cpus = q < 0 ? -1.0 : (double)q / (double)p;
	return 0;
}

int dlp_cgroup_parse_memory(const char *s, long long *bytes)
{
	long long v;

	if (strncmp(s, "max", 3) == 0 && (s[3] == '\0' || (s[3] == '\n' && s[4] == '\0'))) {
		*bytes = -1;
		return 0;
	}
	/* a figure past a long long is no file the kernel writes */
	if (line_ll(s, 0, LLONG_MAX, &v) != 0)
		return -1;
	*bytes = v >= NO_LIMIT_BYTES ? -1 : v;
	return 0;
}

/* Where the hierarchy holding `controller` (NULL: the v2 unified one) is
 * mounted, and the cgroup root that mount shows (mountinfo fields 4 and 5). */
static int find_mount(const char *sysroot, const char *controller, char *root, size_t rlen,
		      char *mnt, size_t mlen)
{
	char *info = dlp_sysfile_read(sysroot, "/proc/self/mountinfo"), *line, *save = NULL;
	int found = -1;

	if (!info)
		return -1;
	for (line = strtok_r(info, "\n", &save); line && found; line = strtok_r(NULL, "\n", &save)) {
		char r[512], m[512], fstype[64], opts[512];
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %511s %511s", r, m) != 2)
			continue;
		if (sscanf(sep + 3, "%63s %*s %511s", fstype, opts) != 2)
			continue;
		if (controller) {
			char *tok, *s2 = NULL;
			int has = 0;

			if (strcmp(fstype, "cgroup") != 0)
				continue;
			for (tok = strtok_r(opts, ",", &s2); tok; tok = strtok_r(NULL, ",", &s2))
				if (strcmp(tok, controller) == 0)
					has = 1;
			if (!has)
				continue;
		} else if (strcmp(fstype, "cgroup2") != 0) {
			continue;
		}
		snprintf(root, rlen, "%s", r);
		snprintf(mnt, mlen, "%s", m);
		found = 0;
	}
	free(info);
	return found;
}

/* This process's cgroup path for `controller` (NULL: the v2 "0::" line). */
static int own_path(const char *sysroot, const char *controller, char *path, size_t len)
{
	char *cg = dlp_sysfile_read(sysroot, "/proc/self/cgroup"), *line, *save = NULL;
	int found = -1;

	if (!cg)
		return -1;
	for (line = strtok_r(cg, "\n", &save); line && found; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2)
			continue;
		*c1 = *c2 = '\0'; /* line: hierarchy id, c1 + 1: controllers */
		if (controller) {
			char *tok, *s2 = NULL;
			for (tok = strtok_r(c1 + 1, ",", &s2); tok; tok = strtok_r(NULL, ",", &s2))
				if (strcmp(tok, controller) == 0)
					break;
			if (!tok)
				continue;
		} else if (strcmp(line, "0") != 0 || c1 + 1 != c2) {
			continue;
		}
		snprintf(path, len, "%s", c2 + 1);
		found = 0;
	}
	free(cg);
	return found;
}

/* The directory of this process's cgroup under its mount point. A cgroup
 * namespace shows "/" for its own root, which the mount's root matches. */
static int cgroup_dir(const char *sysroot, const char *controller, char *dir, size_t len)
{
	char root[512], mnt[512], path[512];
	const char *rel;
	size_t rl;

	if (find_mount(sysroot, controller, root, sizeof root, mnt, sizeof mnt) != 0)
		return -1;
	if (own_path(sysroot, controller, path, sizeof path) != 0)
		return -1;
	rl = strlen(root);
	rel = path;
	if (strcmp(root, "/") != 0 && strncmp(path, root, rl) == 0)
		rel = path + rl;
	if (snprintf(dir, len, "%s%s", mnt, strcmp(rel, "/") == 0 ? "" : rel) >= (int)len)
		return -1;
	return 0;
}

/* Limits are inherited: walk from the process's cgroup up to the mount point
 * and keep the tightest value. `read` returns 0 and a value (< 0 = none). */
typedef int (*limit_reader)(const char *sysroot, const char *dir, double *v, void *extra);

static double walk_min(const char *sysroot, const char *dir, const char *top, limit_reader rd,
		       void *extra, char *where, size_t wlen)
{
	char d[512];
	double best = -1;

	snprintf(d, sizeof d, "%s", dir);
	for (;;) {
		double v;
		char *slash;

		if (rd(sysroot, d, &v, extra) == 0 && v >= 0 && (best < 0 || v < best)) {
			best = v;
			snprintf(where, wlen, "%s", d);
		}
		if (strlen(d) <= strlen(top))
			break;
		slash = strrchr(d, '/');
		if (!slash || slash == d)
			break;
		*slash = '\0';
	}
	return best;
}

struct cpu_extra { int v1; long long quota, period; };

static int read_cpu(const char *sysroot, const char *dir, double *v, void *extra)
{
	struct cpu_extra *x = extra;
	char p[600];
	char *s = NULL, *s2 = NULL;
	long long q, per;
	int ret = -1;

	if (x->v1) {
		snprintf(p, sizeof p, "%s/cpu.cfs_quota_us", dir);
		s = dlp_sysfile_line(sysroot, p);
		snprintf(p, sizeof p, "%s/cpu.cfs_period_us", dir);
		s2 = dlp_sysfile_line(sysroot, p);
		if (!s || !s2)
			goto out;
		/* cfs_quota_us is -1 for no limit */
		if (line_ll(s, -1, MAX_CPU_US, &q) != 0 || line_ll(s2, 1, MAX_CPU_US, &per) != 0)
			goto out;
		*v = q > 0 ? (double)q / (double)per : -1;
	} else {
		snprintf(p, sizeof p, "%s/cpu.max", dir);
		s = dlp_sysfile_line(sysroot, p);
		if (!s || dlp_cgroup_parse_cpu_max(s, v, &q, &per) != 0)
			goto out;
	}
	if (*v >= 0 && (x->quota < 0 || *v < (double)x->quota / (double)x->period)) {
		x->quota = q;
		x->period = per;
	}
	ret = 0;
out:
	free(s);
	free(s2);
	return ret;
}

static int read_mem(const char *sysroot, const char *dir, double *v, void *extra)
{
	const char *file = *(const char **)extra;
	char p[600];
	char *s;
	long long b;
	int ret = -1;

	snprintf(p, sizeof p, "%s/%s", dir, file);
	s = dlp_sysfile_line(sysroot, p);
	if (s && dlp_cgroup_parse_memory(s, &b) == 0) {
		*v = (double)b;
		ret = 0;
	}
	free(s);
	return ret;
}

/* memory.current / memory.usage_in_bytes: bytes, -1 when absent or damaged. */
static long long usage(const char *s)
{
	long long v;

	return s && line_ll(s, 0, LLONG_MAX, &v) == 0 ? v : -1;
}

/* In hybrid mode a cgroup2 mount exists but holds no cpu or memory
 * controller (here: hugetlb only): the limits then live in v1 hierarchies. */
static int v2_active(const char *sysroot)
{
	char root[512], mnt[512], p[600];
	char *s;
	int active;

	if (find_mount(sysroot, NULL, root, sizeof root, mnt, sizeof mnt) != 0)
		return 0;
	snprintf(p, sizeof p, "%s/cgroup.controllers", mnt);
	s = dlp_sysfile_line(sysroot, p);
	active = s && (strstr(s, "memory") || strstr(s, "cpu"));
	free(s);
	return active;
}

int dlp_cgroup_read(const char *sysroot, struct dlp_cgroup *cg)
{
	char dir[512], root[512], mnt[512], p[600];
	const char *memfile;
	struct cpu_extra cx = { 0, -1, 1 };
	double v;
	char *s;

	memset(cg, 0, sizeof *cg);
	cg->cpu_quota = -1;
	cg->quota_us = -1;
	cg->period_us = -1;
	cg->cpuset_count = -1;
	cg->memory_limit = -1;
	cg->memory_usage = -1;

	if (v2_active(sysroot) && cgroup_dir(sysroot, NULL, dir, sizeof dir) == 0) {
		cg->version = 2;
		find_mount(sysroot, NULL, root, sizeof root, mnt, sizeof mnt);
		cg->cpu_quota = walk_min(sysroot, dir, mnt, read_cpu, &cx, cg->cpu_path, sizeof cg->cpu_path);
		memfile = "memory.max";
		v = walk_min(sysroot, dir, mnt, read_mem, &memfile, cg->memory_path, sizeof cg->memory_path);
		cg->memory_limit = v < 0 ? -1 : (long long)v;
		snprintf(p, sizeof p, "%s/memory.current", dir);
		s = dlp_sysfile_line(sysroot, p);
		cg->memory_usage = usage(s);
		free(s);
		snprintf(p, sizeof p, "%s/cpuset.cpus.effective", dir);
		s = dlp_sysfile_line(sysroot, p);
	} else {
		if (cgroup_dir(sysroot, "cpu", dir, sizeof dir) == 0 &&
		    find_mount(sysroot, "cpu", root, sizeof root, mnt, sizeof mnt) == 0) {
			cg->version = 1;
			cx.v1 = 1;
			cg->cpu_quota = walk_min(sysroot, dir, mnt, read_cpu, &cx, cg->cpu_path,
						 sizeof cg->cpu_path);
		}
		if (cgroup_dir(sysroot, "memory", dir, sizeof dir) == 0 &&
		    find_mount(sysroot, "memory", root, sizeof root, mnt, sizeof mnt) == 0) {
			cg->version = 1;
			memfile = "memory.limit_in_bytes";
			v = walk_min(sysroot, dir, mnt, read_mem, &memfile, cg->memory_path,
				     sizeof cg->memory_path);
			cg->memory_limit = v < 0 ? -1 : (long long)v;
			snprintf(p, sizeof p, "%s/memory.usage_in_bytes", dir);
			s = dlp_sysfile_line(sysroot, p);
			cg->memory_usage = usage(s);
			free(s);
		}
		s = NULL;
		if (cgroup_dir(sysroot, "cpuset", dir, sizeof dir) == 0) {
			cg->version = 1;
			snprintf(p, sizeof p, "%s/cpuset.effective_cpus", dir);
			s = dlp_sysfile_line(sysroot, p);
			if (!s) {
				snprintf(p, sizeof p, "%s/cpuset.cpus", dir);
				s = dlp_sysfile_line(sysroot, p);
			}
		}
	}
	if (s && *s) {
		snprintf(cg->cpuset, sizeof cg->cpuset, "%s", s);
		cg->cpuset_count = dlp_cpulist_count(s);
	}
	free(s);
	if (cx.quota > 0) {
		cg->quota_us = cx.quota;
		cg->period_us = cx.period;
	}
	return 0;
}

json_t *dlp_cgroup_to_json(const struct dlp_cgroup *cg)
{
	json_t *o = json_object();

	json_object_set_new(o, "version", cg->version ? json_integer(cg->version) : json_null());
	json_object_set_new(o, "cpu_quota_cpus", cg->cpu_quota < 0 ? json_null() : json_real(cg->cpu_quota));
	json_object_set_new(o, "cpu_quota_us", dlp_json_count(cg->quota_us));
	json_object_set_new(o, "cpu_period_us", dlp_json_count(cg->period_us));
	json_object_set_new(o, "cpu_limit_path", dlp_json_str(cg->cpu_path));
	json_object_set_new(o, "cpuset", dlp_json_str(cg->cpuset));
	json_object_set_new(o, "cpuset_cpus", dlp_json_count(cg->cpuset_count));
	json_object_set_new(o, "memory_limit_bytes", dlp_json_count(cg->memory_limit));
	json_object_set_new(o, "memory_limit_path", dlp_json_str(cg->memory_path));
	json_object_set_new(o, "memory_usage_bytes", dlp_json_count(cg->memory_usage));
	return o;
}
