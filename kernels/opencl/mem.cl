/* dlprobe OpenCL memory and latency kernels (fp32 words, float4 accesses).
 * Each work-item touches elements gid, gid + G, gid + 2G, ... so that a
 * work-group covers consecutive addresses on every step: coalesced on a GPU,
 * contiguous vectors for PoCL's work-item loops on a CPU. */
__kernel void bw_read(const int per_item, __global const float4 *a, __global float *out)
{
	const size_t gid = get_global_id(0), G = get_global_size(0);
	float4 s = (float4)(0);

	for (int i = 0; i < per_item; i++)
		s += a[gid + (size_t)i * G];
	/* One store per work-item keeps the loads alive at a negligible cost. */
	out[gid] = s.x + s.y + s.z + s.w;
}

__kernel void bw_copy(const int per_item, __global const float4 *a, __global float4 *b)
{
	const size_t gid = get_global_id(0), G = get_global_size(0);

	for (int i = 0; i < per_item; i++)
		b[gid + (size_t)i * G] = a[gid + (size_t)i * G];
}

__kernel void bw_triad(const int per_item, const float s, __global float4 *a,
		       __global const float4 *b, __global const float4 *c)
{
	const size_t gid = get_global_id(0), G = get_global_size(0);

	for (int i = 0; i < per_item; i++) {
		const size_t x = gid + (size_t)i * G;
		a[x] = b[x] + s * c[x];
	}
}

/* Launch latency: one store, so a launch that never ran can be told apart. */
__kernel void noop(__global int *p)
{
	p[0] = 42;
}
