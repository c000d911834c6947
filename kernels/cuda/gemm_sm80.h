/* Launch shape of the pipelined mma.sync GEMMs (kernels/cuda/mma_gemm.cuh),
 * shared by the kernels and the host code that launches them: plain C. */
#ifndef DLPROBE_KERNELS_CUDA_GEMM_SM80_H
#define DLPROBE_KERNELS_CUDA_GEMM_SM80_H

#define DLP_MMA_BM 128          /* block tile rows (M); grid.y = M / DLP_MMA_BM */
#define DLP_MMA_BN 256          /* block tile columns (N); grid.x = N / DLP_MMA_BN */
#define DLP_MMA_BK 32           /* k per pipeline stage; K % DLP_MMA_BK == 0 */
#define DLP_MMA_THREADS 256
#define DLP_MMA_LD 40           /* padded shared-memory row, in elements */
#define DLP_MMA_STAGES 4
#define DLP_MMA_STAGE_ELEMS ((DLP_MMA_BM + DLP_MMA_BN) * DLP_MMA_LD)
#define DLP_MMA_SMEM (DLP_MMA_STAGES * DLP_MMA_STAGE_ELEMS * 2)   /* dynamic bytes */

#endif
