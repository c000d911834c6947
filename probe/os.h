#ifndef DLPROBE_PROBE_OS_H
#define DLPROBE_PROBE_OS_H

#include <jansson.h>

/* Kernel (uname) and distribution (/etc/os-release PRETTY_NAME). */
json_t *dlp_os_probe(const char *sysroot);

#endif
