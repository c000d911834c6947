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
PY=/usr/bin/python3   # Debian's python: the framework packages live there
mkdir -p "$WORK"

if ! $PY -c 'import torch, sklearn, xgboost' 2>/dev/null; then
	if [ "$(id -u)" = 0 ]; then
		apt-get install -y --no-install-recommends python3-torch python3-sklearn python3-xgboost
	else
		echo "validate: needs python3-torch python3-sklearn python3-xgboost (run as root to install)" >&2
		exit 1
	fi
fi
[ -x "$BIN" ] || { echo "validate: build $BIN first (make all)" >&2; exit 1; }

echo "== dlprobe bench (as configured)" >&2
"$BIN" bench --backend cpu --json -q -o "$WORK/bench.json"

# Framework BLAS as configured (OpenBLAS auto-detection) and fixed: an
# explicit core type for this CPU's ISA (AVX-512 when present, else AVX2).
if grep -q avx512f /proc/cpuinfo; then FIXED=SkylakeX; else FIXED=Haswell; fi
for blas in configured fixed; do
	echo "== training, BLAS $blas" >&2
	if [ $blas = fixed ]; then
		OPENBLAS_CORETYPE=$FIXED $PY scripts/validate/train.py --blas $blas > "$WORK/measured_$blas.json"
	else
		env -u OPENBLAS_CORETYPE $PY scripts/validate/train.py --blas $blas > "$WORK/measured_$blas.json"
	fi
done
$PY scripts/validate/table.py --bin "$BIN" --bench "$WORK/bench.json" --fixed-coretype "$FIXED" \
	"$WORK/measured_configured.json" "$WORK/measured_fixed.json" > "$OUT"
cat "$OUT"
