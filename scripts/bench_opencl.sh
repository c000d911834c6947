#!/bin/sh
# OpenCL targets of issue 4 on the PoCL CI machine, checked in one run on one
# machine (never in unit tests): dlprobe's own OpenCL SGEMM at n=1024 against
# CLBlast (same run, --full measures both) and against dlprobe's own CPU
# SGEMM at n=1024 on every thread (bench --backend cpu), and the program
# build time. On a shared machine run it under the bench lock:
#   flock /tmp/dlprobe-bench.lock sh scripts/bench_opencl.sh [path/to/dlprobe]
set -eu
BIN=${1:-build/dlprobe}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "command: POCL_CACHE_DIR=(empty) $BIN bench --backend opencl --full; $BIN bench --backend cpu"
# A fresh PoCL kernel cache: program_build_s is then a cold build, the
# stricter reading of the < 2 s target (a warm cache builds in ~0.02 s).
POCL_CACHE_DIR="$TMP/pocl" "$BIN" bench --backend opencl --full -q -o "$TMP/ocl.json" >/dev/null
"$BIN" bench --backend cpu -q -o "$TMP/cpu.json" >/dev/null

python3 - "$TMP" <<'PY'
import json, sys
d = sys.argv[1]
def devs(p, backend):
    doc = json.load(open(p))
    return [x for b in doc["bench"]["backends"] if b["backend"] == backend for x in b["devices"]]
def find(dv, **kw):
    for r in dv["results"]:
        if r.get("status") == "ok" and all(r.get(k) == v for k, v in kw.items()):
            return r
    return None
def rate(r):
    return None if r is None else r.get("rate_gflops")
cpu = devs(d + "/cpu.json", "cpu")[0]
T = cpu["threads"]
cpu_r = rate(find(cpu, kernel="gemm", impl="dlprobe", dtype="fp32", m=1024, n=1024, k=1024,
                  threads=T))
ok_all = True
def check(name, value, target, fmt, below=False):
    global ok_all
    met = value is not None and (value < target if below else value >= target)
    ok_all &= met
    print("  %-52s %8s  target %s %s  %s" % (name, "n/a" if value is None else fmt % value,
          "<" if below else ">=", fmt % target, "MET" if met else "NOT MET"))
for dv in devs(d + "/ocl.json", "opencl"):
    if dv.get("status") != "ok":
        print("OpenCL device %s: %s %s" % (dv.get("name"), dv.get("status"), dv.get("reason")))
        ok_all = False
        continue
    own = find(dv, kernel="gemm", impl="dlprobe", dtype="fp32", n=1024)
    ref = find(dv, kernel="gemm", impl="clblast", dtype="fp32", n=1024)
    builds = dv.get("program_build_s", {})
    tune = dv.get("autotune", {}).get("fp32", {})
    print("OpenCL device: %s (%s)" % (dv["name"], dv.get("driver_version")))
    print("  own SGEMM n=1024: %s GFLOP/s, variant %s (auto-tune chose %s)" %
          ("n/a" if own is None else "%.1f" % rate(own), own and own.get("variant"),
           tune.get("chosen")))
    print("  CLBlast SGEMM n=1024: %s GFLOP/s, first call %s s" %
          ("n/a" if ref is None else "%.1f" % rate(ref),
           "n/a" if ref is None else "%.2f" % ref.get("first_call_s", float("nan"))))
    print("  dlprobe CPU SGEMM n=1024, %d threads: %s GFLOP/s" %
          (T, "n/a" if cpu_r is None else "%.1f" % cpu_r))
    for dt in ("fp64", "fp16"):
        r = find(dv, kernel="gemm", impl="dlprobe", dtype=dt)
        if r:
            print("  own %s GEMM n=%d: %.1f GFLOP/s (%s)" % (dt, r["n"], rate(r), r.get("variant")))
    for n in (512, 2048):
        o, c = find(dv, kernel="gemm", impl="dlprobe", dtype="fp32", n=n), \
               find(dv, kernel="gemm", impl="clblast", dtype="fp32", n=n)
        print("  n=%d: own %s, CLBlast %s GFLOP/s" % (n, o and "%.1f" % rate(o), c and "%.1f" % rate(c)))
    print("targets:")
    check("own OpenCL SGEMM / CLBlast SGEMM, n=1024",
          rate(own) / rate(ref) if own and ref else None, 5.0, "%.2fx")
    check("own OpenCL SGEMM / own CPU SGEMM (%d threads), n=1024" % T,
          rate(own) / cpu_r if own and cpu_r else None, 0.40, "%.2f")
    bs = [v for v in builds.values() if isinstance(v, (int, float))]
    check("slowest program build (clBuildProgram), s", max(bs) if bs else None, 2.0, "%.2f",
          below=True)
print("all targets met" if ok_all else "some targets NOT met")
sys.exit(0 if ok_all else 1)
PY
