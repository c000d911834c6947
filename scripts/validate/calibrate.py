#!/usr/bin/python3
"""Separate micro-measurements for the estimator constants in
data/instances.json `assumptions`. They use workloads that are NOT the
validation cases (other sizes, one tree, tiny nets).

The classical models no longer need two of them: dlprobe bench measures the
classical kernels on the target itself (hist_gathered, row_partition,
bin_sketch, cart_split, logistic_loss, linear_pass), and the estimator uses
those rates. The CART sort comparison and the per-row loss below remain the
fallback for bench documents without those kernels (older documents,
catalog instances), where the estimate names them in
detail.assumed_constants; the pool window and the per-op overhead are still
used as before.

 - cpu_op_overhead_s: PyTorch eager per-operator dispatch cost on a CPU.
   Tiny MLPs (width 8, batch 8: compute is negligible) of 1..4 hidden layers
   with SGD, momentum and Adam; step time divided by the number of framework
   ops dlprobe counts for that step (estimate ... step_breakdown_low_s.
   ops_per_step); the median over the nine nets.
 - cart_sort_comparison_cost_histogram_updates: one scikit-learn
   DecisionTreeClassifier (max_features=sqrt, depth 10, 100,000 x 16 rows,
   one thread); its sort comparisons counted as classical.c counts them
   (mtry x rows x sum over levels of log2(node rows)); seconds per comparison
   x the bench's one-thread histogram rate.

 - loss_eval_cost_histogram_updates: scikit-learn's HalfBinomialLoss
   loss_gradient (one exp/log1p per row, one thread) on 200,000 rows; seconds
   per row x the one-thread histogram rate.
 - cart_split_entropy_bits: how evenly scikit-learn's best Gini split divides
   a node (the forest model from the cart_split kernel uses it): forests of
   3 trees (max_features=sqrt, bootstrap) at 50,000 x 16, depth 10, on three
   targets that are not the validation data (a noisy linear threshold, an
   XOR, make_classification); per target the binary entropy of the larger
   child's share, averaged over internal nodes weighted by their rows; the
   median over the targets.
 - gbdt_min_split_rows: the node size about which xgboost 1.7 hist (defaults,
   50 trees, max_bin 256) stops splitting: its evaluated nodes per tree (the
   root and both children of every split above the last level) on three
   targets that are not the validation data (20% flipped labels, a linear
   threshold on every feature, a mostly-noise label) at 20,000 x 10 depth
   10, 10,000 x 30 depth 8 and 50,000 x 20 depth 7; the value whose model
   (estimator/classical_measured.c, gbdt_evaluated_nodes, with the split
   balance in data/instances.json) fits the mean over the targets best in
   log terms, searched in 1/16 steps of log2. Its JSON also gives each
   target's share, make validate's target and the 100,000 x 10 depth 8
   validation shape beside (reported, not fitted).
 - pool_window_cost_histogram_updates: torch's CPU max_pool2d (2x2, stride 2)
   on a 32x16x64x64 tensor, one thread; seconds per window element x the
   one-thread histogram rate.

Prints JSON. The values compiled into dlprobe are the ones in
data/instances.json; validate.sh prints both so that drift shows."""
import argparse, json, math, os, statistics, subprocess, sys, time

import numpy as np


def torch_overhead(binary, bench):
    import torch   # torch's default thread count: per-op cost, not throughput
    pts = []
    for opt in ("sgd", "momentum", "adam"):
        for hidden in (1, 2, 4):
            widths = [8] * (hidden + 1) + [2]
            layers = []
            for a, b in zip(widths[:-1], widths[1:]):
                layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
            m = torch.nn.Sequential(*layers[:-1])
            o = (torch.optim.Adam(m.parameters()) if opt == "adam" else
                 torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9 if opt == "momentum" else 0))
            X, y = torch.randn(160, 8), torch.randint(0, 2, (160,))

            def step(i):
                j = (i % 20) * 8
                o.zero_grad()
                torch.nn.functional.cross_entropy(m(X[j:j + 8]), y[j:j + 8]).backward()
                o.step()
            for i in range(50):
                step(i)
            reps = []
            for _ in range(3):
                t0 = time.perf_counter()
                for i in range(400):
                    step(i)
                reps.append((time.perf_counter() - t0) / 400)
            spec = "mlp:" + ",".join(map(str, widths))
            out = subprocess.run([binary, "estimate", "--hw", bench, "--json", "-q", "--model", spec,
                                  "--samples", "8", "--batch", "8", "--optimizer", opt, "--classical", "none"],
                                 check=True, capture_output=True, text=True).stdout
            ops = json.loads(out)["estimates"][0]["deep"]["step_breakdown_low_s"]["ops_per_step"]
            pts.append({"model": spec, "optimizer": opt, "ops": ops, "step_s": statistics.median(reps)})
    # median of seconds per op over the nets: robust to one disturbed point
    return {"value": statistics.median(p["step_s"] / p["ops"] for p in pts), "points": pts}


