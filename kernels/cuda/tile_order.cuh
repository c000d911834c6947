/* Which output tile a block computes. Blocks start roughly in launch order,
 * x fastest: walking every N tile of one row of M tiles before the next
 * streams all of B through L2 for each row. Walking groups of `group` rows
 * column by column instead keeps the A rows and B columns of the blocks in
 * flight together small enough to be reused from L2 (on an H100, the wgmma
 * kernel fell from 0.97x cuBLAS at n = 4096 to 0.75x at 8192 without it).
 * Any grid works: the last group may have fewer rows. */
#ifndef DLPROBE_KERNELS_CUDA_TILE_ORDER_CUH
#define DLPROBE_KERNELS_CUDA_TILE_ORDER_CUH

static __device__ __forceinline__ void dlp_tile_grouped(int group, int *tile_m, int *tile_n)
{
	const int tiles_m = gridDim.y, tiles_n = gridDim.x;
	const int id = blockIdx.y * tiles_n + blockIdx.x, per_group = group * tiles_n;
	const int first_m = (id / per_group) * group;
	const int rows = tiles_m - first_m < group ? tiles_m - first_m : group;

	*tile_m = first_m + (id % per_group) % rows;
	*tile_n = (id % per_group) / rows;
}

#endif
