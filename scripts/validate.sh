#!/bin/sh
# make validate: train small models with real frameworks (Debian's
# python3-torch, python3-sklearn, python3-xgboost), run dlprobe bench and
# dlprobe estimate for the same workloads, and write a predicted-vs-measured
# table (docs/validation.md format) to ${OUT:-build/validation.md}.
# Not part of `make test`: it takes minutes and installs packages.
set -eu
BIN=${BIN:-build/dlprobe}
OUT=${OUT:-build/validation.md}
WORK=${WORK:-build/validate}
PY=/usr/bin/python3   # Debian's python (not a pyenv one on PATH): the framework packages live there
PKGS="python3-torch python3-sklearn python3-xgboost python3-threadpoolctl"
mkdir -p "$WORK"

if ! $PY -c 'import torch, sklearn, xgboost, threadpoolctl' 2>/dev/null; then
	if [ "$(id -u)" = 0 ]; then
		apt-get update
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $PKGS
	else
		echo "validate: needs $PKGS (run as root to install, or: apt-get install $PKGS)" >&2
		exit 1
	fi
fi
[ -x "$BIN" ] || { echo "validate: build $BIN first (make all)" >&2; exit 1; }

# Timings are only meaningful on an otherwise quiet machine: record the load
# and any other process using more than 20% of a CPU over one second.
busy() {
	top -bn2 -d1 | awk '/^top -/ {n++} n == 2 && $1 ~ /^[0-9]+$/ && $9 + 0 > 20 {printf "%s(%s%%) ", $12, $9; f = 1}
		END {if (!f) printf "none"}'
}
printf '%s; busy: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" "$(busy)" > "$WORK/load_before.txt"
echo "== load before: $(cat "$WORK/load_before.txt")" >&2

# The bench as configured: the environment as it is (on the CI machine
# OPENBLAS_CORETYPE=Haswell and OPENBLAS_L2_SIZE=512 are set).
echo "== dlprobe bench --backend cpu (as configured)" >&2
"$BIN" bench --backend cpu -q -o "$WORK/bench.json"

# The two constants the bench cannot measure, re-measured for the record
# (the estimator uses the values in data/instances.json).
echo "== calibration micro-measurements (not the validation cases)" >&2
$PY scripts/validate/calibrate.py --bin "$BIN" --bench "$WORK/bench.json" > "$WORK/calibrate.json"

# Framework BLAS as configured (the inherited environment, torch's own thread
# default) and fixed: OPENBLAS_L2_SIZE unset, OPENBLAS_CORETYPE the core type
# for this CPU's ISA (SkylakeX kernels on AVX-512, else Haswell), torch given
# every CPU, and OpenMP threads that sleep instead of spinning against
# OpenBLAS's own pthreads (Debian's torch calls the system OpenBLAS).
if grep -q avx512f /proc/cpuinfo; then FIXED=SkylakeX; else FIXED=Haswell; fi
echo "== training, framework BLAS as configured (OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset})" >&2
$PY scripts/validate/train.py --blas configured > "$WORK/measured_configured.json"
echo "== training, framework BLAS fixed (OPENBLAS_CORETYPE=$FIXED)" >&2
env -u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE=$FIXED OMP_WAIT_POLICY=PASSIVE VALIDATE_TORCH_THREADS=all \
	$PY scripts/validate/train.py --blas fixed > "$WORK/measured_fixed.json"
printf '%s; busy: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" "$(busy)" > "$WORK/load_after.txt"
$PY scripts/validate/table.py --bin "$BIN" --bench "$WORK/bench.json" --calibration "$WORK/calibrate.json" \
	--load-before "$WORK/load_before.txt" --load-after "$WORK/load_after.txt" \
	"$WORK/measured_configured.json" "$WORK/measured_fixed.json" > "$OUT"
cat "$OUT"
