/* OpenCL platforms and devices, enumerated in a child process: a faulty ICD
 * can crash or hang the enumerating process (clinfo#35, #64). */
#ifndef DLPROBE_PROBE_OPENCL_H
#define DLPROBE_PROBE_OPENCL_H

#include <jansson.h>

/* The "opencl" section: status ok/unavailable/error with a reason, and
 * platforms[] each with devices[]. Never NULL. */
json_t *dlp_opencl_probe(double timeout_s);

#endif
