#!/usr/bin/python3
"""Train the validation workloads with real frameworks and print their wall
times as JSON. Each case also carries the dlprobe estimate arguments that
describe the same workload, so table.py can ask dlprobe for its prediction.

Only the training loop is timed: data generation, imports, thread-pool
start-up and a short untimed warm-up run (first-call allocations, oneDNN
primitive creation) are outside the clock. Each case is timed REPEAT times
and the median is reported.

Threads: xgboost and scikit-learn get n_jobs = the effective CPU count
(sched_getaffinity), which is what dlprobe's estimate assumes. torch keeps its
own default intra-op thread count unless VALIDATE_TORCH_THREADS=all (the
"fixed" run): Debian's torch 1.13 defaults to ONE thread on the CI machine,
and its GEMMs go to the system OpenBLAS (BLAS_INFO=generic), whose own
pthreads pool spins against torch's OpenMP pool when both use every core
(validate.sh sets OMP_WAIT_POLICY=PASSIVE for the fixed run)."""
import argparse, json, os, statistics, sys, time

import numpy as np

ROWS, FEATS = 200000, 30
NCPU = len(os.sched_getaffinity(0))
REPEAT = int(os.environ.get("VALIDATE_REPEAT", "3"))
# "default": torch's own intra-op thread count (as configured); "all": NCPU
TORCH_THREADS = os.environ.get("VALIDATE_TORCH_THREADS", "default")


def timed(fn):
    fn(warm=True)            # library start-up, JIT, thread pools: not training
    ts = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        fn(warm=False)
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), ts


def tabular():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((ROWS, FEATS)).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 1] * X[:, 2] + 0.1 * rng.standard_normal(ROWS) > 0).astype(np.int64)
    return X, y


def torch_mlp(X, y, hidden, rows, epochs=1, batch=256):
    import torch
    torch.manual_seed(0)
    Xt, yt = torch.from_numpy(X[:rows]), torch.from_numpy(y[:rows])
    widths = [FEATS] + list(hidden) + [2]

    def run(warm):
        layers = []
        for a, b in zip(widths[:-1], widths[1:]):
            layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
        m = torch.nn.Sequential(*layers[:-1])
        opt = torch.optim.Adam(m.parameters())
        n = 20 * batch if warm else len(Xt)
        for _ in range(1 if warm else epochs):
            for i in range(0, n, batch):
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(m(Xt[i:i + batch]), yt[i:i + batch])
                loss.backward()
                opt.step()
    return timed(run), ["--model", "mlp:" + ",".join(map(str, widths)), "--dataset", "tabular:%dx%d" % (rows, FEATS),
                        "--epochs", str(epochs), "--batch", str(batch), "--optimizer", "adam", "--classical", "none"]


def cnn_layers(spec):
    """torch layers for a dlprobe model file (conv/relu/maxpool/flatten/dense)."""
    import torch
    c, h, w = spec["input"]
    out = []
    for l in spec["layers"]:
        if l["op"] == "conv":
            out.append(torch.nn.Conv2d(c, l["out"], l["k"], padding=l.get("pad", 0), bias=l.get("bias", True)))
            c = l["out"]
        elif l["op"] == "relu":
            out.append(torch.nn.ReLU())
        elif l["op"] == "maxpool":
            out.append(torch.nn.MaxPool2d(l["k"]))
            h, w = h // l["k"], w // l["k"]
        elif l["op"] == "flatten":
            out.append(torch.nn.Flatten())
        elif l["op"] == "dense":
            n = spec["classes"] if l["out"] == "classes" else l["out"]
            out.append(torch.nn.Linear(c * h * w, n))
            c, h, w = n, 1, 1
        else:
            raise ValueError("train.py: layer %s not mirrored" % l["op"])
    return out


