#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/decimal.h"
#include "probe/sysfile.h"

char *dlp_sysfile_read(const char *sysroot, const char *path)
{
	char full[4096];
	FILE *f = NULL;
	char *buf = NULL, *ret = NULL;
	size_t cap = 4096, len = 0, r;

	snprintf(full, sizeof full, "%s%s", sysroot ? sysroot : "", path);
	f = fopen(full, "r");
	if (!f)
		goto out;
	buf = malloc(cap);
	if (!buf)
		goto out;
	/* /proc files report size 0: read until EOF */
	while ((r = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += r;
		if (cap - len - 1 == 0) {
			char *n = realloc(buf, cap * 2);
			if (!n)
				goto out;
			buf = n;
			cap *= 2;
		}
	}
	buf[len] = '\0';
	ret = buf;
	buf = NULL;
out:
	free(buf);
	if (f)
		fclose(f);
	return ret;
}

char *dlp_sysfile_line(const char *sysroot, const char *path)
{
	char *s = dlp_sysfile_read(sysroot, path);

	if (s)
		s[strcspn(s, "\n")] = '\0';
	return s;
}

char *dlp_sysfile_field(const char *sysroot, const char *path, const char *key)
{
	char *s = dlp_sysfile_read(sysroot, path), *line, *save = NULL, *ret = NULL;
	size_t kl = strlen(key);

	if (!s)
		return NULL;
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *v;
		size_t n;

		if (strncmp(line, key, kl) != 0)
			continue;
		v = line + kl;
		if (*v != ':' && *v != ' ' && *v != '\t')
			continue;
		while (*v == ' ' || *v == '\t' || *v == ':')
			v++;
		n = strlen(v);
		while (n > 0 && isspace((unsigned char)v[n - 1]))
			v[--n] = '\0';
		ret = strdup(v);
		break;
	}
	free(s);
	return ret;
}

/* CPU numbers beyond this are not a cpuset the kernel can write
 * (CONFIG_NR_CPUS is at most 8192 on x86 today): a larger one is a damaged
 * file, and bounding it keeps the count's arithmetic from overflowing. */
#define MAX_CPU_ID (1LL << 22)

int dlp_cpulist_count(const char *s)
{
	long long count = 0;

	while (*s && *s != '\n') {
		const char *end;
		long long a, b;

		if (dlp_decimal_ll(s, &end, 0, MAX_CPU_ID, &a) != 0)
			return -1;
		b = a;
		s = end;
		if (*s == '-') {
			if (dlp_decimal_ll(s + 1, &end, a, MAX_CPU_ID, &b) != 0)
				return -1;
			s = end;
		}
		count += b - a + 1;
		if (count > MAX_CPU_ID + 1)
			return -1; /* overlapping ranges cannot name more CPUs than exist */
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			return -1;
	}
	return (int)count;
}
