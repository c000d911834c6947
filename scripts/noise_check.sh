#!/bin/sh
# How much the default scenario's estimates move between benches (issue 9):
# RUNS (default 5) consecutive `dlprobe bench --quick --backend cpu`, with
# LOAD=1 (default) another process keeping one core busy the whole time;
# each bench document is then estimated on the default run's three scenario
# workloads (cli/scenario.c) and the script prints, per figure, the max/min
# ratio of the expected times over the runs, and the worst one.
# Targets: 1.2 with the busy core, 1.1 on a quiet machine.
# usage: scripts/noise_check.sh [BIN]     (BIN default build/dlprobe)
set -eu
BIN=${1:-build/dlprobe}
RUNS=${RUNS:-5}
LOAD=${LOAD:-1}
T=$(mktemp -d)
busy=
cleanup() {
	[ -n "$busy" ] && kill "$busy" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
if [ "$LOAD" = 1 ]; then
	# one core busy: a shell loop, pinned to the last CPU when taskset exists
	if command -v taskset >/dev/null; then
		taskset -c "$(($(nproc) - 1))" sh -c 'while :; do :; done' &
	else
		sh -c 'while :; do :; done' &
	fi
	busy=$!
fi
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), busy core: $LOAD, runs: $RUNS"
i=1
while [ "$i" -le "$RUNS" ]; do
	"$BIN" -q bench --quick --backend cpu --json -o "$T/b$i.json" >/dev/null
	# the default run's scenario (cli/scenario.c): workload -> expected seconds
	{
		"$BIN" -q estimate --hw "$T/b$i.json" --model mlp:30,256,256,2 --dataset tabular:1000000x30 \
			--classical gbdt --epochs 20 --json
		"$BIN" -q estimate --hw "$T/b$i.json" --model resnet18 --dataset cifar10 --epochs 30 \
			--precision mixed --json
		"$BIN" -q estimate --hw "$T/b$i.json" --model gpt2 --dataset text:2.5e9 --precision mixed --json
	} > "$T/e$i.jsonl"
	i=$((i + 1))
done
python3 - "$T" "$RUNS" <<'PY'
import json, sys
d, runs = sys.argv[1], int(sys.argv[2])
figs = {}
for i in range(1, runs + 1):
    dec = json.JSONDecoder()
    text, pos = open("%s/e%d.jsonl" % (d, i)).read(), 0
    while pos < len(text.rstrip()):
        doc, pos = dec.raw_decode(text, pos)
        while pos < len(text) and text[pos].isspace():
            pos += 1
        e = doc["estimates"][0]
        for side in ("deep", "classical"):
            if e[side]:
                figs.setdefault("%s %s" % (doc["workload"]["name"], side), []).append(e[side]["train_s"]["expected"])
    stab = json.load(open("%s/b%d.json" % (d, i)))["bench"]["backends"][0]["devices"][0]
    print("run %d: stable %s, %d bench run(s), %d sign(s) of interference" % (
        i, stab.get("stable"), stab.get("stability", {}).get("runs", 1), len(stab.get("stability", {}).get("reasons", []))))
worst = 1
for k, v in figs.items():
    r = max(v) / min(v)
    worst = max(worst, r)
    print("%-50s %s  max/min %.2f" % (k, " ".join("%.3g" % x for x in v), r))
print("worst max/min ratio: %.2f" % worst)
PY
