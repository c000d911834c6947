/* CUDA devices through the driver API, loaded at run time (probe/cuda_driver.h)
 * and queried in a child process so a broken driver cannot take dlprobe down. */
#ifndef DLPROBE_PROBE_CUDA_H
#define DLPROBE_PROBE_CUDA_H

#include <jansson.h>

/* The "cuda" section: status, reason, library, driver_version, devices[]. Never NULL. */
json_t *dlp_cuda_probe(double timeout_s);

#endif
