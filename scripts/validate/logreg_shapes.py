#!/usr/bin/python3
"""The logistic regression model's cost per loss/gradient evaluation against
scikit-learn 1.2's lbfgs, on shapes that are NOT validation cases (make
validate fits 500000x30).

usage: logreg_shapes.py DLPROBE OUT_PREFIX [DLPROBE_BEFORE]

Per evaluation = (fit of 40 iterations - fit of 10) / (evaluations made in
the one - in the other), the fastest of three fits each, so that the one-off
work of a fit (input checks, the label encoding) does not count; predicted
the same way from `dlprobe estimate --classical logreg:iterations=E` on a
bench document of DLPROBE (and of DLPROBE_BEFORE when given), each result
the fastest of three `bench --quick` runs. Threads: as the process is
allowed (run it under taskset -c 0 for one CPU; the bench then runs there
too); on one CPU scikit-learn's time is the CPU time its process used, so
that other processes sharing the CPU do not count. Say the load with any
figure."""
import json, os, subprocess, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_best import best_of  # noqa: E402
BIN, OUT = sys.argv[1], sys.argv[2]
BIN_OLD = sys.argv[3] if len(sys.argv) > 3 else None
SHAPES = [(50000, 20), (200000, 10), (100000, 60), (1000000, 8), (20000, 200)]
CODE = r'''
import numpy as np, sys, json, os, time, resource, warnings
from sklearn.linear_model import LogisticRegression, _linear_loss
warnings.filterwarnings("ignore")
R, F = map(int, sys.argv[1:3])
N = len(os.sched_getaffinity(0))
rng = np.random.default_rng(7)
X = rng.standard_normal((R, F))
y = (X @ rng.standard_normal(F) + rng.standard_normal(R) > 0).astype(np.int64)
# columns on scales 1..100, as unscaled real features are: lbfgs then runs
# its 40 iterations rather than stopping on its loss criterion after ~15
X *= np.logspace(0, 2, F)
orig = _linear_loss.LinearModelLoss.loss_gradient
ev = [0]
def counted(self, *a, **k):
    ev[0] += 1
    return orig(self, *a, **k)
_linear_loss.LinearModelLoss.loss_gradient = counted
def clock():
    if N > 1:
        return time.perf_counter()
    r = resource.getrusage(resource.RUSAGE_SELF); return r.ru_utime + r.ru_stime
LogisticRegression(max_iter=3, tol=0).fit(X[:2000], y[:2000])
out = {}
for it in (10, 40, 10, 40, 10, 40):
    ev[0] = 0
    t0 = clock()
    LogisticRegression(max_iter=it, tol=0).fit(X, y)
    t = clock() - t0
    if it not in out or t < out[it][0]:
        out[it] = (t, ev[0])
print(json.dumps(out))
'''


def predict(binary, doc, R, F, E):
    o = json.loads(subprocess.run([binary, "estimate", "--hw", doc, "--model", "none", "--dataset",
                                   "tabular:%dx%d" % (R, F), "--classical", "logreg:iterations=%d" % E, "--json"],
                                  check=True, capture_output=True, text=True).stdout)
    c = o["estimates"][0]["classical"]
    return c["train_s"]["expected"], c["detail"]["terms_s"]


docs = [(BIN, OUT + ".bench.json")] + ([(BIN_OLD, OUT + ".bench_old.json")] if BIN_OLD else [])
for b, path in docs:
    best_of(b, path, args=("--quick",))
print("cpus %d, load %.1f" % (len(os.sched_getaffinity(0)), os.getloadavg()[0]), flush=True)
for R, F in SHAPES:
    o = json.loads(subprocess.run(["/usr/bin/python3", "-c", CODE, str(R), str(F)], check=True,
                                  capture_output=True, text=True).stdout)
    (t10, e10), (t40, e40) = o["10"], o["40"]
    per = (t40 - t10) / (e40 - e10)
    line = "%7dx%-3d per evaluation: sklearn %.3f ms (%d-%d evaluations)" % (R, F, per * 1e3, e10, e40)
    for b, path in docs:
        p10, _ = predict(b, path, R, F, e10)
        p40, terms = predict(b, path, R, F, e40)
        pp = (p40 - p10) / (e40 - e10)
        line += "; %s %.3f ms (%.2fx; %s)" % ("after" if path == docs[0][1] else "before", pp * 1e3, pp / per,
                                              ", ".join("%s %.0f%%" % (k, 100 * v / p40) for k, v in terms.items()))
    print(line + "; load %.1f" % os.getloadavg()[0], flush=True)
