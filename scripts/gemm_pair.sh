#!/bin/sh
# dlprobe's GEMM against OpenBLAS and BLIS call by call in one process
# (scripts/gemm_pair.c): the 2-thread shapes of issue 13 and n = 2048 on one
# thread. OpenBLAS picks its own core (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE
# unset for these commands only); BLIS's OpenMP threads sleep between calls
# (OMP_WAIT_POLICY=passive), otherwise they spin into dlprobe's next call.
# Usage: scripts/gemm_pair.sh [BUILD]   (after make; BUILD defaults to build)
set -eu
BUILD=${1:-build}
OUT=$BUILD/scripts/gemm_pair
mkdir -p "$BUILD/scripts"
cc -std=c11 -O2 -Iinclude -I. -D_GNU_SOURCE scripts/gemm_pair.c "$BUILD/libdlprobe.a" \
	-lhwloc -ljansson -lOpenCL -ldl -lm -pthread -o "$OUT"
echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for shape in "2048 2048 2048 1 5 s" "2048 2048 2048 1 5 d" "2048 2048 2048 2 7 s" \
	     "2048 2048 2048 2 7 d" "1024 1024 1024 2 11 s" "1760 64 1760 2 31 s"; do
	# shellcheck disable=SC2086
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_WAIT_POLICY=passive "$OUT" $shape
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
