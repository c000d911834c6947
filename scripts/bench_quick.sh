#!/bin/sh
# `dlprobe bench --quick --backend cpu` against its two targets (issue 13):
# wall time at most 5 s (median of 5 runs), and the same answer as --full:
# the default scenario's estimates for this machine (the three workloads of
# the default run) from each quick document within 5% of those from a full
# document of the same machine, taken right after.
# Usage: scripts/bench_quick.sh [path/to/dlprobe]
set -eu
BIN=${1:-build/dlprobe}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs"
echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in 1 2 3 4 5; do
	s=$(date +%s.%N)
	"$BIN" bench --quick --backend cpu -q -o "$TMP/q$i.json" >/dev/null
	e=$(date +%s.%N)
	awk -v s="$s" -v e="$e" 'BEGIN { print e - s }' >> "$TMP/times"
done
"$BIN" bench --full --backend cpu -q -o "$TMP/full.json" >/dev/null
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# The default run's scenario (cli/cmd_estimate.c), one device.
for f in q1 q2 q3 q4 q5 full; do
	"$BIN" estimate --hw "$TMP/$f.json" --devices 1 --json --model mlp:30,256,256,2 \
		--dataset tabular:1000000x30 --classical gbdt --epochs 20 --precision fp32 > "$TMP/$f.mlp.json"
	"$BIN" estimate --hw "$TMP/$f.json" --devices 1 --json --model resnet18 --dataset cifar10 \
		--classical none --epochs 30 --precision mixed > "$TMP/$f.resnet.json"
	"$BIN" estimate --hw "$TMP/$f.json" --devices 1 --json --model gpt2 --dataset text:2.5e9 \
		--classical none --epochs 1 --precision mixed > "$TMP/$f.gpt2.json"
done

python3 - "$TMP" <<'PY'
import json, statistics, sys
d = sys.argv[1]
times = [float(x) for x in open(d + "/times").read().split()]
ok_all = True
def check(name, value, target, fmt, le=False):
    global ok_all
    met = value <= target if le else value >= target
    ok_all &= met
    print("  %-60s %8s  target %s %s  %s" % (name, fmt % value, "<=" if le else ">=", fmt % target,
          "MET" if met else "NOT MET"))
print("quick wall times: " + ", ".join("%.2f" % t for t in times) + " s")
check("bench --quick --backend cpu, median of 5 (s)", statistics.median(times), 5.0, "%.2f", le=True)
def expected(f, w, part):
    e = json.load(open("%s/%s.%s.json" % (d, f, w)))["estimates"][0]
    return e[part]["train_s"]["expected"]
for w, part in (("mlp", "deep"), ("mlp", "classical"), ("resnet", "deep"), ("gpt2", "deep")):
    full = expected("full", w, part)
    qs = [expected("q%d" % i, w, part) for i in range(1, 6)]
    agree = [min(q, full) / max(q, full) for q in qs]
    print("  %s %s expected train_s: full %.4g, quick %s" % (w, part, full, ", ".join("%.4g" % q for q in qs)))
    check("%s %s: median quick vs full (min/max)" % (w, part), statistics.median(agree), 0.95, "%.3f")
print("all targets met" if ok_all else "some targets NOT met")
PY
