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
# the probe's output so far is one JSON object a line, again after every
# part: a probe that is stopped midway keeps what it finished
SNAP='{"frameworks": {"torch": {"status": "ok", "version": "1.13", "threads": 1, "op_dispatch_s": 2e-06}, "xgboost": {"status": "error", "reason": "unfinished: the probe was stopped at its time limit first"}}, "findings": []}'
cat > "$T/stalls" <<EOF
#!/bin/sh
cat >/dev/null
echo '$SNAP'
printf '{"frameworks": {"tor'
exec sleep 60
EOF
cat > "$T/dies" <<EOF
#!/bin/sh
cat >/dev/null
echo '$SNAP'
echo MemoryError >&2
exit 1
EOF
# the real probe with its budget spent before it starts: every part is
# skipped with the reason, and the probe still answers
cat > "$T/nobudget" <<'EOF'
#!/bin/sh
DLPROBE_FW_BUDGET_S=0 exec /usr/bin/python3 "$@"
EOF
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
# a probe that prints its record again after every part, megabytes in all
# (a large model's convolutions): the last line still counts, not a stale one
cat > "$T/chatty" <<'EOF'
#!/bin/sh
cat >/dev/null
exec python3 -c '
import sys
stale = "{\"frameworks\": {\"torch\": {\"status\": \"unavailable\", \"reason\": \"stale %s\"}}, \"findings\": []}\n"
for i in range(40000):
    sys.stdout.write(stale % ("x" * 40))
print("{\"frameworks\": {\"torch\": {\"status\": \"unavailable\", \"reason\": \"the last line\"}}, \"findings\": []}")'
EOF
chmod +x "$T/chatty"
fw "$T/chatty" ok "the last line"
# (?=...): the reason and the parts kept, in whichever order the JSON has them
fw "$T/stalls" error '^(?=.*did not answer within 9.5 s \(killed\); the parts it finished are kept)(?=.*"op_dispatch_s": 2e-06)(?=.*"xgboost": \{"status": "error", "reason": "unfinished)'
# the bench table lists the parts a stopped probe finished, under its reason
cp "$T/out" "$T/stalled.json"
fw "$T/dies" error '^(?=.*exited with status 1: MemoryError; the parts it finished are kept)(?=.*"op_dispatch_s": 2e-06)'
if NO_COLOR=1 "$B" show "$T/stalled.json" >"$T/show" 2>"$T/err" &&
	grep -q '^frameworks (python .*stalls): error (.*the parts it finished are kept)$' "$T/show" &&
	grep -q '^  torch     1.13, .*dispatch 2.0 us/op' "$T/show" &&
	grep -q '^  xgboost   error: unfinished' "$T/show"; then
	ok "the bench table of a stopped probe lists the parts it finished"
else
	bad "the bench table of a stopped probe: $(tail -4 "$T/show") $(cat "$T/err")"
fi
if [ -x /usr/bin/python3 ]; then
	fw "$T/nobudget" ok '^(?=.*"torch": \{"status": "skipped", "reason": "framework probe budget spent)(?=.*"lightgbm": \{"status": "skipped")'
fi

# the probe's finite(): a NaN or an infinity anywhere in the record is null,
# so every line stays JSON (json.dumps would write NaN, and the parent drop
# that line and every later one); the function itself, taken from the probe
if python3 - data/framework_probe.py <<'PYEOF'
import ast, json, math, sys
tree = ast.parse(open(sys.argv[1]).read())
fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == 'finite')
env = {'math': math}
exec(compile(ast.Module(body=[fn], type_ignores=[]), sys.argv[1], 'exec'), env)
rec = {'a': float('nan'), 'b': [1.5, float('inf'), {'c': -float('inf')}], 'd': (2, 'x'), 'e': True, 'f': 3}
out = env['finite'](rec)
assert out == {'a': None, 'b': [1.5, None, {'c': None}], 'd': [2, 'x'], 'e': True, 'f': 3}, out
json.dumps(out, allow_nan=False)
PYEOF
then
	ok "the probe's records: NaN and infinities become null at any depth"
else
	bad "the probe's finite()"
fi

