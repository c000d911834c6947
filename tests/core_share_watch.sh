#!/bin/sh
# scripts/core_share_watch.sh builds against the library and runs: a line
# per check with a ratio, a summary line, and a usage error with exit 2.
# A machine without two cores for the team says so and exits 1.
set -eu
BUILD=${BUILD:-build}
rc=0
out=$(BUILD=$BUILD sh scripts/core_share_watch.sh 0.3 0.1 2>&1) || rc=$?
if [ "$rc" = 1 ] && echo "$out" | grep -q 'fewer than two threads with a core each'; then
	echo "core_share_watch: skipped (fewer than two cores)"
	exit 0
fi
[ "$rc" = 0 ] || { echo "FAIL: exited $rc: $out"; exit 1; }
echo "$out" | grep -Eq '^ +0\.[0-9]+ s  [0-9]+\.[0-9]+x' || { echo "FAIL: no check line: $out"; exit 1; }
echo "$out" | grep -Eq '^[0-9]+ checks, [0-9]+ \([0-9]+%\) at 1\.25x or more' ||
	{ echo "FAIL: no summary: $out"; exit 1; }
rc=0
"$BUILD/scripts/core_share_watch" 1 1 1 2>/dev/null || rc=$?
[ "$rc" = 2 ] || { echo "FAIL: one thread exited $rc, not 2"; exit 1; }
echo "core_share_watch: ok"
