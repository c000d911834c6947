# dlprobe's framework probe (kernels/framework.c runs it in a child python
# with a time limit): what the installed frameworks really do on this
# machine, as configured. Prints one JSON object per line: the whole result
# so far, again after every part, the last line complete. Parts not yet run
# say so, so that a probe killed at its hard limit (a loaded machine, a slow
# import) still hands back the parts it finished, the others marked. Every
# part checks the budget (DLPROBE_FW_BUDGET_S) and is skipped, with the
# reason, past it.
import contextlib
import json
import math
import os
import statistics
import sys
import time

T0 = time.perf_counter()
BUDGET = float(os.environ.get("DLPROBE_FW_BUDGET_S", "7"))
# a part starts only with this much budget left: an import or a timed part
# takes well under it on a quiet machine (the whole probe about 2 s) and the
# parent's hard limit leaves the interpreter a quarter of its budget more
PART_MIN_LEFT_S = 1.5
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


def unfinished():
    return {"status": "error", "reason": "unfinished: the probe was stopped at its time limit first"}


def spent():
    return {"status": "skipped", "reason": "framework probe budget spent (%.1f s of %.1f s)"
            % (BUDGET - left(), BUDGET)}


def has_budget():
    return left() >= PART_MIN_LEFT_S


def finite(o):
    """o with every NaN or infinity as null: json.dumps writes them as NaN,
    which is not JSON, and the parent would drop that line and every later
    one (each repeats the record)."""
    if isinstance(o, float):
        return o if math.isfinite(o) else None
    if isinstance(o, dict):
        return {k: finite(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [finite(v) for v in o]
    return o


def emit():
    """The result so far, one line: the parent keeps the last whole line."""
    sys.stdout.write(json.dumps(finite(out), allow_nan=False) + "\n")
    sys.stdout.flush()


def timed(fn, reps, max_s):
    """Up to reps calls after a warm-up: the fastest (preempted calls measure
    other work) and the median, which says how much the same call varies
    here (the estimate's range spreads by it) without following the one
    call in ten that a busy machine preempts (an upper decile 4x the fastest
    at load 4 where the median was 1.04x)."""
    fn()
    s, t_end = [], time.perf_counter() + max_s
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        s.append(time.perf_counter() - t)
        if time.perf_counter() > t_end:
            break
    s.sort()
    return {"best": s[0], "median": statistics.median(s), "n": len(s), "samples": s}


# The host of a VM can slow one of its CPUs 1.5x for a second or more (a
# busy sibling hardware thread: docs/validation.md, seventh session), and
# a step or a dispatch batch is timed in about 10 ms: one window can fall
# wholly inside such a stretch. These figures are timed again, in a short
# window, after each later part, so that their samples span the probe's
# seconds; the fastest and the median are then of all windows.
AGAIN = []


class Again:
    def __init__(self, rec, keys, fn, reps, per, first):
        self.rec, self.keys, self.fn, self.reps, self.per = rec, keys, fn, reps, per
        self.samples, self.windows = list(first["samples"]), 1
        self.write()
        AGAIN.append(self)

    def write(self):
        best, median, n, windows = self.keys
        s = sorted(self.samples)
        self.rec[best] = s[0] / self.per
        self.rec[median] = statistics.median(s) / self.per
        self.rec[n] = len(s)
        self.rec[windows] = self.windows

    def again(self):
        self.samples += timed(self.fn, self.reps, 0.05)["samples"]
        self.windows += 1
        self.write()


def time_again():
    """Each figure of AGAIN once more, while a part's worth of budget is left."""
    for a in AGAIN:
        if not has_budget():
            return
        a.again()


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
    shapes = ((256, 256, 256), (1024, 1024, 1024), (256, 1024, 4096))
    t["gemm"] = [dict(m=m, n=n, k=k, **unfinished()) for (m, n, k) in shapes]
    t["gemm_bf16"] = [dict(m=m, n=n, k=k, **unfinished()) for (m, n, k) in shapes]
    t["mlp_step"] = unfinished()
    t["pool"] = unfinished()
    t["act"] = unfinished()
    t["conv"] = unfinished()
    fw["torch"] = t
    x = torch.zeros(8)

    def adds(n=200):
        for _ in range(n):
            x.add_(1.0)
    # the fastest of ten batches: a mean over all of them counts the other
    # work of a busy machine as dispatch (7.5 us against 2.9 us here at load 4.7)
    Again(t, ("op_dispatch_s", "op_dispatch_median_s", "op_dispatch_batches", "op_dispatch_windows"), adds, 3, 200,
          timed(adds, 10, 0.5))
    emit()
    # the reference step before the GEMMs: on a loaded machine the budget
    # may not reach them all, and the estimate has the bench's own GEMMs
    # to fall back on but nothing for the per-step overhead
    t["mlp_step"] = probe_step(torch) if has_budget() else spent()
    emit()
    # then the same in bf16, as autocast runs a mixed-precision step's dense
    # layers: "as configured" for bf16 at torch's own threads, where the
    # bench's AMX figures are at all of the CPU's. A GEMM torch refuses is
    # that entry's error, not the probe's: oneDNN capped at AVX2
    # (ONEDNN_MAX_CPU_ISA) raised "could not create a primitive descriptor
    # iterator" for bf16, and the uncaught error cost the pooling, the
    # activation and the convolution after it
    for key, bf16 in (("gemm", False), ("gemm_bf16", True)):
        for i, (m, nn, k) in enumerate(shapes):
            try:
                t[key][i] = time_gemm(torch, m, nn, k, bf16) if has_budget() else spent()
            except Exception as e:
                t[key][i].update(status="error", reason="%s: %s" % (type(e).__name__, str(e)[:200]))
            emit()
    time_again()
    t["pool"] = probe_pool(torch) if has_budget() else spent()
    time_again()
    emit()
    t["act"] = time_act(torch, {"op": "relu", "elements": ACT_REF_ELEMS}) if has_budget() else spent()
    emit()
    t["conv"] = probe_conv(torch) if has_budget() else spent()
    time_again()
    emit()
    return torch


# bf16 products are exact in fp32 and sums are kept in fp32; the output's
# rounding to bf16 (2^-9 relative) is the error, 1e-2 of the largest entry
# with room; a dropped k block costs O(1)
GEMM_TOL_BF16 = 1e-2


def time_gemm(torch, m, n, k, bf16=False):
    """torch.mm at one shape, its first rows checked against the double
    product of the same values before its time counts. bf16: oneDNN's
    kernels where torch has them; a CPU without bf16 arithmetic runs it
    emulated, slowly: at most a quarter second a shape."""
    a, b = torch.randn(m, k), torch.randn(k, n)
    if bf16:
        a, b = a.bfloat16(), b.bfloat16()
    c = a @ b
    ref = a[:4].double() @ b.double()
    err = float(((c[:4].double() - ref).abs().max() / ref.abs().max()).item())
    s = timed(lambda: torch.mm(a, b), 10, min(0.25, left() / 6) if bf16 else min(0.5, left() / 4))["best"]
    return {"m": m, "n": n, "k": k, "status": "ok" if err < (GEMM_TOL_BF16 if bf16 else 1e-4) else "error",
            "max_rel_err": err, "rate_gflops": 2.0 * m * n * k / s * 1e-9}


def probe_step(torch):
    """The reference training step the estimator derives the framework's
    per-step cost from (estimator/fw_reference.c): an MLP so narrow that its
    arithmetic is a few per cent of the step (the rest is operator dispatch,
    autograd and the optimizer's per-tensor loop), with the Linear/ReLU/
    cross-entropy/Adam operators of a tabular model, and on purpose none of
    make validate's cases (scripts/validate/train.py): nothing is fitted to
    them."""
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
    rec = {"status": "ok", "model": "mlp:16,48,48,3", "batch": 64, "optimizer": "adam"}
    Again(rec, ("step_s", "step_median_s", "steps", "step_windows"), step, 10, 1, timed(step, 50, min(0.5, left() / 4)))
    return rec


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
    s = timed(fwd_bwd, 10, min(0.5, left() / 4))
    # every window passes its gradient to exactly one input element
    grad_ok = abs(float(x.grad.sum().item()) - y.numel()) < 0.5
    return {"shape": [n, c, h, h], "kernel": 2, "stride": 2, "threads": torch.get_num_threads(),
            "status": "ok" if err == 0 and grad_ok else "error", "max_abs_err": err,
            "fwd_bwd_s": s["best"], "fwd_bwd_median_s": s["median"],
            "s_per_window_elem": s["best"] / x.numel()}


# The reference convolution: a 3x3, stride 1, pad 1 convolution of 24 to 48
# channels on 24x24 images, batch 16. Its channel counts and image size are
# none of make validate's CNN layers (3, 16, 32, 64 channels at 32x32 and
# 16x16: scripts/validate/*.json) so that the convolution factor the
# estimator derives from it is not fitted to them; 3x3 because that is the
# convolution CNNs train most; small enough to take 10-30 ms per forward +
# backward on one Zen 3 thread (20-100 GFLOP/s, oneDNN at SSE4.1 to AVX2).
CONV_REF = {"batch": 16, "in": 24, "out": 48, "h": 24, "w": 24, "k": 3, "stride": 1, "pad": 1}


def probe_conv(torch):
    """conv2d forward and backward (input and weight gradients, the bias's),
    as a CNN's training step runs it on torch's own intra-op threads
    (oneDNN where torch has it, not torch's GEMM). Checked against the same
    convolution as an im2col product in double precision, before its time
    counts."""
    s = CONV_REF
    F = torch.nn.functional
    torch.manual_seed(0)
    x = torch.randn(s["batch"], s["in"], s["h"], s["w"], requires_grad=True)
    w = torch.randn(s["out"], s["in"], s["k"], s["k"], requires_grad=True)
    b = torch.randn(s["out"], requires_grad=True)
    y = F.conv2d(x, w, b, stride=s["stride"], padding=s["pad"])
    g = torch.randn_like(y)
    y.backward(g)
    # the reference: im2col (unfold) and its transpose (fold) in double
    cols = F.unfold(x.detach().double(), s["k"], padding=s["pad"], stride=s["stride"])
    w2, g2 = w.detach().double().reshape(s["out"], -1), g.double().flatten(2)
    ry = (w2 @ cols).reshape(y.shape) + b.detach().double().reshape(1, -1, 1, 1)
    rdw = (g2 @ cols.transpose(1, 2)).sum(0).reshape(w.shape)
    rdx = F.fold(w2.t() @ g2, (s["h"], s["w"]), s["k"], padding=s["pad"], stride=s["stride"])

    def rel(a, r):
        return float(((a.double() - r).abs().max() / r.abs().max()).item())
    err = max(rel(y.detach(), ry), rel(w.grad, rdw), rel(x.grad, rdx))

    def fwd_bwd():
        x.grad = w.grad = b.grad = None
        F.conv2d(x, w, b, stride=s["stride"], padding=s["pad"]).backward(g)
    t = timed(fwd_bwd, 10, min(0.5, left() / 4))
    return dict(s, threads=torch.get_num_threads(), status="ok" if err < 1e-4 else "error", max_rel_err=err,
                fwd_bwd_s=t["best"], fwd_bwd_median_s=t["median"], reps=t["n"])


def probe_xgboost(fw):
    xgb, why = try_import("xgboost")
    if not xgb:
        fw["xgboost"] = {"status": "unavailable", "reason": why}
        return
    x = {"status": "ok", "version": xgb.__version__, "hist_fit": unfinished()}
    fw["xgboost"] = x
    emit()
    if not has_budget():
        x["hist_fit"] = spent()
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


def part(key, run):
    """One part in its budget: skipped, with the reason, once it is spent."""
    if has_budget():
        run()
    else:
        (out if key == "threadpools" else out["frameworks"])[key] = spent()
    emit()


# A workload's own convolutions (estimate --measure; kernels/framework.c
# passes them, and its activations below, in the file DLPROBE_FW_CONV_FILE
# names): each timed through torch at the workload's geometry, forward and
# backward, on torch's own threads. The batch asked is cut so that one
# forward + backward call does at most CONV_CALL_FLOP of work (a CIFAR
# ResNet's full-batch layer would take a second a call), never below
# CONV_MIN_BATCH, and its tensors fit CONV_MAX_BYTES. The time per sample
# moves with the batch (caches, oneDNN's blocking), so a cut batch is a
# trade of some accuracy for a budget of seconds; the batch timed is
# recorded (timed_batch).
CONV_CALL_FLOP = 4e9
CONV_MAX_BYTES = 256 << 20  # a call's tensors at most this (down to one sample)
CONV_MIN_BATCH = 8
CONV_MIN_LEFT_S = 0.3     # a shape starts only with this much budget left
CONV_SHAPE_MAX_S = 0.25   # timing one shape, at most
CONV_TOL = 1e-4           # relative to the reference's largest entry
# bf16 under autocast: inputs and output rounded to 8 bits of mantissa
# (2^-9 relative each), products summed in fp32: about 4e-3 of the largest
# entry at most; a wrong channel or a dropped tap costs O(1)
CONV_TOL_BF16 = 2e-2


def conv_out(c):
    """The output's height and width."""
    eff = c["dilation"] * (c["k"] - 1) + 1
    return ((c["h"] + 2 * c["pad"] - eff) // c["stride"] + 1, (c["w"] + 2 * c["pad"] - eff) // c["stride"] + 1)


def conv_bytes_per_sample(c):
    """Input, its gradient, output and output gradient, fp32."""
    ho, wo = conv_out(c)
    return 4 * 2 * (c["in"] * c["h"] * c["w"] + c["out"] * max(ho, 1) * max(wo, 1))


def conv_flops_per_sample(c):
    ho, wo = conv_out(c)
    macs = ho * wo * c["out"] * (c["in"] // c["groups"]) * c["k"] * c["k"]
    return 2.0 * macs * (3 if c["input_grad"] else 2)


def conv_fn(torch, c, geo):
    """The convolution as a training step in c's dtype runs it: fp32, or
    bf16 under torch's CPU autocast (fp32 weights and inputs cast on the
    way in, a bf16 output), as mixed precision on a CPU does."""
    F = torch.nn.functional
    bf16 = c.get("dtype") == "bf16"

    # fp32 outside autocast altogether: a torch before 1.10 has none
    def conv(x, w, bias):
        with torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext():
            return F.conv2d(x, w, bias, **geo)
    return conv


def conv_call(torch, c, b):
    """The tensors of one convolution at batch b and its forward + backward
    call (as a step runs them: timed apart, a slow stretch under one but
    not the other split them wrongly, a backward of 0 s in a trial; the
    estimator divides the time by FLOPs)."""
    torch.manual_seed(0)
    geo = dict(stride=c["stride"], padding=c["pad"], dilation=c["dilation"], groups=c["groups"])
    conv = conv_fn(torch, c, geo)
    x = torch.randn(b, c["in"], c["h"], c["w"], requires_grad=bool(c["input_grad"]))
    w = torch.randn(c["out"], c["in"] // c["groups"], c["k"], c["k"], requires_grad=True)
    bias = torch.randn(c["out"], requires_grad=True) if c["bias"] else None
    g = torch.randn_like(conv(x.detach(), w.detach(), None))

    def fwd_bwd():
        x.grad = w.grad = None
        if bias is not None:
            bias.grad = None
        conv(x, w, bias).backward(g)
    return x, w, bias, g, geo, fwd_bwd


def conv_error(torch, c, x, w, bias, g, geo):
    """The largest relative error of the batched kernel that is timed,
    against the same convolution in double precision (torch's own reference
    path, not oneDNN): the forward of the first and the last sample, and,
    from one batched backward whose output gradient is zero past the first
    sample, the weight gradient (then that sample's alone) and the first
    sample's input gradient. Not finite: infinite."""
    F = torch.nn.functional
    ends = [0, x.shape[0] - 1]
    x1 = x.detach()[ends].double().requires_grad_(bool(c["input_grad"]))
    w1 = w.detach().double().requires_grad_(True)
    b1 = bias.detach().double() if bias is not None else None
    y1 = F.conv2d(x1, w1, b1, **geo)
    g1 = g[ends].double()
    g1[1:] = 0
    y1.backward(g1)
    x.grad = w.grad = None
    y = conv_fn(torch, c, geo)(x, w, bias)
    gv = torch.zeros_like(g)
    gv[0] = g[0]
    y.backward(gv)

    def rel(a, r):
        e = float(((a.double() - r).abs().max() / max(float(r.abs().max()), 1e-30)).item())
        return e if math.isfinite(e) else math.inf
    err = max(rel(y.detach()[ends], y1.detach()), rel(w.grad, w1.grad))
    if c["input_grad"]:
        err = max(err, rel(x.grad[0], x1.grad[0]))
    return err


def conv_record(rec, samples, b, windows):
    s = sorted(samples)
    rec.update(fwd_bwd_s=s[0] / b, fwd_bwd_median_s=statistics.median(s) / b, reps=len(s), windows=windows)


def time_conv(torch, c, batch, max_s):
    """One convolution of the workload, verified before its time counts;
    with its samples, to be timed again in a later window."""
    b = int(min(batch, max(CONV_MIN_BATCH, CONV_CALL_FLOP // conv_flops_per_sample(c)),
                max(1, CONV_MAX_BYTES // conv_bytes_per_sample(c))))
    x, w, bias, g, geo, fwd_bwd = conv_call(torch, c, b)
    t0 = time.perf_counter()
    err = conv_error(torch, c, x, w, bias, g, geo)
    check_s = time.perf_counter() - t0
    ok = err < (CONV_TOL_BF16 if c.get("dtype") == "bf16" else CONV_TOL)
    rec = dict(c, status="ok" if ok else "error", verified=ok, max_rel_err=err, timed_batch=b,
               threads=torch.get_num_threads())
    # the timing is a warm-up and at least one call, each about as long as
    # the check's batched call: not started where they would pass the budget
    if left() - 2 * check_s < CONV_MIN_LEFT_S / 3:
        rec.update(spent())
        return rec, []
    t = timed(fwd_bwd, 15, max_s)
    conv_record(rec, t["samples"], b, 1)
    return rec, t["samples"]


# The workload's activations (ReLU) forward and backward through torch at
# their sizes: torch's own elementwise kernels, at its CPU capability (its
# default, non-AVX ones ran threshold_backward 16% of a small CNN's step
# under ATEN_CPU_CAPABILITY=default, several times what a streaming loop
# predicts). Cut to ACT_MAX_ELEMS, timed for at most ACT_MAX_S each, all
# of them in ACT_SHARE of the budget.
ACT_MAX_ELEMS = 1 << 24
# bench --framework's reference activation: 3 MiB of fp32 (12 MiB with its
# output and gradients, past the L2 of every CPU measured so far), none of
# make validate's activation sizes (scripts/validate/train.py);
# without --measure it is the cost per element of every activation layer
# (estimator/fw_reference.c)
ACT_REF_ELEMS = 3 << 18
ACT_MAX_S = 0.1
ACT_SHARE = 0.25


def time_act(torch, a):
    """One activation size: checked exactly (ReLU and its gradient select,
    they do not round) before its time counts; seconds per element."""
    n = int(min(a["elements"], ACT_MAX_ELEMS))
    torch.manual_seed(0)
    x = torch.randn(n, requires_grad=True)
    g = torch.randn(n)
    y = torch.relu(x)
    y.backward(g)
    xd = x.detach()
    ok = bool(torch.equal(y.detach(), xd.clamp(min=0)) and
              torch.equal(x.grad, torch.where(xd > 0, g, torch.zeros_like(g))))

    def fwd_bwd():
        x.grad = None
        torch.relu(x).backward(g)
    t = timed(fwd_bwd, 15, ACT_MAX_S)
    return dict(a, status="ok" if ok else "error", verified=ok, timed_elements=n, threads=torch.get_num_threads(),
                fwd_bwd_s_per_elem=t["best"] / n, fwd_bwd_median_s_per_elem=t["median"] / n, reps=t["n"])


def time_convs(req):
    convs = req.get("conv") or []
    acts = req.get("activation") or []
    out["conv"] = [dict(c, **unfinished()) for c in convs]
    out["activation"] = [dict(a, **unfinished()) for a in acts]
    emit()
    torch, why = try_import("torch")
    if not torch:
        out["torch"] = {"status": "unavailable", "reason": why}
        for c in out["conv"] + out["activation"]:
            c.update(status="skipped", reason="torch: " + why)
        return
    out["torch"] = {"status": "ok", "version": torch.__version__, "threads": torch.get_num_threads()}
    # the activations first, in at most ACT_SHARE of the budget: a 16M
    # element one takes about 0.3 s with its check, and the convolutions are
    # most of a CNN's step
    act_end = time.perf_counter() + ACT_SHARE * left()
    for i, a in enumerate(acts):
        if left() < CONV_MIN_LEFT_S or time.perf_counter() > act_end:
            out["activation"][i].update(spent() if left() < CONV_MIN_LEFT_S else {
                "status": "skipped", "reason": "the activations' share of the probe's budget was spent"})
            continue
        try:
            out["activation"][i] = time_act(torch, a)
        except Exception as e:  # out of memory
            out["activation"][i].update(status="error", reason="%s: %s" % (type(e).__name__, str(e)[:200]))
        emit()
    # the most work first: what the budget leaves out is the least of the step
    order = sorted(range(len(convs)), key=lambda i: -convs[i].get("flops", 0))
    samples = {}
    # half the budget to the first window; a second window, spread over the
    # probe's seconds, then adds its samples: a convolution timed once in
    # 10-30 ms read 1.5-2.5x apart between calls a second apart on the VM
    # of docs/validation.md, as the reference step did (class Again)
    end1 = time.perf_counter() + left() / 2
    for n, i in enumerate(order):
        if left() < CONV_MIN_LEFT_S:
            out["conv"][i].update(spent())
            continue
        try:
            share = max(end1 - time.perf_counter(), CONV_MIN_LEFT_S / 3) / (len(order) - n)
            out["conv"][i], samples[i] = time_conv(torch, convs[i], req["batch"], min(CONV_SHAPE_MAX_S, share))
        except Exception as e:  # a geometry torch refuses, out of memory
            out["conv"][i].update(status="error", reason="%s: %s" % (type(e).__name__, str(e)[:200]))
        emit()
    again = [i for i in order if i in samples and out["conv"][i]["status"] == "ok"]
    for n, i in enumerate(again):
        if left() < CONV_MIN_LEFT_S:
            break
        rec = out["conv"][i]
        try:
            fwd_bwd = conv_call(torch, convs[i], rec["timed_batch"])[-1]
            samples[i] += timed(fwd_bwd, 15, min(CONV_SHAPE_MAX_S,
                                                 (left() - CONV_MIN_LEFT_S / 2) / (len(again) - n)))["samples"]
        except Exception:  # out of memory the second time: the first window stands
            continue
        conv_record(rec, samples[i], rec["timed_batch"], 2)
        emit()


def probe_all():
    fw = out["frameworks"]
    out["threadpools"] = unfinished()
    for name in ("torch", "xgboost", "sklearn", "lightgbm"):
        fw[name] = unfinished()
    emit()
    part("threadpools", lambda: out.update(threadpools=threadpools()))
    part("torch", lambda: probe_torch(fw))
    if fw["torch"].get("status") == "ok":
        # torch loads its BLAS and OpenMP: read again
        part("threadpools", lambda: out.update(threadpools=threadpools()))
    part("xgboost", lambda: probe_xgboost(fw))
    # last, after the xgboost fit: the torch figures' windows then span seconds
    if has_budget():
        time_again()
        emit()
    part("sklearn", lambda: probe_simple(fw, "sklearn", "sklearn"))
    part("lightgbm", lambda: probe_simple(fw, "lightgbm", "lightgbm"))
    findings(fw, out["threadpools"])


if os.environ.get("DLPROBE_FW_CONV_FILE"):
    del out["frameworks"], out["findings"]
    with open(os.environ["DLPROBE_FW_CONV_FILE"]) as f:
        time_convs(json.load(f))
else:
    probe_all()
out["elapsed_s"] = time.perf_counter() - T0
emit()
# the result is out: skip the interpreter's teardown, which with torch
# loaded took over 1.7 s on a loaded machine and ran into the hard limit
os._exit(0)
