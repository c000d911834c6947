#!/bin/sh
# Fault injection: a GPU driver that crashes or hangs, in the probe or in the
# measurement, costs only its own backend's results. The CPU results and the
# document survive; the broken backend is an "error" entry with the reason;
# the exit status is 0 (the document was written). A killed dlprobe leaves no
# driver child behind. Run by `make check-cli`; every command runs under a
# 120 s timeout, so a hang is a failure (exit 124), not a stuck suite.
set -u
BD=${BUILD:-build}
B=$BD/dlprobe
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
CUDA_FAKE=$BD/tests/libcuda_fake.so

# A vendors directory naming the crashing ICD (tests/fakes/fake_icd_crash.c).
mkdir "$T/icd"
echo "$(realpath "$BD/tests/libOpenCL_crash.so")" > "$T/icd/crash.icd"

# run NAME CODE -- CMD...: exit status CODE, stdout to $T/out.json
run() {
	name=$1 code=$2
	shift 3
	timeout 120 "$@" >"$T/out.json" 2>"$T/err"
	rc=$?
	if [ "$rc" -ne "$code" ]; then
		fail=$((fail + 1)); echo "FAIL $name: exit $rc, wanted $code ($(head -c 300 "$T/err"))"
		return 1
	fi
	pass=$((pass + 1)); echo "ok   $name"
}
# check NAME PYTHON: an assertion on the document d (bench backends in b)
check() {
	if /usr/bin/python3 -c "
import json, sys
d = json.load(open('$T/out.json'))
b = {e['backend']: e for e in d.get('bench', {}).get('backends', [])}
def cpu_ok():
    c = b['cpu']
    return c['status'] == 'ok' and any(r['status'] == 'ok' for dev in c['devices'] for r in dev['results'])
$2
" 2>"$T/py"; then
		pass=$((pass + 1)); echo "ok   $1"
	else
		fail=$((fail + 1)); echo "FAIL $1: $(tail -1 "$T/py")"
	fi
}

# The driver crashes in the measurement (the probe creates no context and
# passes) and the OpenCL ICD crashes in the probe: both GPU backends are
# error entries, the CPU was measured.
run "bench: CUDA crashing in the measurement, ICD crashing" 0 -- \
	env DLPROBE_LIBCUDA="$CUDA_FAKE" FAKE_CUDA_MODE=ctxcrash OCL_ICD_VENDORS="$T/icd" \
	"$B" bench --json -q
check "bench: CPU results kept" "assert cpu_ok()"
check "bench: CUDA is an error entry saying it crashed" \
	"c = b['cuda']; assert c['status'] == 'error' and 'cuda measurement crashed (signal 11' in c['reason'], c"
check "bench: OpenCL skipped, its probe crashed" \
	"o = b['opencl']; assert o['status'] == 'error' and o['reason'].startswith('not measured: in the probe') and 'crashed' in o['reason'], o"

run "bench --backend cuda: driver crashing in the probe" 0 -- \
	env DLPROBE_LIBCUDA="$CUDA_FAKE" FAKE_CUDA_MODE=crash "$B" bench --backend cuda --json -q
check "CUDA not measured after its probe crashed" \
	"c = b['cuda']; assert c['status'] == 'error' and 'not measured: in the probe, the CUDA driver crashed' in c['reason'], c"
run "bench text: a crashed backend is a line, not a dead dlprobe" 0 -- \
	env DLPROBE_LIBCUDA="$CUDA_FAKE" FAKE_CUDA_MODE=crash "$B" bench --backend cuda -q
if grep -q "^cuda: error (not measured: in the probe" "$T/out.json"; then
	pass=$((pass + 1)); echo "ok   bench text names the error"
else
	fail=$((fail + 1)); echo "FAIL bench text: $(head -3 "$T/out.json")"
fi

run "bench --backend cuda: driver hanging in the measurement" 0 -- \
	env DLPROBE_LIBCUDA="$CUDA_FAKE" FAKE_CUDA_MODE=ctxhang DLPROBE_GPU_TIMEOUT=2 \
	"$B" bench --backend cuda --json -q
check "CUDA stopped at its deadline" \
	"c = b['cuda']; assert c['status'] == 'error' and c['reason'] == 'the cuda measurement did not answer within 2.0 s', c"

run "bench --backend cuda: driver hanging in the probe" 0 -- \
	env DLPROBE_LIBCUDA="$CUDA_FAKE" FAKE_CUDA_MODE=hang "$B" bench --backend cuda --json -q
check "CUDA not measured after its probe timed out" \
	"c = b['cuda']; assert c['status'] == 'error' and 'not measured: in the probe, the CUDA driver did not answer within' in c['reason'], c"

run "DLPROBE_GPU_TIMEOUT must be decimal seconds: a usage error" 2 -- \
	env DLPROBE_LIBCUDA="$CUDA_FAKE" FAKE_CUDA_MODE=ctxhang DLPROBE_GPU_TIMEOUT=0x10 \
	"$B" bench --backend cuda --json -q
if grep -q '^dlprobe: DLPROBE_GPU_TIMEOUT=0x10 is not a decimal number' "$T/err" && [ ! -s "$T/out.json" ]; then
	pass=$((pass + 1)); echo "ok   a bad DLPROBE_GPU_TIMEOUT is refused before the bench"
else
	fail=$((fail + 1)); echo "FAIL a bad DLPROBE_GPU_TIMEOUT: $(head -c 300 "$T/err")"
fi

# The default run (probe, CPU bench, the default scenario) with both drivers
# broken: the probe's isolation keeps it whole.
run "default run: CUDA hanging, ICD crashing" 0 -- \
	env DLPROBE_LIBCUDA="$CUDA_FAKE" FAKE_CUDA_MODE=hang OCL_ICD_VENDORS="$T/icd" "$B" --json -q
check "default run: CPU results and the estimates kept" \
	"assert cpu_ok() and d['probe']['cuda']['status'] == 'error' and d['probe']['opencl']['status'] == 'error' and d.get('estimates'), list(d)"

# Killing dlprobe while a driver call hangs in its child: the child goes too
# (PR_SET_PDEATHSIG), it does not hang on forever.
DLPROBE_LIBCUDA="$CUDA_FAKE" FAKE_CUDA_MODE=ctxhang "$B" bench --backend cuda --json -q >/dev/null 2>&1 &
parent=$!
child= prev= st=
for i in $(seq 40); do
	# the same child seen twice 0.5 s apart is the hanging bench child (the
	# probe's short-lived child answers within milliseconds in ctxhang mode)
	child=$(awk -v p="$parent" '$4 == p { print $1 }' /proc/[0-9]*/stat 2>/dev/null | head -1)
	[ -n "$child" ] && [ "$child" = "$prev" ] && break
	prev=$child
	sleep 0.5
done
kill -9 "$parent"; wait "$parent" 2>/dev/null
gone=0
for i in $(seq 50); do
	st=$(awk '{ print $3 }' /proc/"$child"/stat 2>/dev/null)
	if [ -z "$child" ] || [ -z "$st" ] || [ "$st" = Z ]; then gone=1; break; fi
	sleep 0.1
done
if [ -n "$child" ] && [ "$gone" -eq 1 ]; then
	pass=$((pass + 1)); echo "ok   a killed dlprobe leaves no driver child"
else
	fail=$((fail + 1)); echo "FAIL a killed dlprobe left child ${child:-(none found)} (state $st)"
	[ -n "$child" ] && kill -9 "$child" 2>/dev/null
fi

echo "faults: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
