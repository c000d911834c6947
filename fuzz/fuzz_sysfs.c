/* The probe's /proc and cgroup readers on a file tree the input describes:
 * records "@@ relative/path\n" followed by the file's bytes, written under a
 * private sysroot (tests/fixtures/cgroup trees are the seeds), then the
 * cgroup v1/v2 walk, /proc/meminfo and the direct parsers on every record.
 * Properties: counts and sizes come back in range or as "unknown". */
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz/fuzz.h"
#include "probe/cgroup.h"
#include "probe/memory.h"
#include "probe/sysfile.h"

#define MAX_RECORDS 32
#define MAX_PATH_LEN 200
#define RECORD_MARK "@@ "

static char root[64];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(p);
	return 0;
}

/* A path that stays inside the root: letters, digits, . _ - , / and no "..". */
static int safe_path(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > MAX_PATH_LEN || p[0] == '/')
		return 0;
	for (i = 0; i < n; i++) {
		char c = p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '_' || c == '-' || c == '/' || c == ','))
			return 0;
		if (c == '.' && i + 1 < n && p[i + 1] == '.')
			return 0;
	}
	return 1;
}

static void remove_root(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void mkdirs(char *path)
{
	char *s;

	for (s = strchr(path + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
}

static void parse_direct(const char *text)
{
	double cpus;
	long long q, per, b;
	int n = dlp_cpulist_count(text);

	FUZZ_ASSERT(n >= -1 && n <= (1 << 22) + 1);
	if (dlp_cgroup_parse_cpu_max(text, &cpus, &q, &per) == 0)
		FUZZ_ASSERT(per > 0 && (q < 0 ? cpus < 0 : (isfinite(cpus) && cpus > 0)));
	if (dlp_cgroup_parse_memory(text, &b) == 0)
		FUZZ_ASSERT(b >= -1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *endp = p + size;
	struct dlp_cgroup cg;
	struct dlp_memory m;
	int records = 0;

	if (!root[0]) {
		/* tmpfs when there is one: the tree is rewritten for every input */
		snprintf(root, sizeof root, "%s/dlprobe-fuzz-sysfs-%ld", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp",
			 (long)getpid());
		mkdir(root, 0755);
		atexit(remove_root);
	}
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	mkdir(root, 0755);
	/* records: "@@ path\n" then content up to the next "\n@@ " */
	while (p < endp && records < MAX_RECORDS) {
		const char *nl, *next, *c;
		char path[sizeof root + MAX_PATH_LEN + 2], *text;
		size_t len;
		FILE *f;

		if ((size_t)(endp - p) < 4 || memcmp(p, RECORD_MARK, 3) != 0)
			break;
		p += 3;
		nl = memchr(p, '\n', (size_t)(endp - p));
		if (!nl)
			break;
		c = nl + 1;
		next = c;
		while (next < endp && !(next + 4 <= endp && memcmp(next, "\n" RECORD_MARK, 4) == 0))
			next++;
		len = (size_t)(next - c);
		if (safe_path(p, (size_t)(nl - p))) {
			snprintf(path, sizeof path, "%s/%.*s", root, (int)(nl - p), p);
			mkdirs(path);
			if ((f = fopen(path, "wb"))) {
				fwrite(c, 1, len, f);
				fclose(f);
			}
		}
		if ((text = malloc(len + 1))) {
			memcpy(text, c, len);
			text[len] = '\0';
			parse_direct(text);
			free(text);
		}
		records++;
		p = next < endp ? next + 1 : endp;
	}
	FUZZ_ASSERT(dlp_cgroup_read(root, &cg) == 0);
	FUZZ_ASSERT(cg.cpuset_count >= -1 && cg.memory_limit >= -1 && cg.memory_usage >= -1);
	FUZZ_ASSERT(cg.cpu_quota < 0 || isfinite(cg.cpu_quota));
	json_decref(dlp_cgroup_to_json(&cg));
	memset(&m, 0, sizeof m);
	m.hwloc_total = -1;
	dlp_memory_read_meminfo(root, &m);
	FUZZ_ASSERT(m.meminfo_total >= -1 && m.meminfo_available >= -1);
	m.cgroup_limit = cg.memory_limit;
	m.cgroup_usage = cg.memory_usage;
	dlp_memory_combine(&m);
	json_decref(dlp_memory_to_json(&m));
	return 0;
}