def hist_1t(bench):
    hist1 = 0
    for be in json.load(open(bench))["bench"]["backends"]:
        for dev in be["devices"]:
            for r in dev.get("results") or []:
                if r.get("kernel") == "histogram" and r.get("threads") == 1 and r.get("status") == "ok":
                    hist1 = max(hist1, r["rate_gupdates_per_s"])
    return hist1


def loss_eval_cost(bench):
    from sklearn._loss.loss import HalfBinomialLoss
    hist1, rows = hist_1t(bench), 200000
    rng = np.random.default_rng(3)
    y = (rng.random(rows) > 0.5).astype(np.float64)
    raw = rng.standard_normal(rows)
    loss = HalfBinomialLoss()
    loss.loss_gradient(y_true=y, raw_prediction=raw)
    reps = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(10):
            loss.loss_gradient(y_true=y, raw_prediction=raw)
        reps.append((time.perf_counter() - t0) / 10)
    s = statistics.median(reps)
    return {"value": s / rows * hist1 * 1e9, "seconds_per_row": s / rows, "rows": rows,
            "histogram_1t_gupdates_per_s": hist1}


def pool_cost(bench):
    import torch
    torch.set_num_threads(1)
    hist1 = hist_1t(bench)
    x = torch.randn(32, 16, 64, 64)   # 2M elements, 2x2 windows: not a validation shape
    f = torch.nn.functional.max_pool2d
    f(x, 2)
    reps = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(10):
            f(x, 2)
        reps.append((time.perf_counter() - t0) / 10)
    s = statistics.median(reps)
    window = x.numel()   # 2x2 windows, stride 2: every input element once
    return {"value": s / window * hist1 * 1e9, "seconds_per_window_element": s / window,
            "histogram_1t_gupdates_per_s": hist1}


def cart_sort_cost(bench):
    from sklearn.tree import DecisionTreeClassifier
    hist1 = hist_1t(bench)
    rows, feats, depth = 100000, 16, 10
    rng = np.random.default_rng(1)
    X = rng.standard_normal((rows, feats)).astype(np.float32)
    y = (X[:, 0] - X[:, 3] * X[:, 5] + 0.3 * rng.standard_normal(rows) > 0).astype(np.int64)
    DecisionTreeClassifier(max_features="sqrt", max_depth=depth, random_state=0).fit(X[:5000], y[:5000])
    reps = []
    for _ in range(3):
        t0 = time.perf_counter()
        DecisionTreeClassifier(max_features="sqrt", max_depth=depth, random_state=0).fit(X, y)
        reps.append(time.perf_counter() - t0)
    mtry = max(1, math.floor(math.sqrt(feats)))
    cmp = sum(mtry * rows * max(1, math.log2(rows / 2 ** l)) for l in range(depth))
    s = statistics.median(reps)
    return {"value": s / cmp * hist1 * 1e9, "seconds": s, "comparisons": cmp,
            "histogram_1t_gupdates_per_s": hist1, "rows": rows, "features": feats, "depth": depth}


