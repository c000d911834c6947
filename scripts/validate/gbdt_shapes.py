#!/usr/bin/python3
"""The GBDT model's per-tree cost against xgboost 1.7 hist's, on shapes that
are NOT validation cases (issue 9, item 4).

usage: gbdt_shapes.py DLPROBE OUT_PREFIX [DLPROBE_BEFORE]

Per tree = (fit of 21 trees - fit of 1) / 20, the fastest of three fits
each, so that the one-off binning does not count; the prediction the same
way from `dlprobe estimate`, after (DLPROBE's bench document) and before
(DLPROBE_BEFORE's, or DLPROBE's, document without its gbdt_node result).
Each document keeps every result's fastest rate over three bench runs (the
least disturbed by other work). On one CPU (run it under taskset -c 0)
xgboost's time is the CPU time its process used, so that other processes
sharing the CPU do not count; on several, wall time (spinning OpenMP
threads burn CPU time): say the load with any figure."""
import json, os, subprocess, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_best import best_of  # noqa: E402
BIN, OUT = sys.argv[1], sys.argv[2]
BIN_OLD = sys.argv[3] if len(sys.argv) > 3 else BIN
SHAPES = [(50000, 20, 7), (20000, 10, 10), (300000, 8, 5), (100000, 10, 4), (10000, 30, 8), (100000, 10, 8)]
CODE = r'''
import numpy as np, xgboost, sys, resource, json, os, time
R, F, D = map(int, sys.argv[1:4])
N = len(os.sched_getaffinity(0))
rng = np.random.default_rng(0)
X = rng.standard_normal((R, F)).astype(np.float32)
y = (X[:, 0] + 0.5 * X[:, 1] * X[:, 2] + 0.1 * rng.standard_normal(R) > 0).astype(np.int64)
def cpu():
    # one CPU: the CPU time used (others sharing the CPU do not count);
    # several: wall time (spinning OpenMP threads burn CPU time)
    if N > 1:
        return time.perf_counter()
    r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime
xgboost.XGBClassifier(n_estimators=2, max_depth=D, tree_method="hist", n_jobs=N).fit(X[:2000], y[:2000])
out = {}
for T in (1, 21, 1, 21, 1, 21):
    t0 = cpu()
    xgboost.XGBClassifier(n_estimators=T, max_depth=D, tree_method="hist", max_bin=256, n_jobs=N).fit(X, y)
    out.setdefault(T, []).append(cpu() - t0)
print(json.dumps(out))
'''

def bench():
    # before: the original code's kernels (the old binary, its gbdt_node result dropped)
    best_of(BIN_OLD, OUT + ".bench_old.json")
    d = json.load(open(OUT + ".bench_old.json"))
    for be in d["bench"]["backends"]:
        for dev in be.get("devices", []):
            dev["results"] = [r for r in dev.get("results", []) if r.get("kernel") != "gbdt_node"]
    json.dump(d, open(OUT + ".bench_old.json", "w"))
    best_of(BIN, OUT + ".bench.json")
    d = json.load(open(OUT + ".bench.json"))
    rates = {}
    for be in d["bench"]["backends"]:
        for dev in be.get("devices", []):
            for r in dev.get("results", []):
                if r.get("kernel") in ("gbdt_node", "hist_gathered", "row_partition", "histogram", "logistic_loss"):
                    rates[r["kernel"]] = r.get("rate_gvalues_per_s") or r.get("rate_gupdates_per_s") or r.get("rate_grows_per_s")
    return rates

def predict(doc, R, F, D, T):
    o = subprocess.run([BIN, "estimate", "--hw", doc, "--model", "none", "--dataset", "tabular:%dx%d" % (R, F),
                        "--classical", "gbdt:trees=%d,depth=%d,bins=256" % (T, D), "--json"],
                       check=True, capture_output=True, text=True).stdout
    def find(x):
        if isinstance(x, dict):
            if isinstance(x.get("classical"), dict) and "train_s" in x["classical"]:
                return x["classical"]
            for v in x.values():
                r = find(v)
                if r: return r
        elif isinstance(x, list):
            for v in x:
                r = find(v)
                if r: return r
    c = find(json.loads(o))
    return c["train_s"]["expected"], c["detail"]["terms_s"]

rates = bench()
print("rates (G/s, 1 thread) %s, load %.1f" % (json.dumps(rates), os.getloadavg()[0]), flush=True)
for R, F, D in SHAPES:
    o = json.loads(subprocess.run(["/usr/bin/python3", "-c", CODE, str(R), str(F), str(D)], check=True,
                                  capture_output=True, text=True).stdout)
    per = (min(o["21"]) - min(o["1"])) / 20
    b1, _ = predict(OUT + ".bench_old.json", R, F, D, 1)
    b21, _ = predict(OUT + ".bench_old.json", R, F, D, 21)
    a1, t1 = predict(OUT + ".bench.json", R, F, D, 1)
    a21, t21 = predict(OUT + ".bench.json", R, F, D, 21)
    pb, pa = (b21 - b1) / 20, (a21 - a1) / 20
    node = (t21.get("node_splits", 0) - t1.get("node_splits", 0)) / 20
    print("%6dx%-3d d%-2d per tree: xgboost %.2f ms; predicted before %.2f ms (%.2fx), after %.2f ms (%.2fx; node_splits %.2f ms); load %.1f"
          % (R, F, D, per * 1e3, pb * 1e3, pb / per, pa * 1e3, pa / per, node * 1e3, os.getloadavg()[0]), flush=True)