def torch_cnn(model_file, samples, epochs=1, batch=64):
    import torch
    torch.manual_seed(0)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), model_file)
    spec = json.load(open(path))
    X = torch.randn(samples, *spec["input"])
    y = torch.randint(0, spec["classes"], (samples,))

    def run(warm):
        m = torch.nn.Sequential(*cnn_layers(spec))
        opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
        n = 4 * batch if warm else samples
        for i in range(0, n, batch):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(m(X[i:i + batch]), y[i:i + batch]).backward()
            opt.step()
    return timed(run), ["--model", path, "--samples", str(samples), "--epochs", str(epochs), "--batch", str(batch),
                        "--optimizer", "momentum", "--classical", "none"]


def xgb(X, y, trees=100, depth=6, rows=ROWS, feats=FEATS):
    import xgboost
    X, y = np.ascontiguousarray(X[:rows, :feats]), y[:rows]

    def run(warm):
        xgboost.XGBClassifier(n_estimators=2 if warm else trees, max_depth=depth, tree_method="hist",
                              max_bin=256, n_jobs=NCPU).fit(X, y)
    return timed(run), ["--model", "none", "--dataset", "tabular:%dx%d" % (rows, feats),
                        "--classical", "gbdt:trees=%d,depth=%d,bins=256" % (trees, depth)]


def forest(X, y, trees=10, depth=12, rows=100000):
    from sklearn.ensemble import RandomForestClassifier
    X, y = X[:rows], y[:rows]

    def run(warm):
        RandomForestClassifier(n_estimators=2 if warm else trees, max_depth=depth, n_jobs=NCPU,
                               random_state=0).fit(X[:20000] if warm else X, y[:20000] if warm else y)
    return timed(run), ["--model", "none", "--dataset", "tabular:%dx%d" % (rows, FEATS),
                        "--classical", "forest:trees=%d,depth=%d" % (trees, depth)]


def logreg(it=100, rows=500000):
    from sklearn.linear_model import LogisticRegression
    import warnings
    warnings.filterwarnings("ignore")   # ConvergenceWarning: max_iter reached on purpose
    rng = np.random.default_rng(2)
    X64 = rng.standard_normal((rows, FEATS))   # float64, as sklearn's lbfgs works on it
    y = (X64 @ rng.standard_normal(FEATS) + rng.standard_normal(rows) > 0).astype(np.int64)
    from sklearn.linear_model import _linear_loss
    orig = _linear_loss.LinearModelLoss.loss_gradient
    evals = [0]

    def counted(self, *a, **k):   # one loss + gradient evaluation (X w and X^T r)
        evals[0] += 1
        return orig(self, *a, **k)
    _linear_loss.LinearModelLoss.loss_gradient = counted

    def run(warm):
        # tol=0: lbfgs stops on max_iter or when scipy's own ftol criterion
        # fires; the loss/gradient evaluations it really made (iterations
        # plus line-search retries) are passed to the estimate as its
        # "iterations": each one is the work the model counts
        evals[0] = 0
        m = LogisticRegression(max_iter=5 if warm else it, tol=0).fit(X64[:20000] if warm else X64,
                                                                       y[:20000] if warm else y)
        if not warm:
            run.n_iter, run.evals = int(m.n_iter_[0]), evals[0]
    run.n_iter = run.evals = 0
    r = timed(run)
    _linear_loss.LinearModelLoss.loss_gradient = orig
    print("logreg: lbfgs n_iter_ %d, loss/gradient evaluations %d" % (run.n_iter, run.evals), file=sys.stderr)
    return r, ["--model", "none", "--dataset", "tabular:%dx%d" % (rows, FEATS),
               "--classical", "logreg:iterations=%d" % run.evals]


