# dlprobe's framework probe (kernels/framework.c runs it in a child python
# with a time limit): what the installed frameworks really do on this
# machine, as configured. Prints one JSON object. Every phase checks the
# deadline (DLPROBE_FW_BUDGET_S) and is skipped, with the reason, past it.
import json
import os
import sys
import time

T0 = time.perf_counter()
BUDGET = float(os.environ.get("DLPROBE_FW_BUDGET_S", "7"))
out = {"python": sys.version.split()[0], "executable": sys.executable, "frameworks": {}, "findings": []}
try:
    CPUS = len(os.sched_getaffinity(0))
except AttributeError:
    CPUS = os.cpu_count() or 1
out["cpus_allowed"] = CPUS


def left():
    return BUDGET - (time.perf_counter() - T0)


def try_import(name):
    try:
        return __import__(name), None
    except Exception as e:  # ImportError, or a broken install
        return None, "%s: %s" % (type(e).__name__, str(e)[:200])


def best_of(fn, reps, max_s):
    """The fastest of up to reps calls (preempted calls measure other work)."""
    fn()
    best, t_end = float("inf"), time.perf_counter() + max_s
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
        if time.perf_counter() > t_end:
            break
    return best


def threadpools():
    tp, why = try_import("threadpoolctl")
    if not tp:
        return {"status": "unavailable", "reason": why}
    pools = []
    for p in tp.threadpool_info():
        pools.append({k: p.get(k) for k in ("user_api", "internal_api", "num_threads", "version",
                                             "architecture", "threading_layer", "filepath")})
    return {"status": "ok", "pools": pools}


def probe_torch(fw):
    torch, why = try_import("torch")
    if not torch:
        fw["torch"] = {"status": "unavailable", "reason": why}
        return None
    t = {"status": "ok", "version": torch.__version__, "threads": torch.get_num_threads(),
         "interop_threads": torch.get_num_interop_threads()}
    cfg = torch.__config__.show()
    t["blas_info"] = next((l.strip() for l in cfg.replace(",", "\n").splitlines() if "BLAS_INFO" in l), None)
    t["cpu_capability"] = next((l.split(":", 1)[1].strip() for l in cfg.splitlines()
                                if "CPU capability usage" in l), None)
    t["parallel_info"] = torch.__config__.parallel_info()[:1500]
    fw["torch"] = t
    x = torch.zeros(8)

    def adds(n=200):
        for _ in range(n):
            x.add_(1.0)
    # the fastest of ten batches: a mean over all of them counts the other
    # work of a busy machine as dispatch (7.5 us against 2.9 us here at load 4.7)
    t["op_dispatch_s"] = best_of(adds, 10, 0.5) / 200
    gemms = []
    for (m, nn, k) in ((256, 256, 256), (1024, 1024, 1024), (256, 1024, 4096)):
        if left() < 1.5:
            gemms.append({"m": m, "n": nn, "k": k, "status": "skipped", "reason": "framework probe budget spent"})
            continue
        a, b = torch.randn(m, k), torch.randn(k, nn)
        c = a @ b
        ref = (a[:4].double() @ b.double())
        err = float(((c[:4].double() - ref).abs().max() / ref.abs().max()).item())
        s = best_of(lambda: torch.mm(a, b), 10, min(0.5, left() / 4))
        gemms.append({"m": m, "n": nn, "k": k, "status": "ok" if err < 1e-4 else "error",
                      "max_rel_err": err, "rate_gflops": 2.0 * m * nn * k / s * 1e-9})
    t["gemm"] = gemms
    if left() > 1.5:
        # The reference training step the estimator derives the framework's
        # per-step cost from (estimator/fw_reference.c): an MLP so narrow
        # that its arithmetic is a few per cent of the step (the rest is
        # operator dispatch, autograd and the optimizer's per-tensor loop),
        # with the Linear/ReLU/cross-entropy/Adam operators of a tabular
        # model, and on purpose none of make validate's cases
        # (scripts/validate/train.py): nothing is fitted to them.
        model = torch.nn.Sequential(torch.nn.Linear(16, 48), torch.nn.ReLU(), torch.nn.Linear(48, 48),
                                    torch.nn.ReLU(), torch.nn.Linear(48, 3))
        opt = torch.optim.Adam(model.parameters())
        xb, yb = torch.randn(64, 16), torch.randint(0, 3, (64,))
        lossf = torch.nn.CrossEntropyLoss()

        def step():
            opt.zero_grad()
            lossf(model(xb), yb).backward()
            opt.step()
        for _ in range(3):
            step()
        t["mlp_step"] = {"model": "mlp:16,48,48,3", "batch": 64, "optimizer": "adam",
                         "step_s": best_of(step, 50, min(0.5, left() / 4))}
    if left() > 1.5:
        t["pool"] = probe_pool(torch)
    return torch


