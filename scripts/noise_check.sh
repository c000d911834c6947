#!/bin/sh
# How much the default scenario's estimates move between benches (issue 9):
# RUNS (default 5) consecutive `dlprobe bench --quick --backend cpu`, with
# LOAD=1 (default) another process keeping one core busy the whole time;
# each bench document is then estimated on the default run's three scenario
# workloads (cli/scenario.c) and the script prints, per figure, the max/min
# ratio of the expected times over the runs, and the worst one.
# Targets: 1.2 with the busy core, 1.1 on a quiet machine.
# Several binaries (an A/B comparison) run alternately, ABAB..., so that the
# VM's slow stretches fall on each alike; each estimates its own documents.
# Two binaries (the same one twice, to see the machine) also get, per
# figure, the spread across rounds against the ratio within a round.
# usage: scripts/noise_check.sh [BIN...]     (BIN default build/dlprobe)
set -eu
[ $# -gt 0 ] || set -- build/dlprobe
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
	b=0
	for BIN in "$@"; do
		b=$((b + 1))
		cut -d' ' -f1 /proc/loadavg > "$T/l$b.$i"
		"$BIN" -q bench --quick --backend cpu --json -o "$T/b$b.$i.json" >/dev/null
		# the default run's scenario (cli/scenario.c): workload -> expected seconds
		{
			"$BIN" -q estimate --hw "$T/b$b.$i.json" --model mlp:30,256,256,2 \
				--dataset tabular:1000000x30 --classical gbdt --epochs 20 --json
			"$BIN" -q estimate --hw "$T/b$b.$i.json" --model resnet18 --dataset cifar10 --epochs 30 \
				--precision mixed --json
			"$BIN" -q estimate --hw "$T/b$b.$i.json" --model gpt2 --dataset text:2.5e9 --precision mixed \
				--json
		} > "$T/e$b.$i.jsonl"
		[ -z "${KEEP:-}" ] || cp "$T/b$b.$i.json" "$KEEP.$b.$i.json"
	done
	i=$((i + 1))
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$T" "$RUNS" "$@" <<'PY'
import json, sys
d, runs, bins = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
worst_all = []
all_figs = []
for b, name in enumerate(bins, 1):
    figs = {}
    print("== %s" % name)
    for i in range(1, runs + 1):
        dec = json.JSONDecoder()
        text, pos = open("%s/e%d.%d.jsonl" % (d, b, i)).read(), 0
        while pos < len(text.rstrip()):
            doc, pos = dec.raw_decode(text, pos)
            while pos < len(text) and text[pos].isspace():
                pos += 1
            e = doc["estimates"][0]
            for side in ("deep", "classical"):
                if e[side]:
                    figs.setdefault("%s %s" % (doc["workload"]["name"], side), []).append(
                        e[side]["train_s"]["expected"])
        bench = json.load(open("%s/b%d.%d.json" % (d, b, i)))
        stab = bench["bench"]["backends"][0]["devices"][0]
        st = stab.get("stability", {})
        print("run %d: load %s, %.1f s, stable %s, %d bench run(s) (%d focused), %d sign(s) of interference" % (
            i, open("%s/l%d.%d" % (d, b, i)).read().strip(), bench["host"]["run_duration_s"], stab.get("stable"),
            st.get("runs", 1), st.get("focused_runs", 0), len(st.get("reasons", []))))
    worst = 1
    for k, v in figs.items():
        r = max(v) / min(v)
        worst = max(worst, r)
        print("%-50s %s  max/min %.2f" % (k, " ".join("%.3g" % x for x in v), r))
    print("worst max/min ratio: %.2f" % worst)
    worst_all.append(worst)
    all_figs.append(figs)
if len(bins) > 1:
    print("worst max/min ratio per binary: " + ", ".join("%s %.2f" % (n, w) for n, w in zip(bins, worst_all)))
if len(bins) == 2:
    # Benches of one round ran seconds apart, rounds about a minute apart:
    # "across rounds" is the spread of each round's geometric mean (what
    # the machine did over the minutes), "within a round" the median ratio
    # of the two benches of a round (what one bench adds). The same binary
    # given twice tells them apart without a code change in between.
    import math
    print("== the two binaries round by round: spread across rounds, ratio within a round, correlation")
    for k in all_figs[0]:
        a, b = all_figs[0][k], all_figs[1].get(k)
        if not b or len(a) != len(b) or len(a) < 3:
            continue
        la, lb = [math.log(x) for x in a], [math.log(x) for x in b]
        g = [math.exp((x + y) / 2) for x, y in zip(la, lb)]
        w = sorted(abs(x - y) for x, y in zip(la, lb))
        ma, mb = sum(la) / len(la), sum(lb) / len(lb)
        sab = sum((x - ma) * (y - mb) for x, y in zip(la, lb))
        saa, sbb = sum((x - ma) ** 2 for x in la), sum((y - mb) ** 2 for y in lb)
        corr = sab / math.sqrt(saa * sbb) if saa > 0 and sbb > 0 else float("nan")
        print("%-50s across rounds %.2f  within a round %.2f (median), %.2f (most)  correlation %.2f" % (
            k, max(g) / min(g), math.exp(w[len(w) // 2]), math.exp(w[-1]), corr))
PY
