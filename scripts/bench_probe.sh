#!/bin/sh
# How long `dlprobe probe` takes (hwloc load, cgroups, OpenCL and CUDA
# enumeration in their child processes included): N runs, median and max.
# Usage: bench_probe.sh [PATH/TO/dlprobe] [N]
set -eu
B=${1:-build/dlprobe}
N=${2:-11}
i=0
: > /tmp/dlprobe-bench-probe.$$
while [ "$i" -lt "$N" ]; do
	s=$(date +%s%N)
	"$B" probe --json > /dev/null
	e=$(date +%s%N)
	echo $(( (e - s) / 1000 )) >> /tmp/dlprobe-bench-probe.$$
	i=$((i + 1))
done
sort -n /tmp/dlprobe-bench-probe.$$ | awk -v n="$N" '{a[NR]=$1} END {printf "dlprobe probe: %d runs, median %.1f ms, max %.1f ms (target: well under 500 ms)\n", n, a[int((n+1)/2)]/1000, a[n]/1000}'
rm -f /tmp/dlprobe-bench-probe.$$
