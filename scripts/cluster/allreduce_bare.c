/* The reference for dlprobe-cluster's all-reduce figure: a bare in-place
 * MPI_Allreduce loop (fp32 sum), timed as one block after warm-ups, the way
 * nccl-tests and the OSU benchmarks time it. Prints "busbw_gbps X" on rank 0.
 * Usage: allreduce_bare BYTES ITERS [aligned]
 * ("aligned": a page-aligned buffer, which on the CI machine ran Open MPI's
 * shared-memory all-reduce up to 30% slower than a malloc'ed one) */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	size_t bytes = argc > 1 ? strtoull(argv[1], NULL, 10) : (64u << 20);
	int iters = argc > 2 ? atoi(argv[2]) : 20, rank, n, i;
	float *buf;
	double t0, t, tmax;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &n);
	buf = argc > 3 && strcmp(argv[3], "aligned") == 0 ? aligned_alloc(4096, (bytes + 4095) / 4096 * 4096)
							    : malloc(bytes);
	if (!buf)
		MPI_Abort(MPI_COMM_WORLD, 1);
	memset(buf, 0, bytes);
	for (i = 0; i < 2; i++)
		MPI_Allreduce(MPI_IN_PLACE, buf, (int)(bytes / 4), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
	MPI_Barrier(MPI_COMM_WORLD);
	t0 = MPI_Wtime();
	for (i = 0; i < iters; i++)
		MPI_Allreduce(MPI_IN_PLACE, buf, (int)(bytes / 4), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
	t = (MPI_Wtime() - t0) / iters;
	MPI_Reduce(&t, &tmax, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
	if (rank == 0)
		printf("busbw_gbps %.6f\n", (double)bytes / tmax / 1e9 * 2.0 * (n - 1) / n);
	free(buf);
	MPI_Finalize();
	return 0;
}
