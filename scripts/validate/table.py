#!/usr/bin/python3
"""Ask dlprobe for each measured case and print the predicted-vs-measured
table (markdown) with the error and the targets of issue 9: median
|error| <= 20% and none off by more than 1.5x."""
import argparse, datetime, json, os, statistics, subprocess


def cpu_name():
    fam = mod = name = "?"
    for line in open("/proc/cpuinfo"):
        k, _, v = line.partition(":")
        k, v = k.strip(), v.strip()
        if k == "cpu family":
            fam = v
        elif k == "model":
            mod = v
        elif k == "model name":
            name = v
        if k == "flags":
            break
    return "%d vCPU %s family %s model %s" % (len(os.sched_getaffinity(0)), name, fam, mod)


def bench_summary(path):
    d = json.load(open(path))
    dev = d["bench"]["backends"][0]["devices"][0]
    out = {}
    # the most threads the bench ran (2 here, 1 under taskset -c 0)
    tmax = max((r.get("threads") or 0) for r in dev["results"] if r.get("status") == "ok")
    for r in dev["results"]:
        if r.get("status") != "ok":
            continue
        k, t = r["kernel"], r.get("threads")
        if k == "gemm" and r.get("dtype") == "fp32" and r.get("m") == 2048 and t == tmax:
            out["sgemm2048_%s" % r["impl"]] = r["rate_gflops"]
        elif k == "histogram":
            out["histogram_%dt" % t] = r["rate_gupdates_per_s"]
        elif k == "dot" and t == tmax:
            out["dot"] = r["rate_gflops"]
        elif k == "stream_triad" and r.get("variant") == "normal" and t == tmax:
            out["triad"] = r["rate_gbps"]
        elif k == "gemm" and r.get("dtype") == "bf16" and r.get("m") == 1024 and t == tmax:
            out["bf16gemm1024"] = r["rate_gflops"]
    torch = ((d["bench"].get("framework") or {}).get("frameworks") or {}).get("torch") or {}
    step = (torch.get("mlp_step") or {}).get("step_s")
    if isinstance(step, (int, float)) and step > 0:
        out["torch_steps_per_s"] = 1 / step   # a rate like the others: higher is faster
    return dev.get("system_blas", {}), out, tmax


