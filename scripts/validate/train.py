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


def torch_mlp(X, y, epochs=2, batch=256):
    import torch
    torch.manual_seed(0)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def run(warm):
        m = torch.nn.Sequential(torch.nn.Linear(FEATS, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256),
                                torch.nn.ReLU(), torch.nn.Linear(256, 2))
        opt = torch.optim.Adam(m.parameters())
        n = 20 * batch if warm else len(Xt)
        for _ in range(1 if warm else epochs):
            for i in range(0, n, batch):
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(m(Xt[i:i + batch]), yt[i:i + batch])
                loss.backward()
                opt.step()
    return timed(run), ["--model", "mlp:%d,256,256,2" % FEATS, "--dataset", "tabular:%dx%d" % (ROWS, FEATS),
                        "--epochs", str(epochs), "--batch", str(batch), "--optimizer", "adam", "--classical", "none"]


def torch_cnn(epochs=1, batch=64, samples=5000):
    import torch
    torch.manual_seed(0)
    X = torch.randn(samples, 3, 32, 32)
    y = torch.randint(0, 10, (samples,))

    def run(warm):
        m = torch.nn.Sequential(
            torch.nn.Conv2d(3, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(32, 64, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Flatten(), torch.nn.Linear(64 * 8 * 8, 10))
        opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
        n = 4 * batch if warm else samples
        for i in range(0, n, batch):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(m(X[i:i + batch]), y[i:i + batch]).backward()
            opt.step()
    return timed(run), ["--model", os.path.join(os.path.dirname(os.path.abspath(__file__)), "small_cnn.json"),
                        "--samples", str(samples), "--epochs", str(epochs), "--batch", str(batch),
                        "--optimizer", "momentum", "--classical", "none"]


def xgb(X, y, trees=100, depth=6):
    import xgboost
    def run(warm):
        xgboost.XGBClassifier(n_estimators=2 if warm else trees, max_depth=depth, tree_method="hist",
                              max_bin=256, n_jobs=NCPU).fit(X, y)
    return timed(run), ["--model", "none", "--dataset", "tabular:%dx%d" % (ROWS, FEATS),
                        "--classical", "gbdt:trees=%d,depth=%d,bins=256" % (trees, depth)]


def forest(X, y, trees=20, depth=12):
    from sklearn.ensemble import RandomForestClassifier
    def run(warm):
        RandomForestClassifier(n_estimators=2 if warm else trees, max_depth=depth, n_jobs=NCPU,
                               random_state=0).fit(X[:20000] if warm else X, y[:20000] if warm else y)
    return timed(run), ["--model", "none", "--dataset", "tabular:%dx%d" % (ROWS, FEATS),
                        "--classical", "forest:trees=%d,depth=%d" % (trees, depth)]


def logreg(it=100, rows=1000000):
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
                                  ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--blas", required=True)
    ap.add_argument("--only", default="", help="comma-separated case keys (mlp,cnn,gbdt,forest,logreg)")
    a = ap.parse_args()
    info = framework_info()
    print("frameworks: %s" % json.dumps(info), file=sys.stderr)
    X, y = tabular()
    cases = []
    for key, name, fn in [("mlp", "MLP 30-256-256-2, torch", lambda: torch_mlp(X, y)),
                          ("cnn", "small CNN, torch", torch_cnn),
                          ("gbdt", "GBDT, xgboost hist", lambda: xgb(X, y)),
                          ("forest", "random forest, sklearn", lambda: forest(X, y)),
                          ("logreg", "logistic regression, sklearn lbfgs", logreg)]:
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
