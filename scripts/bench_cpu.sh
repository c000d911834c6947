#!/bin/sh
# CPU speed targets of issue 3, checked in one run on one machine (never in
# unit tests): dlprobe's GEMM against OpenBLAS with a correct core type and
# against the measured FMA peak, STREAM NT vs normal stores, and two --quick
# runs for repeatability; bf16 (AVX512_BF16, AMX) rows beside them.
# Usage: scripts/bench_cpu.sh [path/to/dlprobe]
set -eu
BIN=${1:-build/dlprobe}
CORE=${BENCH_CORETYPE:-SkylakeX}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs"
echo "environment: $(env | grep '^OPENBLAS_' | tr '\n' ' ')"
# The environment may preset OPENBLAS_CORETYPE (Haswell on the dev VM) and
# OPENBLAS_L2_SIZE: every run sets the one and unsets the other explicitly,
# so OpenBLAS runs its own blocking for the named core.
run() { env -u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE="$CORE" "$BIN" bench --backend cpu "$@" -q >/dev/null; }
run --full -o "$TMP/full.json"
run --quick -o "$TMP/q1.json"
run --quick -o "$TMP/q2.json"

python3 - "$TMP" "$CORE" <<'PY'
import json, sys
d, core = sys.argv[1], sys.argv[2]
def dev(p):
    doc = json.load(open(p))
    return [x for b in doc["bench"]["backends"] if b["backend"] == "cpu" for x in b["devices"]][0]
full, q1, q2 = dev(d + "/full.json"), dev(d + "/q1.json"), dev(d + "/q2.json")
def find(dv, **kw):
    for r in dv["results"]:
        if r.get("status") == "ok" and all(r.get(k) == v for k, v in kw.items()):
            return r
    return None
def rate(r):
    return None if r is None else r.get("rate_gflops") or r.get("rate_gbps")
ok_all = True
def check(name, value, target, fmt="%.2f"):
    global ok_all
    met = value is not None and value >= target
    ok_all &= met
    print("  %-58s %8s  target >= %s  %s" % (name, "n/a" if value is None else fmt % value,
          fmt % target, "MET" if met else "NOT MET"))
sb = full.get("system_blas", {})
print("system BLAS: %s, core %s with OPENBLAS_CORETYPE=%s" % (sb.get("path"), sb.get("corename"), core))
T = full["threads"]
peak1 = rate(find(full, kernel="fma_peak", isa=full["isa"], dtype="fp32", threads=1))
print("measured FMA peak fp32 1 thread: %.1f GFLOP/s" % peak1)
for dt, n, tgt in (("fp32", 2048, 1.0), ("fp64", 2048, 0.95)):
    for t in sorted({1, T}):
        own = find(full, kernel="gemm", impl="dlprobe", dtype=dt, m=n, n=n, k=n, threads=t)
        ref = find(full, kernel="gemm", impl="blas", dtype=dt, m=n, n=n, k=n, threads=t)
        print("  %s n=%d %d thread(s): dlprobe %.1f, OpenBLAS(%s) %.1f GFLOP/s" %
              (dt, n, t, rate(own) or 0, core, rate(ref) or 0))
        check("%s n=%d %dT dlprobe / OpenBLAS(%s)" % (dt, n, t, core),
              rate(own) / rate(ref) if own and ref else None, tgt)
for n in (1024, 2048):
    own = find(full, kernel="gemm", impl="dlprobe", dtype="fp32", m=n, n=n, k=n, threads=1)
    check("sgemm n=%d 1T / measured 1T FMA peak" % n,
          rate(own) / peak1 if own else None, 0.85)
for t in sorted({1, T}):
    nt = find(full, kernel="stream_triad", variant="nt", threads=t)
    no = find(full, kernel="stream_triad", variant="normal", threads=t)
    check("STREAM triad %dT NT / normal stores" % t, rate(nt) / rate(no) if nt and no else None, 1.3)
# bf16 (AVX512_BF16, fp32 accumulation): against the measured VDPBF16PS peak;
# no library reference (OpenBLAS 0.3.21 has sbgemm only for some cores).
bp = {t: rate(find(full, kernel="fma_peak", dtype="bf16", threads=t)) for t in sorted({1, T})}
for t in sorted({1, T}):
    print("measured bf16 (vdpbf16ps) peak %d thread(s): %s GFLOP/s" %
          (t, "n/a" if bp[t] is None else "%.1f" % bp[t]))
for n in (1024, 2048):
    for t in sorted({1, T}):
        own = find(full, kernel="gemm", impl="dlprobe", dtype="bf16", isa="avx512_bf16", m=n, n=n, k=n, threads=t)
        if own:
            print("  bf16 n=%d %dT: %.1f GFLOP/s, %.0f%% of the measured bf16 peak, max rel err %.1e" %
                  (n, t, rate(own), own.get("pct_of_measured_peak") or 0, own.get("max_rel_err")))
for r in full["results"]:
    if r.get("kernel") == "gemm" and r.get("dtype") == "bf16" and r.get("status") != "ok":
        print("  bf16 %s: %s (%s)" % (r.get("isa"), r.get("status"), r.get("reason")))
amx = [r for r in full["results"] if r.get("isa") == "amx" and r.get("status") == "ok"]
for r in amx:
    print("  AMX bf16 n=%d 1T: %.1f GFLOP/s" % (r["n"], rate(r)))
check("AMX bf16 1T TFLOP/s (where AMX exists)", max(rate(r) for r in amx) / 1000 if amx else None, 1.5) if amx else \
    print("  %-58s %8s  (no AMX on this machine: not measured)" % ("AMX bf16 1T TFLOP/s", "n/a"))
a = find(q1, kernel="gemm", impl="dlprobe", dtype="fp32", m=2048, n=2048, k=2048, threads=T)
b = find(q2, kernel="gemm", impl="dlprobe", dtype="fp32", m=2048, n=2048, k=2048, threads=T)
if a and b:
    agree = 1 - abs(a["median_s"] - b["median_s"]) / max(a["median_s"], b["median_s"])
    check("two --quick runs agree (1 - |diff|/max), sgemm 2048 %dT" % T, agree, 0.95)
print("all targets met" if ok_all else "some targets NOT met")
PY