def probe_pool(torch):
    """max_pool2d 2x2/2 forward and backward, as a CNN's training step runs
    it on torch's own threads: seconds per input (window) element. Checked
    against the same pooling computed by reshaping, before its time counts."""
    n, c, h = 16, 32, 64
    x = torch.randn(n, c, h, h, requires_grad=True)
    y = torch.nn.functional.max_pool2d(x, 2)
    ref = x.detach().reshape(n, c, h // 2, 2, h // 2, 2).amax(dim=(3, 5))
    err = float((y.detach() - ref).abs().max().item())
    g = torch.ones_like(y)

    def fwd_bwd():
        x.grad = None
        torch.nn.functional.max_pool2d(x, 2).backward(g)
    s = best_of(fwd_bwd, 10, min(0.5, left() / 4))
    # every window passes its gradient to exactly one input element
    grad_ok = abs(float(x.grad.sum().item()) - y.numel()) < 0.5
    return {"shape": [n, c, h, h], "kernel": 2, "stride": 2, "threads": torch.get_num_threads(),
            "status": "ok" if err == 0 and grad_ok else "error", "max_abs_err": err,
            "fwd_bwd_s": s, "s_per_window_elem": s / x.numel()}


def probe_xgboost(fw):
    xgb, why = try_import("xgboost")
    if not xgb:
        fw["xgboost"] = {"status": "unavailable", "reason": why}
        return
    x = {"status": "ok", "version": xgb.__version__}
    fw["xgboost"] = x
    if left() < 1.5:
        x["hist_fit"] = {"status": "skipped", "reason": "framework probe budget spent"}
        return
    np, why = try_import("numpy")
    rng = np.random.default_rng(0)
    rows, feats, trees, depth = 20000, 30, 20, 6
    X = rng.standard_normal((rows, feats), dtype=np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.float32)
    d = xgb.DMatrix(X, label=y)
    params = {"tree_method": "hist", "max_depth": depth, "max_bin": 256, "objective": "binary:logistic",
              "nthread": CPUS}
    t0 = time.perf_counter()
    xgb.train(params, d, num_boost_round=trees)
    x["hist_fit"] = {"status": "ok", "rows": rows, "features": feats, "trees": trees, "depth": depth,
                     "bins": 256, "nthread": CPUS, "fit_s": time.perf_counter() - t0}


def probe_simple(fw, name, module):
    m, why = try_import(module)
    fw[name] = {"status": "ok", "version": getattr(m, "__version__", None)} if m else \
        {"status": "unavailable", "reason": why}


def findings(fw, pools):
    f = out["findings"]
    t = fw.get("torch", {})
    blas = [p for p in pools.get("pools", []) if p.get("user_api") == "blas"]
    omp = [p for p in pools.get("pools", []) if p.get("user_api") == "openmp"]
    if t.get("status") == "ok":
        if t["threads"] == 1 and CPUS > 1:
            f.append({"finding": "one_thread", "detail": "torch runs %d intra-op thread where %d CPUs are allowed"
                      % (t["threads"], CPUS)})
        for b in blas:
            if (b.get("num_threads") or 0) > 1 and t["threads"] > 1 and \
                    (b.get("num_threads") or 0) * t["threads"] > CPUS and b.get("threading_layer") != "openmp":
                f.append({"finding": "oversubscription",
                          "detail": "torch's %d OpenMP threads and %s's %d %s threads share %d CPUs"
                          % (t["threads"], b.get("internal_api"), b["num_threads"], b.get("threading_layer"), CPUS)})
    isa = os.environ.get("DLPROBE_CPU_ISA_BEST", "")
    below = {"avx512": ("Haswell", "Zen", "SandyBridge", "Sandybridge", "Nehalem", "Prescott", "generic"),
             "avx2": ("SandyBridge", "Sandybridge", "Nehalem", "Prescott", "generic")}
    for b in blas:
        arch = b.get("architecture") or ""
        if isa in below and any(arch.lower() == a.lower() for a in below[isa]):
            f.append({"finding": "blas_below_hardware", "detail": "%s runs %s kernels on a CPU with %s"
                      % (b.get("internal_api"), arch, isa)})


fw = out["frameworks"]
pools = threadpools()
out["threadpools"] = pools
probe_torch(fw)
pools = threadpools()  # torch loads its BLAS and OpenMP: read again
out["threadpools"] = pools
probe_xgboost(fw)
probe_simple(fw, "sklearn", "sklearn")
probe_simple(fw, "lightgbm", "lightgbm")
findings(fw, pools)
out["elapsed_s"] = time.perf_counter() - T0
print(json.dumps(out))