# a probe stopped midway: the estimate uses the figures it finished
python3 - tests/fixtures/bench_cpu_framework_ref.json "$T/partial.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
f = d['bench']['framework']
f['status'], f['reason'] = 'error', '/usr/bin/python3 did not answer within 9.5 s (killed); the parts it finished are kept'
f['frameworks']['xgboost'] = {'status': 'error', 'reason': 'unfinished: the probe was stopped at its time limit first'}
json.dump(d, open(sys.argv[2], 'w'))
PYEOF
"$B" estimate --hw "$T/partial.json" --model mlp:30,256,256,2 --dataset tabular:200000x30 --json >"$T/est" 2>"$T/err"
if python3 -c "
import json, sys
h = json.load(open('$T/est'))['estimates'][0]['hardware']
sys.exit(0 if 'torch per-op dispatch' in h['sources'].get('op_overhead_s', '') and
         any('did not answer within 9.5 s' in f and 'only the figures it finished are used' in f for f in h['flags'])
         else 1)"; then
	ok "a probe stopped at its limit: the estimate uses the parts it finished and says so"
else
	bad "estimate from a stopped probe: $(head -c 600 "$T/est") $(cat "$T/err")"
fi

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

# the measured part spreads by the probe's own samples: fastest at low, the
# median at high (the larger of the dispatch and reference step medians over
# their fastest; pooling's apart), expected their geometric mean; a document without medians
# (an older dlprobe) takes them as exact and says so
python3 - tests/fixtures/bench_cpu_framework_ref.json "$T/median.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
t = d['bench']['framework']['frameworks']['torch']
t['op_dispatch_median_s'] = 1.5 * t['op_dispatch_s']
t['mlp_step']['step_median_s'] = 1.2 * t['mlp_step']['step_s']
t['pool']['fwd_bwd_median_s'] = 1.1 * t['pool']['fwd_bwd_s']   # its own: no pooling in an MLP
json.dump(d, open(sys.argv[2], 'w'))
PYEOF
for doc in tests/fixtures/bench_cpu_framework_ref.json "$T/median.json"; do
	"$B" estimate --hw "$doc" --model mlp:16,48,48,3 --batch 64 --optimizer adam --samples 6400 --json \
		>"$T/est_$(basename "$doc")" 2>"$T/err" || bad "estimate with $doc: $(cat "$T/err")"
done
if python3 - "$T/est_bench_cpu_framework_ref.json" "$T/est_median.json" <<'PYEOF'
import json, math, sys
plain, med = (json.load(open(f))['estimates'][0] for f in sys.argv[1:3])
p, q = plain['deep'], med['deep']
m = q['step_breakdown_low_s']['framework_measured_s'] * 6400 / 64
close = lambda a, b: abs(a - b) <= 1e-9 * max(abs(a), abs(b))
assert m > 0 and close(m, p['step_breakdown_low_s']['framework_measured_s'] * 100), m
assert close(q['train_s']['low'], p['train_s']['low']), (q['train_s'], p['train_s'])
assert close(q['train_s']['high'] - p['train_s']['high'], m * 0.5), (q['train_s'], p['train_s'], m)
assert close(q['train_s']['expected'] - p['train_s']['expected'], m * (math.sqrt(1.5) - 1)), (q['train_s'], m)
assert '1.500x for its overheads, 1.100x for pooling' in med['hardware']['sources']['framework_spread'], med['hardware']['sources']
assert any('recorded no median for 3 of its figures' in f for f in plain['hardware']['flags']), plain['hardware']['flags']
assert not any('recorded no median' in f for f in med['hardware']['flags']), med['hardware']['flags']
PYEOF
then
	ok "the framework-measured part spreads from its fastest to its median sample; without medians it says so"
else
	bad "the framework-measured part's spread"
fi

# torch's convolution (probe_conv): its fastest forward + backward over the
# time torch's GEMMs at its im2col shapes take here is the factor on
# convolution layers' GEMM rates, in place of the thread-count ratio. A
# model holding the reference convolution (with its input gradient, as the
# probe measures it) is charged exactly the measured time for it; twice the
# time is twice every convolution's time and nothing else's; the part
# missing (an older document), skipped or failed is today's charge, flagged;
# the convolutions spread from the fastest to the median sample
cat > "$T/refcnn.json" <<'EOF'
{"name": "fw_conv_check", "task": "image", "input": [24, 24, 24], "classes": 10,
 "layers": [{"op": "conv", "name": "first", "out": 24, "k": 3, "pad": 1, "bias": true}, {"op": "relu", "name": "act"},
            {"op": "conv", "name": "ref", "out": 48, "k": 3, "pad": 1, "bias": true}, {"op": "maxpool", "name": "pool", "k": 2},
            {"op": "flatten", "name": "flat"}, {"op": "dense", "name": "fc", "out": "classes"}]}
