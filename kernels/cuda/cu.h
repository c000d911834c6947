/* Internal interface of the CUDA backend, exposed for tests (which drive it
 * through a fake libcuda with small sizes). */
#ifndef DLPROBE_KERNELS_CUDA_CU_H
#define DLPROBE_KERNELS_CUDA_CU_H

#include <stddef.h>
#include <jansson.h>

#include "kernels/backend.h"
#include "probe/cuda_driver.h"

typedef struct dlp_cu_cfg {
	dlp_budget budget;
	int gemm_n[4];            /* square GEMM shapes, 0 ends the list (multiples of 128) */
	size_t bw_bytes;          /* device copy buffer */
	size_t xfer_bytes;        /* host<->device, peer */
	int cublas;               /* measure cuBLAS and cuBLASLt beside (when loadable) */
	const char *cublas_lib;   /* NULL: libcublas.so.13/.12/.11 */
	const char *cublaslt_lib; /* NULL: libcublasLt.so.13/.12/.11 */
	const char *nvml_lib;     /* NULL: libnvidia-ml.so.1 */
} dlp_cu_cfg;

void dlp_cu_cfg_from_opts(dlp_cu_cfg *c, const dlp_bench_opts *o);
/* Every device of a loaded driver; appends device objects. Returns 0 unless
 * devices cannot be used at all (then one object says why). */
int dlp_cu_run_api(dlp_cuda_api *api, const dlp_cu_cfg *c, const dlp_bench_opts *o,
		   json_t *devices);

#endif
