#!/bin/sh
# dlprobe-cluster's all-reduce bus bandwidth at 64 MiB on 2 ranks beside a bare
# MPI_Allreduce loop (scripts/cluster/allreduce_bare.c), alternated ROUNDS
# times in one run so both see the same machine load, 20 timed calls each
# after warm-ups; prints both medians
# and the ratio, and fails when they differ by more than 10%.
# Usage: sh scripts/cluster/allreduce_vs_bare.sh [BUILD] [ROUNDS]
#   MPICC/MPIRUN pick the MPI (default mpicc/mpirun; mpicc.mpich/mpirun.mpich work).
set -eu
BD=${1:-build}
ROUNDS=${2:-5}
MPICC=${MPICC:-mpicc}
MPIRUN=${MPIRUN:-mpirun}
BYTES=$((64 * 1024 * 1024))
SAMPLES=20
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/mpirun_env.sh"
$MPICC -O2 -o "$T/bare" "$(dirname "$0")/allreduce_bare.c"
i=0
while [ "$i" -lt "$ROUNDS" ]; do
	$MPIRUN -np 2 $OVER "$T/bare" "$BYTES" "$SAMPLES" | awk '/busbw_gbps/ {print $2}' >> "$T/bare.txt"
	$MPIRUN -np 2 $OVER "$BD/dlprobe-cluster" --no-bench -q --no-nccl --collectives allreduce \
		--min-bytes 64M --max-bytes 64M --samples "$SAMPLES" -o "$T/c.json" >/dev/null
	/usr/bin/python3 -c "
import json; c = json.load(open('$T/c.json'))['cluster']
r = [r for r in c['nodes'][0]['intra_node']['results'] if r['bytes'] == $BYTES][0]
assert r['status'] == 'ok', r['reason']
print(r['busbw_gbps'])" >> "$T/dlp.txt"
	i=$((i + 1))
done
/usr/bin/python3 - "$T/bare.txt" "$T/dlp.txt" <<'PY'
import statistics, sys
bare = [float(x) for x in open(sys.argv[1])]
dlp = [float(x) for x in open(sys.argv[2])]
mb, md = statistics.median(bare), statistics.median(dlp)
print("bare MPI_Allreduce 64 MiB, 2 ranks: busbw %.3f GB/s (median of %d: %s)" % (mb, len(bare), " ".join("%.3f" % x for x in bare)))
print("dlprobe-cluster    64 MiB, 2 ranks: busbw %.3f GB/s (median of %d: %s)" % (md, len(dlp), " ".join("%.3f" % x for x in dlp)))
print("ratio dlprobe/bare: %.3f" % (md / mb))
sys.exit(0 if abs(md / mb - 1) <= 0.10 else 1)
PY
