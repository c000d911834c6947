#!/usr/bin/env python3
"""Which bench figures the default scenario's estimates depend on (issue 9).

Each ok result of the CPU device of a bench document is made 30% slower in
turn (its samples, statistics and rates), the document is estimated on the
default run's three scenario workloads (cli/scenario.c, as
scripts/noise_check.sh does), and the script prints every result that moves
an estimate, with the elasticity d log(expected time) / d log(result's time):
1.0 means the estimate moves as much as the figure, 0.1 a tenth of it.

usage: scripts/noise_sensitivity.py BENCH.json [path/to/dlprobe]
"""
import copy
import json
import math
import os
import subprocess
import sys
import tempfile

WORKLOADS = [
    ("mlp", ["--model", "mlp:30,256,256,2", "--dataset", "tabular:1000000x30", "--classical", "gbdt",
             "--epochs", "20"]),
    ("resnet18", ["--model", "resnet18", "--dataset", "cifar10", "--epochs", "30", "--precision", "mixed"]),
    ("gpt2", ["--model", "gpt2", "--dataset", "text:2.5e9", "--precision", "mixed"]),
]
SLOWER = 1.3
SHOWN = 0.02


def estimate(binary, doc, path):
    with open(path, "w") as f:
        json.dump(doc, f)
    out = {}
    for name, args in WORKLOADS:
        run = subprocess.run([binary, "-q", "estimate", "--hw", path] + args + ["--json"],
                             capture_output=True, text=True, check=True)
        e = json.loads(run.stdout)["estimates"][0]
        for side in ("deep", "classical"):
            if e[side]:
                out["%s %s" % (name, side)] = e[side]["train_s"]["expected"]
    return out


def slow_down(r, f):
    for k in list(r):
        v = r[k]
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            continue
        if k == "latency_s" or k in ("median_s", "min_s", "max_s"):
            r[k] = v * f
        elif k.startswith("rate_") or k == "best_gflops":
            r[k] = v / f
    if isinstance(r.get("samples_s"), list):
        r["samples_s"] = [s * f for s in r["samples_s"]]


def label(r):
    shape = "x".join(str(r[k]) for k in ("m", "n", "k") if r.get(k) is not None)
    return " ".join(str(x) for x in (r["kernel"], r["impl"], r.get("isa") or "", r.get("dtype") or "", shape,
                                       "T%s" % r.get("threads"), r.get("variant") or "") if x != "")


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__.strip().splitlines()[-1])
    binary = sys.argv[2] if len(sys.argv) == 3 else "build/dlprobe"
    doc = json.load(open(sys.argv[1]))
    fd, path = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    try:
        base = estimate(binary, doc, path)
        print("expected train_s: " + ", ".join("%s %.4g" % kv for kv in base.items()))
        results = doc["bench"]["backends"][0]["devices"][0]["results"]
        for i, r in enumerate(results):
            if r.get("status") != "ok":
                continue
            d = copy.deepcopy(doc)
            slow_down(d["bench"]["backends"][0]["devices"][0]["results"][i], SLOWER)
            e = estimate(binary, d, path)
            el = {k: math.log(e[k] / base[k]) / math.log(SLOWER) for k in base}
            moved = ["%s %+.2f" % kv for kv in el.items() if abs(kv[1]) > SHOWN]
            if moved:
                print("%-52s %s" % (label(r), ", ".join(moved)))
    finally:
        os.unlink(path)


if __name__ == "__main__":
    main()
