/* Reading /proc and /sys under a test-settable root. */
#ifndef DLPROBE_PROBE_SYSFILE_H
#define DLPROBE_PROBE_SYSFILE_H

#include <stddef.h>

/* Whole file (NUL-terminated, malloc'ed) at sysroot + path, NULL if absent. */
char *dlp_sysfile_read(const char *sysroot, const char *path);
/* First line, trailing newline removed; NULL if absent. */
char *dlp_sysfile_line(const char *sysroot, const char *path);
/* Value after "key:" (or "key ") on the first matching line, trimmed. */
char *dlp_sysfile_field(const char *sysroot, const char *path, const char *key);
/* Number of CPUs in a list such as "0-3,8,10-11"; -1 if malformed. */
int dlp_cpulist_count(const char *s);

#endif
