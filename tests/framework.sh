#!/bin/sh
# `bench --framework` (kernels/framework.c): the framework probe runs in a
# child python named by DLPROBE_PYTHON. A python that hangs, crashes, is
# missing or prints garbage is a result with a status, never a hung or dead
# dlprobe; a document with a framework section feeds the estimate its
# measured per-op dispatch and GEMM rates (tests/fixtures/bench_cpu_framework.json:
# the probe's real output on the CI machine, torch 1.13 / xgboost 1.7).
set -u
B=${BUILD:-build}/dlprobe
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

printf '#!/bin/sh\nexec sleep 60\n' > "$T/hang"
printf '#!/bin/sh\nkill -SEGV $$\n' > "$T/crash"
printf '#!/bin/sh\necho not json\n' > "$T/garbage"
printf '#!/bin/sh\necho "Traceback: ImportError: broken" >&2\nexit 1\n' > "$T/fails"
printf '#!/bin/sh\ncat >/dev/null\necho %s\n' \
	"'{\"frameworks\": {\"torch\": {\"status\": \"unavailable\", \"reason\": \"ModuleNotFoundError\"}}, \"findings\": []}'" \
	> "$T/notorch"
chmod +x "$T"/*

# fw PYTHON STATUS PATTERN: the framework section's status and reason
fw() {
	py=$1 want=$2 pat=$3
	start=$(date +%s)
	if ! DLPROBE_PYTHON="$py" timeout 60 "$B" -q bench --backend none --framework --json >"$T/out" 2>"$T/err"; then
		bad "framework probe with $py: dlprobe failed ($(head -c 200 "$T/err"))"
		return
	fi
	took=$(($(date +%s) - start))
	if python3 -c "
import json, re, sys
f = json.load(open('$T/out'))['bench']['framework']
sys.exit(0 if f['status'] == '$want' and re.search(r'''$pat''', json.dumps(f)) else 1)"; then
		ok "framework probe, $(basename "$py"): $want in ${took} s"
	else
		bad "framework probe, $(basename "$py"): $(python3 -c "import json; print(json.load(open('$T/out'))['bench']['framework'])")"
	fi
	[ "$took" -le 15 ] || bad "framework probe, $(basename "$py"): took $took s (limit 9.5)"
}
fw "$T/hang" error "did not answer within 9.5 s"
fw "$T/crash" error "crashed \\(signal 11"
fw "$T/garbage" error "no JSON object"
fw "$T/fails" error "exited with status 1: Traceback: ImportError: broken"
fw /nonexistent/python3 unavailable "no python interpreter"
fw "$T/notorch" ok "ModuleNotFoundError"

# the estimate reads the framework's figures
"$B" estimate --hw tests/fixtures/bench_cpu_framework.json --model mlp:30,256,256,2 \
	--dataset tabular:200000x30 --json >"$T/est" 2>"$T/err"
if python3 -c "
import json, sys
h = json.load(open('$T/est'))['estimates'][0]['hardware']
sys.exit(0 if 'torch per-op dispatch' in h['sources'].get('op_overhead_s', '') and
         any('torch 1.13' in f for f in h['flags']) and any('1 intra-op thread' in f for f in h['flags']) else 1)"; then
	ok "estimate uses torch's dispatch time and GEMMs, and says torch runs one thread"
else
	bad "estimate with a framework section: $(head -c 300 "$T/est") $(cat "$T/err")"
fi
# the reference training step becomes the per-step overhead: the reference
# model itself is estimated at the step torch measured for it (600 us in
# tests/fixtures/bench_cpu_framework_ref.json), and torch on 1 thread of 2
# has its convolutions charged at the bench's 1-thread GEMM rate
"$B" estimate --hw tests/fixtures/bench_cpu_framework_ref.json --model mlp:16,48,48,3 --batch 64 \
	--optimizer adam --samples 6400 --json >"$T/est" 2>"$T/err"
if python3 -c "
import json, sys
e = json.load(open('$T/est'))['estimates'][0]
h, d = e['hardware'], e['deep']
sys.exit(0 if abs(d['step_s'] / 600e-6 - 1) < 1e-9 and
         'torch reference step mlp:16,48,48,3 batch 64 adam' in h['sources'].get('step_overhead_s', '') and
         '1-thread / 2-thread GEMM' in h['sources'].get('conv_rate_at_framework_threads', '') and
         any('its convolutions are charged at the measured GEMM rate' in f for f in h['flags']) else 1)"; then
	ok "estimate derives the per-step overhead from torch's reference step and charges convs at torch's threads"
else
	bad "estimate with a reference step: $(head -c 600 "$T/est") $(cat "$T/err")"
fi

# the real probe, where this machine has torch: its reference step is not a
# validation case, its pooling is verified, and it stays in its time limit
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	start=$(date +%s)
	DLPROBE_PYTHON=/usr/bin/python3 timeout 60 "$B" -q bench --backend none --framework --json >"$T/out" 2>"$T/err"
	took=$(($(date +%s) - start))
	if python3 -c "
import json, sys
f = json.load(open('$T/out'))['bench']['framework']
t = f['frameworks']['torch']
sys.exit(0 if f['status'] == 'ok' and t['mlp_step']['model'] == 'mlp:16,48,48,3' and
         t['mlp_step']['step_s'] > 0 and t['pool']['status'] == 'ok' else 1)" && [ "$took" -le 10 ]; then
		ok "real torch probe: reference step and verified pooling in ${took} s"
	else
		bad "real torch probe (${took} s): $(head -c 400 "$T/out") $(head -c 200 "$T/err")"
	fi
else
	echo "skip real torch probe: /usr/bin/python3 has no torch"
fi
echo "framework: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