EOF
python3 - tests/fixtures/bench_cpu_framework_ref.json "$T" <<'PYEOF'
import json, sys
conv = {"batch": 16, "in": 24, "out": 48, "h": 24, "w": 24, "k": 3, "stride": 1, "pad": 1, "threads": 1,
        "status": "ok", "max_rel_err": 3e-06, "reps": 10}
for name, part in (("c1", dict(conv, fwd_bwd_s=0.004, fwd_bwd_median_s=0.005)),
                   ("c2", dict(conv, fwd_bwd_s=0.008, fwd_bwd_median_s=0.010)),
                   ("c1exact", dict(conv, fwd_bwd_s=0.004, fwd_bwd_median_s=0.004)),
                   ("skipped", {"status": "skipped", "reason": "framework probe budget spent (7.0 s of 7.0 s)"}),
                   ("wrong", dict(conv, status="error", max_rel_err=0.5, fwd_bwd_s=0.004))):
    d = json.load(open(sys.argv[1]))
    d['bench']['framework']['frameworks']['torch']['conv'] = part
    json.dump(d, open('%s/%s.json' % (sys.argv[2], name), 'w'))
PYEOF
cp tests/fixtures/bench_cpu_framework_ref.json "$T/none.json"
for doc in c1 c2 c1exact skipped wrong none; do
	"$B" estimate --hw "$T/$doc.json" --model "$T/refcnn.json" --batch 16 --samples 1600 --optimizer momentum \
		--classical none --json >"$T/conv_$doc" 2>"$T/err" || bad "estimate with a conv part ($doc): $(cat "$T/err")"
done
if python3 - "$T" <<'PYEOF'
import json, sys
E = {n: json.load(open('%s/conv_%s' % (sys.argv[1], n)))['estimates'][0]
     for n in ('c1', 'c2', 'c1exact', 'skipped', 'wrong', 'none')}
L = {n: {l['layer']: l['fwd_bwd_s'] for l in e['deep']['dominant_layers']} for n, e in E.items()}
close = lambda a, b: abs(a - b) <= 1e-9 * max(abs(a), abs(b))
src = lambda n: E[n]['hardware']['sources']
flags = lambda n: ' | '.join(E[n]['hardware']['flags'])
# the reference convolution itself at the time torch measured for it
assert close(L['c1']['ref'], 0.004), L['c1']
assert 'factor' in src('c1').get('conv_factor', '') and 'measured convolution rate' in flags('c1'), src('c1')
# twice the measured time: every convolution twice as long, nothing else moves
for k in ('first', 'ref'):
    assert close(L['c2'][k], 2 * L['c1'][k]), (k, L['c1'], L['c2'])
for k in ('act', 'pool', 'fc'):
    assert L['c1'][k] == L['c2'][k] == L['none'][k], (k, L)
assert L['c1']['first'] != L['none']['first'], L
# missing, skipped or failed: today's charge, the same to the last digit, flagged
for n in ('skipped', 'wrong'):
    assert E[n]['deep']['train_s'] == E['none']['deep']['train_s'], (n, E[n]['deep']['train_s'])
    assert 'conv_factor' not in src(n), src(n)
assert "not measured (a document from an older dlprobe): its convolutions are charged as GEMMs" in flags('none')
assert "budget spent (7.0 s of 7.0 s): its convolutions are charged as GEMMs" in flags('skipped'), flags('skipped')
assert "measurement is not verified: its convolutions are charged as GEMMs" in flags('wrong'), flags('wrong')
# the convolutions join the framework-measured part, spread by their median
conv_s = L['c1']['first'] + L['c1']['ref']
m = lambda n: E[n]['deep']['step_breakdown_low_s']['framework_measured_s']
assert close(m('c1') - m('none'), conv_s), (m('c1'), m('none'), conv_s)
steps = 1600 / 16
t1, tx = E['c1']['deep']['train_s'], E['c1exact']['deep']['train_s']
assert close(t1['low'], tx['low']) and close(t1['high'] - tx['high'], steps * conv_s * 0.25), (t1, tx, conv_s)
assert '1.250x for convolutions' in src('c1')['framework_spread'], src('c1')
PYEOF
then
	ok "convolutions at torch's measured convolution rate: the reference at its measured time, only conv layers scaled, a missing, skipped or failed part flagged, spread by its samples"
else
	bad "the convolution factor"
fi