def split_entropy_bits():
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier
    rows, feats, depth = 50000, 16, 10
    rng = np.random.default_rng(7)
    X = rng.standard_normal((rows, feats)).astype(np.float32)
    Xm, ym = make_classification(rows, feats, n_informative=feats // 2, random_state=1)
    targets = {"linear": (X, (X[:, :3].sum(1) + rng.standard_normal(rows) > 0).astype(np.int64)),
               "xor": (X, ((X[:, 1] > 0) ^ (X[:, 4] > 0.3)).astype(np.int64)),
               "make_classification": (Xm.astype(np.float32), ym)}
    bits = {}
    for name, (Xt, yt) in targets.items():
        m = RandomForestClassifier(n_estimators=3, max_depth=depth, random_state=0).fit(Xt, yt)
        h = []
        for e in m.estimators_:
            t = e.tree_
            inner = t.children_left != -1
            n = t.n_node_samples[inner].astype(float)
            p = np.clip(t.n_node_samples[t.children_left[inner]] / n, 1e-12, 1 - 1e-12)
            h.append(np.sum(n * -(p * np.log2(p) + (1 - p) * np.log2(1 - p))) / np.sum(n))
        bits[name] = float(np.mean(h))
    return {"value": statistics.median(bits.values()), "per_target": bits, "rows": rows, "features": feats,
            "depth": depth}


GBDT_RAMP_LOG2 = 2.0   # estimator/classical_measured.c GBDT_SPLIT_RAMP_LOG2


def gbdt_nodes_model(rows, depth, bits, min_rows):
    """estimator/classical_measured.c gbdt_evaluated_nodes, as a fraction of
    the full trees' 2^depth - 1."""
    lo, hi = 0.0, 0.5
    for _ in range(60):
        m = (lo + hi) / 2
        if -(m * math.log2(m) + (1 - m) * math.log2(1 - m)) < bits:
            lo = m
        else:
            hi = m
    q, cls, nodes = (lo + hi) / 2, {0: 1.0}, 1.0
    for lv in range(depth - 1):
        nxt = {}
        for i, cnt in cls.items():
            size = rows * q ** i * (1 - q) ** (lv - i)
            split = cnt * min(1, max(0, 0.5 + math.log2(size / min_rows) / GBDT_RAMP_LOG2))
            nodes += 2 * split
            nxt[i] = nxt.get(i, 0) + split
            nxt[i + 1] = nxt.get(i + 1, 0) + split
        cls = nxt
    return nodes / (2 ** depth - 1)


FIT_TARGETS = ("noisy", "linear", "hard")
FIT_SHAPES = [(20000, 10, 10), (10000, 30, 8), (50000, 20, 7)]


def xgb_node_share(rows, feats, depth, target):
    """xgboost 1.7 hist's evaluated nodes per tree (the root and both
    children of every split above the last level) over 2^depth - 1, 50
    trees. Targets: 20% flipped labels, a linear threshold on every
    feature, a mostly-noise label, and make validate's ("validate")."""
    import xgboost
    rng = np.random.default_rng(0)
    X = rng.standard_normal((rows, feats)).astype(np.float32)
    if target == "noisy":
        y = (X[:, 0] + 0.5 * X[:, 1] * X[:, 2] > 0) ^ (rng.random(rows) < 0.2)
    elif target == "linear":
        y = X @ rng.standard_normal(feats) + rng.standard_normal(rows) > 0
    elif target == "hard":
        y = X[:, 0] + 3 * rng.standard_normal(rows) > 0
    else:
        y = X[:, 0] + 0.5 * X[:, 1] * X[:, 2] + 0.1 * rng.standard_normal(rows) > 0
    m = xgboost.XGBClassifier(n_estimators=50, max_depth=depth, tree_method="hist", max_bin=256,
                              n_jobs=len(os.sched_getaffinity(0))).fit(X, y.astype(np.int64))
    ev = []
    for t in m.get_booster().get_dump(dump_format="json"):
        split = [0] * depth

        def walk(n, d):
            if "children" in n:
                split[d] += 1
                for ch in n["children"]:
                    walk(ch, d + 1)
        walk(json.loads(t), 0)
        ev.append(1 + 2 * sum(split[:depth - 1]))
    return float(np.mean(ev)) / (2 ** depth - 1)


def gbdt_min_split_rows():
    """Fitted on FIT_TARGETS at FIT_SHAPES (mean share over the targets);
    make validate's target, and its 100000 x 10 depth 8 shape, are
    reported beside, not fitted."""
    bits = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data",
                                       "instances.json")))["assumptions"]["cart_split_entropy_bits"]["value"]
    per, fit = {}, {}
    for rows, feats, depth in FIT_SHAPES + [(100000, 10, 8)]:
        name = "%dx%d d%d" % (rows, feats, depth)
        per[name] = {t: round(xgb_node_share(rows, feats, depth, t), 3) for t in FIT_TARGETS + ("validate",)}
        if (rows, feats, depth) in FIT_SHAPES:
            fit[name] = (rows, depth, float(np.mean([per[name][t] for t in FIT_TARGETS])))
    best = min((sum((math.log(gbdt_nodes_model(r, d, bits, 2 ** (k / 16))) - math.log(f)) ** 2
                    for r, d, f in fit.values()), 2 ** (k / 16)) for k in range(16, 160))
    model = {n: round(gbdt_nodes_model(int(n.split("x")[0]), int(n.split("d")[-1]), bits, best[1]), 3) for n in per}
    return {"value": round(best[1], 1), "measured_share_by_target": per, "model_share": model,
            "fitted_on": sorted(fit), "split_entropy_bits": bits}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--bench", required=True)
    a = ap.parse_args()
    res = {"cpu_op_overhead_s": torch_overhead(a.bin, a.bench),
           "cart_sort_comparison_cost_histogram_updates": cart_sort_cost(a.bench),
           "loss_eval_cost_histogram_updates": loss_eval_cost(a.bench),
           "cart_split_entropy_bits": split_entropy_bits(),
           "gbdt_min_split_rows": gbdt_min_split_rows(),
           "pool_window_cost_histogram_updates": pool_cost(a.bench)}
    json.dump(res, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
