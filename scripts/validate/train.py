#!/usr/bin/python3
"""Train the validation workloads with real frameworks and print their wall
times as JSON. Each case also carries the dlprobe estimate arguments that
describe the same workload, so table.py can ask dlprobe for its prediction."""
import argparse, json, os, sys, time

import numpy as np

ROWS, FEATS = 200000, 30


def timed(fn):
    fn(warm=True)            # library start-up, JIT, thread pools: not training
    t0 = time.perf_counter()
    fn(warm=False)
    return time.perf_counter() - t0


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
    return timed(run), ["--model", os.path.join(os.path.dirname(__file__), "small_cnn.json"),
                        "--samples", str(samples), "--epochs", str(epochs), "--batch", str(batch),
                        "--optimizer", "momentum", "--classical", "none"]


def xgb(X, y, trees=100, depth=6):
    import xgboost
    def run(warm):
        xgboost.XGBClassifier(n_estimators=2 if warm else trees, max_depth=depth, tree_method="hist",
                              max_bin=256, n_jobs=os.cpu_count()).fit(X, y)
    return timed(run), ["--model", "none", "--dataset", "tabular:%dx%d" % (ROWS, FEATS),
                        "--classical", "gbdt:trees=%d,depth=%d,bins=256" % (trees, depth)]


def forest(X, y, trees=20):
    from sklearn.ensemble import RandomForestClassifier
    def run(warm):
        RandomForestClassifier(n_estimators=1 if warm else trees, n_jobs=-1, random_state=0).fit(
            X[:20000] if warm else X, y[:20000] if warm else y)
    return timed(run), ["--model", "none", "--dataset", "tabular:%dx%d" % (ROWS, FEATS),
                        "--classical", "forest:trees=%d" % trees]


def logreg(X, y, it=100):
    from sklearn.linear_model import LogisticRegression
    def run(warm):
        # tol=0 so that lbfgs runs every iteration: the estimate counts iterations
        LogisticRegression(max_iter=5 if warm else it, tol=0).fit(X.astype(np.float64), y)
    return timed(run), ["--model", "none", "--dataset", "tabular:%dx%d" % (ROWS, FEATS),
                        "--classical", "logreg:iterations=%d" % it]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--blas", required=True)
    a = ap.parse_args()
    X, y = tabular()
    cases = []
    for name, fn in [("MLP 30-256-256-2, torch", lambda: torch_mlp(X, y)),
                     ("small CNN, torch", torch_cnn),
                     ("GBDT, xgboost hist", lambda: xgb(X, y)),
                     ("random forest, sklearn", lambda: forest(X, y)),
                     ("logistic regression, sklearn lbfgs", lambda: logreg(X, y))]:
        secs, args = fn()
        side = "classical" if "--model" in args and args[args.index("--model") + 1] == "none" else "deep"
        cases.append({"case": name, "blas": a.blas, "measured_s": secs, "side": side, "args": args})
        print("%s: %.3f s" % (name, secs), file=sys.stderr)
    json.dump({"coretype": os.environ.get("OPENBLAS_CORETYPE"), "cases": cases}, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
