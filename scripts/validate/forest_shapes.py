#!/usr/bin/python3
"""The random forest model against scikit-learn 1.2's RandomForestClassifier
on shapes that are NOT validation cases (make validate fits 100000x30,
4 trees, depth 12): whole fits, the fastest of two, against `dlprobe
estimate` on a bench document of DLPROBE (each result the fastest of three
`bench --quick` runs). Threads: as the process is allowed. Say the load
with any figure.

usage: forest_shapes.py DLPROBE OUT_PREFIX"""
import json, os, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_best import best_of  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402

BIN, OUT = sys.argv[1], sys.argv[2]
# rows, features, depth (0: unlimited), trees
SHAPES = [(300000, 20, 10, 4), (50000, 50, 12, 4), (200000, 10, 0, 2), (1000000, 8, 8, 2), (20000, 30, 0, 4)]
N = len(os.sched_getaffinity(0))
doc = OUT + ".bench.json"
best_of(BIN, doc, args=("--quick",))
print("cpus %d, load %.1f" % (N, os.getloadavg()[0]), flush=True)
for R, F, D, T in SHAPES:
    rng = np.random.default_rng(3)
    X = rng.standard_normal((R, F)).astype(np.float32)
    y = (X[:, :3].sum(1) + rng.standard_normal(R) > 0).astype(np.int64)
    RandomForestClassifier(n_estimators=2, max_depth=4, n_jobs=N).fit(X[:5000], y[:5000])
    ts = []
    for _ in range(2):
        t0 = time.perf_counter()
        RandomForestClassifier(n_estimators=T, max_depth=D or None, n_jobs=N, random_state=0).fit(X, y)
        ts.append(time.perf_counter() - t0)
    spec = "forest:trees=%d" % T + (",depth=%d" % D if D else "")
    o = json.loads(subprocess.run([BIN, "estimate", "--hw", doc, "--model", "none", "--dataset",
                                   "tabular:%dx%d" % (R, F), "--classical", spec, "--json"],
                                  capture_output=True, text=True, check=True).stdout)
    p = o["estimates"][0]["classical"]["train_s"]["expected"]
    print("%7dx%-3d depth %-2s %d trees: scikit-learn %.2f s, predicted %.2f s (%.2fx); load %.1f" % (
        R, F, D or "-", T, min(ts), p, p / min(ts), os.getloadavg()[0]), flush=True)