def framework_info():
    info = {"ncpu": NCPU, "env": {k: os.environ.get(k) for k in
                                  ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "DLPROBE_CPU_ISA",
                                   "ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA",
                                   "OMP_NUM_THREADS", "OMP_WAIT_POLICY", "VALIDATE_TORCH_THREADS")}}
    import torch, sklearn, xgboost, scipy
    info["versions"] = {"torch": torch.__version__, "sklearn": sklearn.__version__,
                        "xgboost": xgboost.__version__, "numpy": np.__version__, "scipy": scipy.__version__}
    info["torch_default_threads"] = torch.get_num_threads()
    if TORCH_THREADS == "all":
        torch.set_num_threads(NCPU)
    info["torch_threads"] = torch.get_num_threads()
    cfg = torch.__config__.show()
    info["torch_blas_info"] = [s.strip() for s in cfg.replace(",", "\n").splitlines() if "BLAS_INFO" in s
                               or "MKL-DNN" in s or "CPU capability" in s]
    info["torch_mkldnn"] = bool(torch.backends.mkldnn.is_available())
    # which convolution and matmul kernels torch really calls
    try:
        from torch.profiler import profile
        conv = torch.nn.Conv2d(3, 32, 3, padding=1)
        lin = torch.nn.Linear(256, 256)
        with profile() as prof:
            conv(torch.randn(64, 3, 32, 32)).sum().backward()
            lin(torch.randn(256, 256)).sum().backward()
        names = sorted({e.key for e in prof.key_averages()
                        if any(w in e.key for w in ("conv", "mkldnn", "addmm", "mm"))})
        info["torch_ops"] = names
    except Exception as e:   # profiler missing: record why
        info["torch_ops"] = ["profiler failed: %s" % e]
    try:
        from threadpoolctl import threadpool_info
        info["threadpools"] = [{k: p.get(k) for k in ("internal_api", "filepath", "num_threads",
                                                      "architecture", "version")}
                               for p in threadpool_info()]
    except ImportError:
        info["threadpools"] = None
    return info


def CASES(X, y):
    """The validation cases: each a few seconds on a 2-CPU Zen 3. Not the
    workloads calibrate.py measures (tiny width-8 MLPs, one 100,000 x 16
    decision tree, a loss call on 200,000 rows, a 32x16x64x64 pool)."""
    return [
        ("mlp_s", "MLP 30-64-2, torch", lambda: torch_mlp(X, y, [64], ROWS, epochs=2, batch=128)),
        ("mlp", "MLP 30-256-256-2, torch", lambda: torch_mlp(X, y, [256, 256], ROWS)),
        ("mlp_deep", "MLP 30-128x4-2, torch", lambda: torch_mlp(X, y, [128] * 4, ROWS)),
        ("mlp_wide", "MLP 30-1024-1024-2, torch", lambda: torch_mlp(X, y, [1024, 1024], 20000, batch=512)),
        ("cnn", "small CNN 2 conv, torch", lambda: torch_cnn("small_cnn.json", 2000)),
        ("cnn3", "CNN 3 conv 16-32-64, torch", lambda: torch_cnn("cnn3.json", 1500)),
        ("gbdt", "GBDT 200000x30 50 trees d6, xgboost hist", lambda: xgb(X, y, 50, 6)),
        ("gbdt2", "GBDT 100000x10 50 trees d8, xgboost hist", lambda: xgb(X, y, 50, 8, 100000, 10)),
        ("forest", "random forest 100000x30 4 trees d12, sklearn", lambda: forest(X, y, 4)),
        ("logreg", "logistic regression 500000x30, sklearn lbfgs", logreg),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--blas", required=True)
    ap.add_argument("--only", default="", help="comma-separated case keys (see CASES)")
    a = ap.parse_args()
    info = framework_info()
    print("frameworks: %s" % json.dumps(info), file=sys.stderr)
    X, y = tabular()
    cases = []
    for key, name, fn in CASES(X, y):
        if a.only and key not in a.only.split(","):
            continue
        (secs, all_s), args = fn()
        side = "classical" if args[args.index("--model") + 1] == "none" else "deep"
        cases.append({"case": name, "key": key, "blas": a.blas, "measured_s": secs, "runs_s": all_s,
                      "side": side, "args": args})
        print("%s: %.3f s (runs %s)" % (name, secs, " ".join("%.3f" % t for t in all_s)), file=sys.stderr)
    json.dump({"blas": a.blas, "framework": info, "cases": cases}, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
