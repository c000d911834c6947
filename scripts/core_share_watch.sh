#!/bin/sh
# Whether the CPU team's threads have their cores to themselves, watched
# over time (scripts/core_share_watch.c): every PERIOD s for SECONDS, the
# worst pair's time beside thread 0 over its time alone; 1.5x is two
# threads on one core's hardware threads (a VM's vCPUs the host placed so).
# Usage: scripts/core_share_watch.sh [SECONDS [PERIOD [THREADS]]]
#        (after make; BUILD=dir for another build folder)
set -eu
BUILD=${BUILD:-build}
OUT=$BUILD/scripts/core_share_watch
mkdir -p "$BUILD/scripts"
cc -std=c11 -O2 -Iinclude -I. -D_GNU_SOURCE scripts/core_share_watch.c "$BUILD/libdlprobe.a" \
	-lhwloc -ljansson -lOpenCL -ldl -lm -pthread -o "$OUT"
echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$OUT" "$@"
