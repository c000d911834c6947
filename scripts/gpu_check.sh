#!/bin/sh
# One-call device check on a machine with an NVIDIA GPU and nvcc:
# build, verify every CUDA kernel, bench CUDA with cuBLAS beside, write the
# JSON to $1 (default gpu-check.json) and print a short table last.
# Usage: scripts/gpu_check.sh [OUT.json]      (or: make gpu-check OUT=file)
# Needs: gcc, make, libjansson, libhwloc, an OpenCL ICD loader (-lOpenCL),
# nvcc (CUDA >= 11) and the NVIDIA driver. Where the Debian libraries are
# missing, scripts/deps.sh installs them (apt), or carry the built binary
# with its .so files from /usr/lib/x86_64-linux-gnu (see docs/gpu.md).
set -eu
cd "$(dirname "$0")/.."
out=${1:-gpu-check.json}
build=${BUILD:-build-gpu}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

nvcc=$(command -v nvcc 2>/dev/null || { [ -x /usr/local/cuda/bin/nvcc ] && echo /usr/local/cuda/bin/nvcc; } || true)
# nvcc builds the kernels; with a carried bundle it only lets ptxas check them.
[ -n "$nvcc" ] || [ -x "${DLP_GPU_BUNDLE:-build-gpu-bundle}/dlprobe" ] ||
	{ echo "gpu-check: nvcc not found: the CUDA kernels cannot be built" >&2; exit 1; }
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true

bundle=${DLP_GPU_BUNDLE:-build-gpu-bundle}
if [ -x "$bundle/dlprobe" ]; then
	# Built elsewhere (make gpu-bundle) and carried here with its libraries:
	# the GPU machine may lack hwloc, jansson and the OpenCL loader.
	echo "== using the carried binary $bundle/dlprobe"
	dlprobe="$bundle/dlprobe"
	export LD_LIBRARY_PATH="$PWD/$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
	"$dlprobe" --version | grep -q "CUDA kernels built: yes" || { echo "gpu-check: the carried binary has no CUDA kernels" >&2; exit 1; }
	ptxdir=$(mktemp -d)
	trap 'rm -f "$log"; rm -rf "$ptxdir"' EXIT
else
	echo "== build ($build, nvcc $nvcc)"
	make -j"$(nproc 2>/dev/null || echo 4)" BUILD="$build" NVCC="$nvcc" all >"$log" 2>&1 || { tail -40 "$log"; exit 1; }
	[ -f "$build/kernels/cuda/gemm.ptx" ] || { echo "gpu-check: no PTX was built" >&2; exit 1; }
	dlprobe="$build/dlprobe"
	ptxdir="$build/kernels/cuda"
fi
if [ -n "$nvcc" ] && [ -n "${ptxdir:-}" ] && [ ! -f "$ptxdir/gemm.ptx" ]; then
	# the same PTX the binary embeds, compiled from the carried sources
	for cu in kernels/cuda/*.cu; do
		arch=compute_75
		case "$cu" in *_sm80.cu) arch=compute_80 ;; *_sm90a.cu) arch=compute_90a ;; esac
		"$nvcc" -arch=$arch -ftz=true -O3 -ptx "$cu" -o "$ptxdir/$(basename "$cu" .cu).ptx"
	done
fi

# PTX -> SASS for this GPU first: a JIT failure names the kernel here.
if [ -n "$nvcc" ] && { command -v ptxas >/dev/null 2>&1 || [ -x "${nvcc%/*}/ptxas" ]; }; then
	ptxas=$(command -v ptxas 2>/dev/null || echo "${nvcc%/*}/ptxas")
	cc=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d .)
	for p in "$ptxdir"/*.ptx; do
		sm=sm_${cc:-90}
		case "$p" in
		*_sm90a.ptx) [ "$sm" = sm_90 ] || continue; sm=sm_90a ;;   # arch-specific: 9.0 only
		esac
		"$ptxas" -arch="$sm" "$p" -o /dev/null && echo "ptxas $sm: $p ok"
	done
fi

echo "== bench (cuda --quick ${DLP_GPU_CHECK_ARGS:-}; every kernel verified before it is timed)"
# A kernel that deadlocks on the GPU would hold the machine until the run's
# own limit: stop the bench after ${DLP_GPU_CHECK_TIMEOUT:-240} s instead.
rc=0
timeout -k 10 "${DLP_GPU_CHECK_TIMEOUT:-240}" "$dlprobe" bench --quick --backend cuda -o "$out" ${DLP_GPU_CHECK_ARGS:-} || rc=$?
[ "$rc" -eq 0 ] || { echo "gpu-check: the bench exited with status $rc (124: timed out, a kernel hung)" >&2; exit 1; }

echo "== summary ($out)"
python3 - "$out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
bad = 0
for b in d["bench"]["backends"]:
    for dev in b["devices"]:
        print("%s  [%s] %s" % (dev.get("name"), dev["status"], dev.get("reason") or ""))
        if dev["status"] != "ok":
            bad += 1  # a device check without a working device has checked nothing
        print("  %-15s %-8s %-5s %-24s %6s %12s %8s %s" % ("kernel", "impl", "dtype", "variant", "n", "rate", "vs_ref", "status"))
        for r in dev["results"]:
            rate = r.get("rate_gflops") or r.get("rate_gbps") or r.get("latency_s")
            unit = "GFLOP/s" if "rate_gflops" in r else "GB/s" if "rate_gbps" in r else "s"
            v = r.get("vs_reference")
            print("  %-15s %-8s %-5s %-24.24s %6s %12s %8s %s %s" % (
                r["kernel"], r["impl"], r.get("dtype") or "-", r.get("variant") or "-",
                r.get("n") or "-", ("%.4g %s" % (rate, unit)) if rate else "-",
                "%.2f" % v if v else "-", r["status"], (r.get("reason") or "")[:60]))
            if r["status"] == "error":
                bad += 1
sys.exit(1 if bad else 0)
PY
