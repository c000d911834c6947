#!/bin/sh
# CPU speed targets (issues 3 and 13), checked in one run on one machine
# (never in unit tests): dlprobe's SGEMM/DGEMM against the best of OpenBLAS
# (its best core for the CPU) and BLIS, and against the measured FMA peak;
# STREAM NT vs normal stores (a target on AVX-512 machines); two --quick runs for repeatability; bf16 rows.
# On an AVX-512 machine it runs twice: the AVX-512 path against OpenBLAS
# SkylakeX, then the AVX2 path (DLPROBE_CPU_ISA=avx2) against OpenBLAS Haswell
# and BLIS haswell. On an AVX2 machine OpenBLAS picks its own core: the
# environment's OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (set on some machines
# for old OpenBLAS builds) are unset together for these commands only.
# Usage: scripts/bench_cpu.sh [path/to/dlprobe]
# BENCH_CORETYPE forces the OpenBLAS core of the native run.
set -eu
BIN=${1:-build/dlprobe}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
BLIS=${BENCH_BLIS:-libblis.so.4}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs," \
     "family $(grep -m1 '^cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')" \
     "model $(grep -m1 '^model[^ ]' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')"
echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "environment: $(env | grep '^OPENBLAS_' | tr '\n' ' ')"
if grep -qw avx512f /proc/cpuinfo; then AVX512=1; else AVX512=0; fi

# run LABEL CORE(empty: OpenBLAS's own choice) ISA(empty: best) BLIS_ARCH ARGS...
run() {
	label=$1 core=$2 isa=$3 arch=$4
	shift 4
	set -- env -u OPENBLAS_L2_SIZE -u OPENBLAS_CORETYPE DLPROBE_BLAS_LIB="libblas.so.3,$BLIS" "$@"
	[ -n "$core" ] && set -- "$@" OPENBLAS_CORETYPE="$core"
	[ -n "$isa" ] && set -- "$@" DLPROBE_CPU_ISA="$isa"
	[ -n "$arch" ] && set -- "$@" BLIS_ARCH_TYPE="$arch"
	"$@" "$BIN" bench --backend cpu --full -q -o "$TMP/$label.json" >/dev/null
}
if [ "$AVX512" = 1 ]; then
	run native "${BENCH_CORETYPE:-SkylakeX}" "" ""
	run avx2 Haswell avx2 haswell
else
	run native "${BENCH_CORETYPE:-}" "" ""
fi
q() { env -u OPENBLAS_L2_SIZE -u OPENBLAS_CORETYPE "$BIN" bench --backend cpu --quick -q -o "$TMP/$1.json" >/dev/null; }
q q1
q q2

python3 - "$TMP" "$AVX512" <<'PY'
import json, os, sys
d, avx512 = sys.argv[1], sys.argv[2] == "1"
def dev(p):
    doc = json.load(open(p))
    return [x for b in doc["bench"]["backends"] if b["backend"] == "cpu" for x in b["devices"]][0]
def find(rs, **kw):
    for r in rs:
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
    print("  %-62s %8s  target >= %s  %s" % (name, "n/a" if value is None else fmt % value,
          fmt % target, "MET" if met else "NOT MET"))
def refs(dv):
    """[(label, results)] for every BLAS reference that ran."""
    out = []
    sb = dv.get("system_blas", {})
    if sb.get("status") == "ok":
        out.append(("%s(%s)" % (sb.get("library"), sb.get("corename")),
                    [r for r in dv["results"] if r.get("impl") == "blas"]))
    for o in dv.get("other_blas", []):
        if o.get("status") == "ok":
            out.append(("%s(%s)" % (o.get("library"), o.get("corename")), o.get("results", [])))
        else:
            print("  reference %s: %s (%s)" % (o.get("path"), o.get("status"), o.get("reason")))
    return out

def gemm_targets(dv, title):
    print("%s: dlprobe isa %s, micro-kernels %s / %s" % (title, dv["isa"],
          dv["gemm_blocking"]["sgemm"]["micro_kernel"], dv["gemm_blocking"]["dgemm"]["micro_kernel"]))
    sb = dv.get("system_blas", {})
    if sb.get("status") != "ok":
        print("  system BLAS: %s (%s)" % (sb.get("status"), sb.get("reason")))
    for o in [sb] + dv.get("other_blas", []):
        if o.get("status") == "ok":
            print("  reference: %s %s, core %s%s" % (o.get("library"), o.get("path"), o.get("corename"),
                  (", blis " + json.dumps(o["blis"])) if o.get("blis") else ""))
    T = dv["threads"]
    rf = refs(dv)
    for dt in ("fp32", "fp64"):
        for t in sorted({1, T}):
            peak = rate(find(dv["results"], kernel="fma_peak", isa=dv["isa"], dtype=dt, threads=t))
            own = find(dv["results"], kernel="gemm", impl="dlprobe", dtype=dt, m=2048, n=2048, k=2048, threads=t)
            line = "  %s n=2048 %dT: dlprobe %.1f" % (dt, t, rate(own) or 0)
            best = None
            for label, rs in rf:
                r = rate(find(rs, kernel="gemm", dtype=dt, m=2048, n=2048, k=2048, threads=t))
                line += ", %s %.1f" % (label, r or 0)
                if r and (best is None or r > best[1]):
                    best = (label, r)
            print(line + " GFLOP/s; measured FMA peak %.1f" % (peak or 0))
            check("%s n=2048 %dT dlprobe / best reference (%s)" % (dt, t, best[0] if best else "none"),
                  rate(own) / best[1] if own and best else None, 1.0)
            check("%s n=2048 %dT dlprobe / measured %dT FMA peak" % (dt, t, t),
                  rate(own) / peak if own and peak else None, 0.85 if t == 1 else 0.80)
    # The other fp32 shapes on all threads (issue 13's skinny 1760x64x1760
    # among them): ratios printed for the record, no target.
    for (m, n, k) in ((1024, 1024, 1024), (512, 4096, 4096), (1760, 64, 1760)):
        own = find(dv["results"], kernel="gemm", impl="dlprobe", dtype="fp32", m=m, n=n, k=k, threads=T)
        if not own:
            continue
        line, best = "  fp32 %dx%dx%d %dT: dlprobe %.1f" % (m, n, k, T, rate(own)), None
        for label, rs in rf:
            r = rate(find(rs, kernel="gemm", dtype="fp32", m=m, n=n, k=k, threads=T))
            line += ", %s %.1f" % (label, r or 0)
            if r and (best is None or r > best[1]):
                best = (label, r)
        print(line + " GFLOP/s" + (", dlprobe / best %.2f" % (rate(own) / best[1]) if best else ""))

native = dev(d + "/native.json")
gemm_targets(native, "native run")
if avx512:
    gemm_targets(dev(d + "/avx2.json"), "AVX2 path (DLPROBE_CPU_ISA=avx2)")
full = native
T = full["threads"]
for t in sorted({1, T}):
    nt = find(full["results"], kernel="stream_triad", variant="nt", threads=t)
    no = find(full["results"], kernel="stream_triad", variant="normal", threads=t)
    name = "STREAM triad %dT NT / normal stores" % t
    value = rate(nt) / rate(no) if nt and no else None
    if avx512:
        check(name, value, 1.3)
    else:
        # issue 3 set 1.3 for the 64-byte AVX-512 stores of the Zen 5
        # machine; on an AVX2 machine the ratio is what the memory system
        # gives (about 1.2 on the Zen 3 VM), shown but not a target
        print("  %-62s %8s  (issue 3's AVX-512 target; shown only)" % (name, "n/a" if value is None else "%.2f" % value))
# bf16 (AVX512_BF16, fp32 accumulation): against the measured VDPBF16PS peak.
for r in full["results"]:
    if r.get("kernel") == "gemm" and r.get("dtype") == "bf16":
        if r.get("status") == "ok":
            print("  bf16 %s n=%d %dT: %.1f GFLOP/s, %.0f%% of the measured bf16 peak, max rel err %.1e" %
                  (r.get("isa"), r["n"], r["threads"], rate(r), r.get("pct_of_measured_peak") or 0, r.get("max_rel_err")))
        else:
            print("  bf16 %s: %s (%s)" % (r.get("isa"), r.get("status"), r.get("reason")))
q1, q2 = dev(d + "/q1.json"), dev(d + "/q2.json")
a = find(q1["results"], kernel="gemm", impl="dlprobe", dtype="fp32", m=2048, n=2048, k=2048, threads=T)
b = find(q2["results"], kernel="gemm", impl="dlprobe", dtype="fp32", m=2048, n=2048, k=2048, threads=T)
if a and b:
    agree = 1 - abs(a["median_s"] - b["median_s"]) / max(a["median_s"], b["median_s"])
    check("two --quick runs agree (1 - |diff|/max), sgemm 2048 %dT" % T, agree, 0.95)
print("all targets met" if ok_all else "some targets NOT met")
PY
