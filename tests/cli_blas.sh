#!/bin/sh
# Fault injection for the BLAS references (issue 15): a library that crashes
# or hangs, one that is missing, and address-space limits that OpenBLAS
# cannot live under must cost only the BLAS results, never the run.
# Run by `make check-cli`.
set -u
BUILD=${BUILD:-build}
B=$BUILD/dlprobe
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

# check NAME FILE PYTHON-EXPR: the expression over the CPU device `d` is true
check() {
	if python3 - "$2" "$3" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
d = [x for b in doc["bench"]["backends"] if b["backend"] == "cpu" for x in b["devices"]][0]
ok = eval(sys.argv[2])
sys.exit(0 if ok else 1)
PY
	then ok "$1"; else bad "$1"; fi
}

# One run: the system BLAS crashes, the second reference hangs (2 s allowed),
# the third does not exist. Before the references ran in children this
# killed dlprobe (SIGSEGV) or hung it.
DLPROBE_BLAS_LIB="$BUILD/tests/libblas_crash.so,$BUILD/tests/libblas_hang.so,/nonexistent/libblas.so.3" \
DLPROBE_BLAS_TIMEOUT_S=2 timeout 300 "$B" bench --quick --backend cpu -q -o "$T/faults.json" >/dev/null 2>"$T/err"
rc=$?
if [ "$rc" -eq 0 ]; then ok "crashing and hanging BLAS: bench exits 0"; else bad "crashing and hanging BLAS: exit $rc ($(head -c 300 "$T/err"))"; fi
if [ -s "$T/faults.json" ]; then
	check "crashing BLAS: system_blas error with the signal" "$T/faults.json" \
		'd["system_blas"]["status"] == "error" and "signal 11" in d["system_blas"]["reason"]'
	check "hanging BLAS: error after its time limit" "$T/faults.json" \
		'd["other_blas"][0]["status"] == "error" and "within 2.0 s" in d["other_blas"][0]["reason"]'
	check "missing BLAS: unavailable with the name" "$T/faults.json" \
		'd["other_blas"][1]["status"] == "unavailable" and "/nonexistent/libblas.so.3" in d["other_blas"][1]["reason"]'
	check "failed BLAS: dlprobe's own GEMMs still measured, nothing compared" "$T/faults.json" \
		'(any(r["kernel"] == "gemm" and r["status"] == "ok" for r in d["results"]) and
		 not any(r["impl"] == "blas" for r in d["results"]) and
		 all(r.get("vs_reference") is None for r in d["results"]))'
fi

# Address-space limits: AddressSanitizer reserves terabytes of shadow memory
# and cannot run under any ulimit -v, so only the plain build is checked.
if ldd "$B" 2>/dev/null | grep -q libasan; then
	echo "skip ulimit -v checks (sanitizer build)"
else
	for kb in 100000 60000; do
		(ulimit -v $kb && exec timeout 60 "$B" bench --quick --backend cpu -q -o "$T/lim$kb.json") >/dev/null 2>"$T/err"
		rc=$?
		if [ "$rc" -eq 0 ]; then ok "ulimit -v $kb: bench exits 0"; else bad "ulimit -v $kb: exit $rc ($(head -c 300 "$T/err"))"; fi
		[ -s "$T/lim$kb.json" ] && check "ulimit -v $kb: BLAS skipped with the limit named" "$T/lim$kb.json" \
			'd["system_blas"]["status"] == "skipped" and "ulimit -v" in d["system_blas"]["reason"]'
	done
fi

echo "cli_blas: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