# the real probe, where this machine has torch: its reference step is not a
# validation case, its pooling and activation are verified, and it stays in its time limit.
# On a loaded machine a part may find the budget spent: it is then skipped
# with that reason (checked), never run past the limit
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	start=$(date +%s)
	DLPROBE_PYTHON=/usr/bin/python3 timeout 60 "$B" -q bench --backend none --framework --json >"$T/out" 2>"$T/err"
	took=$(($(date +%s) - start))
	if note=$(python3 -c "
import json, sys
f = json.load(open('$T/out'))['bench']['framework']
t = f['frameworks']['torch']
step, pool, conv, act = t['mlp_step'], t['pool'], t['conv'], t['act']
spent = lambda p: p['status'] == 'skipped' and p['reason'].startswith('framework probe budget spent')
assert f['status'] == 'ok', f.get('reason')
assert spent(step) or (step['status'] == 'ok' and step['model'] == 'mlp:16,48,48,3' and
                       0 < step['step_s'] <= step['step_median_s']), step
assert spent(pool) or (pool['status'] == 'ok' and 0 < pool['fwd_bwd_s'] <= pool['fwd_bwd_median_s']), pool
assert spent(conv) or (conv['status'] == 'ok' and conv['threads'] == t['threads'] and
                       0 < conv['fwd_bwd_s'] <= conv['fwd_bwd_median_s']), conv
assert spent(act) or (act['status'] == 'ok' and act['verified'] is True and act['timed_elements'] == 786432 and
                      0 < act['fwd_bwd_s_per_elem'] <= act['fwd_bwd_median_s_per_elem']), act
assert 0 < t['op_dispatch_s'] <= t['op_dispatch_median_s'], t
# bf16 GEMMs through torch: checked at the bf16 bound, above fp32's rounding;
# where torch refuses bf16 (oneDNN without it), that entry's error
assert len(t['gemm_bf16']) == 3, t['gemm_bf16']
for g in t['gemm_bf16']:
    assert spent(g) or (g['status'] == 'ok' and 1e-5 < g['max_rel_err'] < 1e-2 and g['rate_gflops'] > 0) or \
        (g['status'] == 'error' and g['reason'].startswith('RuntimeError')), g
# timed again after the later parts: windows spread over the probe, each
# adding samples (a busy machine may leave no budget for more than one)
assert t['op_dispatch_windows'] >= 1 and t['op_dispatch_batches'] >= t['op_dispatch_windows'], t
assert spent(step) or (step['step_windows'] >= 1 and step['steps'] >= step['step_windows']), step
assert spent(conv) or (t['op_dispatch_windows'] >= 3 and (spent(step) or step['step_windows'] >= 3)), t
print(', '.join(n + ' skipped (budget spent)' for n, p in (('reference step', step), ('pooling', pool), ('activation', act), ('convolution', conv)) if spent(p)))
") && [ "$took" -le 10 ]; then
		ok "real torch probe: reference step, verified pooling, activation and convolution in ${took} s${note:+ ($note)}"
	else
		bad "real torch probe (${took} s): $(head -c 400 "$T/out") $(head -c 200 "$T/err")"
	fi
else
	echo "skip real torch probe: /usr/bin/python3 has no torch"
fi
# torch refusing a bf16 GEMM (oneDNN capped below bf16: what a CPU without
# it does) is that entry's error; the parts after it are still measured
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	if ONEDNN_MAX_CPU_ISA=AVX2 DLPROBE_PYTHON=/usr/bin/python3 timeout 60 "$B" -q bench --backend none --framework --json >"$T/out" 2>"$T/err" &&
		python3 -c "
import json
f = json.load(open('$T/out'))['bench']['framework']
t = f['frameworks']['torch']
assert f['status'] == 'ok', f.get('reason')
for g in t['gemm_bf16']:
    assert g['status'] == 'ok' or not g['reason'].startswith('unfinished'), g
for part in ('pool', 'act', 'conv'):
    assert t[part]['status'] == 'ok' or t[part]['reason'].startswith('framework probe budget spent'), t[part]
"; then
		ok "real torch probe, oneDNN capped at AVX2: a refused bf16 GEMM costs only its own entry"
	else
		bad "real torch probe, oneDNN capped at AVX2: $(head -c 600 "$T/out") $(head -c 200 "$T/err")"
	fi
fi
# The probe's workload mode (estimate --measure): a workload's own
# activation size and convolutions, each verified against torch's double-precision reference
# before its time counts: a plain one at a batch past the cut, one without
# an input gradient, a depthwise (grouped) one, a strided and dilated one
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import torch" 2>/dev/null; then
	CONVS='{"batch": 256, "conv": [
		{"in": 64, "h": 32, "w": 32, "out": 64, "k": 3, "stride": 1, "pad": 1, "groups": 1, "dilation": 1, "bias": 0, "input_grad": true, "flops": 4},
		{"in": 3, "h": 32, "w": 32, "out": 16, "k": 3, "stride": 1, "pad": 1, "groups": 1, "dilation": 1, "bias": 1, "input_grad": false, "flops": 3},
		{"in": 32, "h": 16, "w": 16, "out": 32, "k": 3, "stride": 1, "pad": 1, "groups": 32, "dilation": 1, "bias": 0, "input_grad": true, "flops": 2},
		{"in": 8, "h": 15, "w": 17, "out": 12, "k": 3, "stride": 2, "pad": 2, "groups": 1, "dilation": 2, "bias": 1, "input_grad": true, "flops": 1}],
		"activation": [{"op": "activation", "elements": 100003}]}'
	printf '%s' "$CONVS" > "$T/convs.json"
	if DLPROBE_FW_BUDGET_S=8 DLPROBE_FW_CONV_FILE="$T/convs.json" timeout 30 /usr/bin/python3 - < data/framework_probe.py > "$T/conv.out" 2>"$T/conv.err" &&
		note=$(python3 -c "
import json, sys
r = json.loads(open('$T/conv.out').read().splitlines()[-1])
assert r['torch']['status'] == 'ok', r
c = r['conv']
assert len(c) == 4, c
for x in c:
    assert x['status'] == 'ok' and x['verified'] and x['max_rel_err'] < 1e-4, x
    assert 0 < x['fwd_bwd_s'] <= x['fwd_bwd_median_s'] and x['reps'] >= x['windows'] >= 1, x
a = r['activation'][0]
assert a['status'] == 'ok' and a['verified'] and a['timed_elements'] == 100003, a
assert 0 < a['fwd_bwd_s_per_elem'] <= a['fwd_bwd_median_s_per_elem'], a
# one call does at most about 4 GFLOP, so the first is cut, never below 8
assert 8 <= c[0]['timed_batch'] < 256 and c[1]['timed_batch'] == 256, c
print('%.0f us a sample for the first, batch %d of 256' % (c[0]['fwd_bwd_s'] * 1e6, c[0]['timed_batch']))
"); then
		ok "real torch probe, a workload's convolutions and activation: four and one verified and timed ($note)"
	else
		bad "real torch probe, a workload's convolutions: $(tail -c 600 "$T/conv.out") $(tail -c 300 "$T/conv.err")"
	fi
	# mixed precision on a CPU: the same convolutions under torch's bf16
	# autocast, checked at the bf16 bound; an error above fp32's rounding
	# shows bf16 really ran
	CONVS16='{"batch": 64, "conv": [
		{"in": 64, "h": 16, "w": 16, "out": 64, "k": 3, "stride": 1, "pad": 1, "groups": 1, "dilation": 1, "bias": 0, "input_grad": true, "flops": 2, "dtype": "bf16"},
		{"in": 32, "h": 16, "w": 16, "out": 32, "k": 3, "stride": 1, "pad": 1, "groups": 32, "dilation": 1, "bias": 1, "input_grad": true, "flops": 1, "dtype": "bf16"}]}'
	printf '%s' "$CONVS16" > "$T/convs16.json"
	if DLPROBE_FW_BUDGET_S=4 DLPROBE_FW_CONV_FILE="$T/convs16.json" timeout 30 /usr/bin/python3 - < data/framework_probe.py > "$T/conv16.out" 2>"$T/conv16.err" &&
		note=$(python3 -c "
import json
r = json.loads(open('$T/conv16.out').read().splitlines()[-1])
c = r['conv']
assert len(c) == 2, c
for x in c:
    assert x['status'] == 'ok' and x['verified'] and x['dtype'] == 'bf16', x
    assert 1e-5 < x['max_rel_err'] < 2e-2, x
    assert 0 < x['fwd_bwd_s'] <= x['fwd_bwd_median_s'], x
print('max rel. error %.1e, %.1e' % (c[0]['max_rel_err'], c[1]['max_rel_err']))
"); then
		ok "real torch probe, convolutions under bf16 autocast: verified at the bf16 bound ($note)"
	else
		bad "real torch probe, bf16 convolutions: $(tail -c 600 "$T/conv16.out") $(tail -c 300 "$T/conv16.err")"
	fi
else
	echo "skip real torch probe of a workload's convolutions: /usr/bin/python3 has no torch"
fi
echo "framework: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
