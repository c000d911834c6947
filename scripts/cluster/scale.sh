#!/bin/sh
# 64 simulated nodes on this machine, the default sweep (no reduced options):
# the wall time of `mpirun -np 64 --oversubscribe dlprobe-cluster --no-bench
# --simulate-nodes`, the document checked against the schema, and how long
# each phase's sweep took. Fails past LIMIT seconds (default 60).
# Usage: sh scripts/cluster/scale.sh [BUILD] [NP] [LIMIT]
set -eu
BD=${1:-build}
NP=${2:-64}
LIMIT=${3:-60}
MPIRUN=${MPIRUN:-mpirun}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$(dirname "$0")/mpirun_env.sh"
echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
start=$(date +%s.%N)
$MPIRUN -np "$NP" $OVER "$BD/dlprobe-cluster" --no-bench --simulate-nodes -q -o "$T/c.json"
took=$(echo "$(date +%s.%N) - $start" | bc)
/usr/bin/python3 tests/validate_json.py data/dlprobe.schema.json "$T/c.json"
/usr/bin/python3 - "$T/c.json" "$NP" "$took" "$LIMIT" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["cluster"]; np_ = int(sys.argv[2]); took = float(sys.argv[3])
assert c["nodes_reported"] == np_ == len(c["nodes"]), c["nodes_reported"]
inter = c["interconnect"]["inter_node"]["results"]
for k in ("allreduce", "allgather", "reducescatter", "alltoall"):
    rs = [r for r in inter if r["kernel"] == k]
    ok = [r for r in rs if r["status"] == "ok"]
    spent = sum(sum(r["samples_s"]) for r in ok)
    top = max((r["bytes"] for r in ok), default=0)
    print("%-14s %2d sizes measured up to %9d B (%2d bounded out), %.2f s in timed calls"
          % (k, len(ok), top, len(rs) - len(ok), spent))
print("ring: %d links, slowest %s" % (len(c["interconnect"]["ring"]["links"]), c["interconnect"]["ring"]["slowest_link"]))
print("rank 0 phases: " + ", ".join("%s %.1f" % (k[:-2], v) for k, v in c["phases_rank0_s"].items()) + " (s)")
print("%d nodes: %.1f s wall (limit %s s), schema-valid" % (np_, took, sys.argv[4]))
sys.exit(0 if took < float(sys.argv[4]) else 1)
PY