def predict(binary, bench, case, measure_run=None):
    """measure_run: the configuration's command prefix (validate.sh's RUN),
    to estimate with --measure, which times the workload's own shapes here
    and so must run in that configuration."""
    cmd = [binary, "estimate", "--hw", bench, "--json", "-q"] + case["args"]
    if measure_run is not None:
        cmd = measure_run.split() + cmd + ["--measure"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    e = json.loads(out)["estimates"][0][case["side"]]
    # the framework's BLAS as configured is the vendor-library rate;
    # fixed, the hardware capability rate (dlprobe's own kernels)
    rates = "as configured"
    if case["side"] == "deep" and case["blas"] == "fixed" and e.get("hardware_capability"):
        e, rates = e["hardware_capability"], "capability"
    elif case["side"] == "classical":
        rates = "classical kernels"
    return e["train_s"], rates


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--bench", required=True)
    ap.add_argument("--bench-after", help="the same bench after the training runs: shown, not judged")
    ap.add_argument("--calibration")
    ap.add_argument("--load-before")
    ap.add_argument("--load-after")
    ap.add_argument("--load-during")
    ap.add_argument("--config")
    ap.add_argument("--measure-run", help="the configuration's command prefix: the deep cases are also "
                    "estimated with --measure (their own shapes timed here), shown, not judged")
    ap.add_argument("measured", nargs="+")
    a = ap.parse_args()
    rows, errs, ratios, fw, after, meas = [], [], [], {}, [], []
    for path in a.measured:
        m = json.load(open(path))
        fw[m["blas"]] = m["framework"]
        for c in m["cases"]:
            t, rates = predict(a.bin, a.bench, c)
            err = (t["expected"] - c["measured_s"]) / c["measured_s"]
            errs.append(abs(err))
            ratios.append(t["expected"] / c["measured_s"])
            inside = t["low"] <= c["measured_s"] <= t["high"]
            row = "| %s | %s | %s | %.3g | %.3g | %.3g .. %.3g | %+.0f%% | %s |" % (
                c["case"], c["blas"], rates, c["measured_s"], t["expected"], t["low"], t["high"], 100 * err,
                "yes" if inside else "no")
            if a.bench_after:
                ta, _ = predict(a.bin, a.bench_after, c)
                after.append(ta["expected"] / c["measured_s"])
                row += " %.3g (%+.0f%%) |" % (ta["expected"], 100 * (ta["expected"] - c["measured_s"]) / c["measured_s"])
            if a.measure_run is not None:
                if c["side"] == "deep" and rates == "as configured":
                    tm, _ = predict(a.bin, a.bench, c, a.measure_run)
                    meas.append(tm["expected"] / c["measured_s"])
                    row += " %.3g (%+.0f%%) |" % (tm["expected"], 100 * (meas[-1] - 1))
                else:
                    row += " - |"
            rows.append(row)
    blas, rs, tmax = bench_summary(a.bench)
    probe = json.load(open(a.bench)).get("probe", {})
    cpu = probe.get("cpu", {})
    print("Machine: %s, %s, %s; generated %s." % (
        cpu_name(), "hypervisor " + cpu["hypervisor_vendor"] if cpu.get("hypervisor") else "bare metal",
        probe.get("os", {}).get("distribution", "?"), datetime.datetime.now().strftime("%Y-%m-%d %H:%M")))
    if a.load_before and a.load_after:
        print("Load average (1/5/15 min) and other processes over 20%% CPU, before the bench: %s; after the "
              "training runs (our own load included): %s." % (
                  open(a.load_before).read().strip(), open(a.load_after).read().strip()))
    if a.config:
        print("Configuration: %s." % a.config)
    if a.load_during:
        ld = [float(x) for x in open(a.load_during).read().split() if x.strip()]
        if ld:
            print("1-minute load average sampled every 5 s during the run (ours included; 2 CPUs): "
                  "min %.2f, median %.2f, max %.2f over %d samples." % (min(ld), statistics.median(ld), max(ld),
                                                                     len(ld)))
    for k in fw:
        f = fw.get(k)
        if not f:
            continue
        tp = ", ".join("%s %s threads%s" % (p["internal_api"], p["num_threads"],
                                             " core " + p["architecture"] if p.get("architecture") else "")
                       for p in f.get("threadpools") or [])
        print("Framework BLAS %s: env %s; torch threads %s (default %s); %s." % (
            k, ", ".join("%s=%s" % (n, v) for n, v in f["env"].items() if v is not None) or "none set",
            f["torch_threads"], f["torch_default_threads"], tp))
    f = next(iter(fw.values()), None)
    if f:
        print("Versions: %s. torch: %s; conv/matmul kernels called: %s." % (
            ", ".join("%s %s" % kv for kv in f["versions"].items()), "; ".join(f["torch_blas_info"]),
            ", ".join(o for o in f["torch_ops"] if o.startswith("aten::"))))
    print("Bench (as configured, %d thread(s)): %s; system BLAS %s." % (
        tmax, ", ".join("%s %.3g" % kv for kv in sorted(rs.items())), blas.get("corename")))
    if a.bench_after:
        _, ra, _ = bench_summary(a.bench_after)
        print("Bench after the training runs, as a ratio to the bench before (above 1: faster after): %s." % (
            ", ".join("%s %.2f" % (k, ra[k] / v) for k, v in sorted(rs.items()) if k in ra and v)))
    if a.calibration:
        c = json.load(open(a.calibration))
        print("Calibration re-measured now (the estimator uses the values in data/instances.json): %s." % "; ".join(
            "%s %.3g" % (k, v["value"]) for k, v in c.items()))
    print()
    print("| case | framework BLAS | estimate rates | measured s | predicted s | range | error | in range |" +
          (" predicted from the bench after |" if a.bench_after else "") +
          (" with --measure |" if a.measure_run is not None else ""))
    print("|---|---|---|---|---|---|---|---|" + ("---|" if a.bench_after else "") +
          ("---|" if a.measure_run is not None else ""))
    print("\n".join(rows))
    med = statistics.median(errs)
    worst = max(errs)
    # "off by more than 1.5x": predicted / measured outside [1/1.5, 1.5]
    off = [r for r in ratios if r > 1.5 or r < 1 / 1.5]
    print("\nMedian |error| %.0f%% over %d cases (target <= 20%%: %s); worst %.0f%%; predicted/measured from "
          "%.2f to %.2f (target: none off by more than 1.5x: %s)." % (
              100 * med, len(errs), "met" if med <= 0.20 else "MISSED", 100 * worst, min(ratios), max(ratios),
              "met" if not off else "MISSED, %d case(s)" % len(off)))
    if meas:
        print("With --measure (the deep cases as configured, shown, not judged): median |error| %.0f%%, predicted/"
              "measured from %.2f to %.2f over %d cases." % (100 * statistics.median(abs(r - 1) for r in meas),
                                                             min(meas), max(meas), len(meas)))
    if after:
        print("From the bench after the training runs (shown, not judged): median |error| %.0f%%, predicted/"
              "measured from %.2f to %.2f." % (100 * statistics.median(abs(r - 1) for r in after), min(after),
                                                max(after)))


if __name__ == "__main__":
    main()
