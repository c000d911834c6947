#!/bin/sh
# The JSON dlprobe writes, checked with a real validator against the shipped
# schema; and a broken document must be rejected (so the check can fail).
set -u
B=${BUILD:-build}/dlprobe
PY=/usr/bin/python3
V="$PY tests/validate_json.py data/dlprobe.schema.json"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { name=$1; shift; if "$@"; then ok "$name"; else ko "$name"; fi; }

"$B" probe --json > "$T/probe.json" 2>"$T/err" || ko "probe --json exits 0"
check "probe document is schema-valid" $V "$T/probe.json"
# the same document with a bad status must fail validation
$PY -c "import json,sys; d=json.load(open(sys.argv[1])); d['probe']['cuda']['status']='maybe'; json.dump(d,open(sys.argv[2],'w'))" "$T/probe.json" "$T/bad.json"
check "a wrong status is rejected" sh -c "! $V '$T/bad.json' 2>/dev/null"
$PY -c "import json,sys; d=json.load(open(sys.argv[1])); d['probe']['topology']['cores']=float('nan'); json.dump(d,open(sys.argv[2],'w'))" "$T/probe.json" "$T/bad2.json" 2>/dev/null
check "NaN in place of a count is rejected" sh -c "! $V '$T/bad2.json' 2>/dev/null"

# Every other document the front end writes, when its command is built.
for cmd in "bench --backend cpu --quick" "bench --backend opencl --quick" "list models" \
	   "estimate --model mlp:100,64,2 --dataset tabular:100000x100 --instance c7i.2xlarge"; do
	f="$T/doc.json"
	if "$B" -q $cmd --json > "$f" 2>"$T/err"; then
		check "$cmd: schema-valid" $V "$f"
		case "$cmd" in bench*) cp "$f" "$T/bench_$(echo "$cmd" | tr -c 'a-z' _).json" ;; esac
	else
		ko "$cmd: exits 0 ($(head -1 "$T/err"))"
	fi
done
# --quick caps a STREAM array at 256 MiB (bench_stream.c) and says how many
# last-level caches it holds: at 4x a 480 MiB cache the arrays were 1.9 GiB
check "bench --quick: STREAM arrays at most 256 MiB, llc_multiple = an array over the L3" $PY -c "
import json, sys
d = json.load(open(sys.argv[1]))
l3 = max([c['size_bytes'] for c in json.load(open(sys.argv[2]))['probe']['topology']['caches']
          if c.get('level') == 3 and c.get('size_bytes')] or [0])
tri = [r for r in d['bench']['backends'][0]['devices'][0]['results']
       if r['kernel'] == 'stream_triad' and r['status'] == 'ok']
assert tri, 'no stream_triad measured'
for r in tri:
    per = r['bytes'] / 3
    assert per <= 256 << 20, r['bytes']
    if l3:
        assert abs(r['llc_multiple'] * l3 / per - 1) < 1e-9, (r['llc_multiple'], l3, per)
    else:
        assert r['llc_multiple'] is None, r
" "$(ls "$T"/bench_*cpu*.json | head -1)" "$T/probe.json"
# the default run: probe, quick CPU bench and the scenario's verdict in one document
# (its text, printed beside the document, must fit one 40x80 screen)
if NO_COLOR=1 "$B" -q -o "$T/default.json" > "$T/default.txt" 2>"$T/err"; then
	check "default run: text fits 40 lines of 80 columns" sh -c "[ \$(wc -l < '$T/default.txt') -le 40 ] &&
		! awk 'length(\$0) > 80 { bad = 1 } END { exit !bad }' '$T/default.txt'"
	check "default run: schema-valid" $V "$T/default.json"
	check "default run: a verdict that says which side the numbers favour" /usr/bin/python3 -c "
import json,sys; d=json.load(open('$T/default.json'))
s=d['verdict']['summary']; assert 'favour' in s or 'mixed' in s, s
assert d['bench']['backends'][0]['backend']=='cpu' and d['estimates']"
else
	ko "default run: exits 0 ($(head -1 "$T/err"))"
fi
# kernel names: constants, the estimator's reader table, the schema and what
# the backends emit (their sources, and the bench documents just written)
check "one kernel vocabulary" $PY tests/vocab.py "$T"/bench_*.json
# the check can fail: a document with a kernel the table does not know
$PY -c "import json,sys; d=json.load(open(sys.argv[1])); d['bench']['backends'][0]['devices'][0]['results'][0]['kernel']='gemm2'; json.dump(d,open(sys.argv[2],'w'))" "$(ls "$T"/bench_*cpu*.json | head -1)" "$T/badk.json"
check "an unknown kernel name fails the vocabulary check" sh -c "$PY tests/vocab.py '$T/badk.json' | grep 'cpu emits .gemm2.' >/dev/null"
check "an unknown kernel name fails the schema" sh -c "$V '$T/badk.json' 2>&1 | grep gemm2 >/dev/null"
# the data compiled in: the catalog, the estimator's constants and the model
# zoo against their schemas (data/schema/), and the catalog's cross-references
S=data/schema
check "data/instances.json is schema-valid" $PY tests/validate_json.py $S/instances.schema.json data/instances.json
check "data/estimator.json is schema-valid" $PY tests/validate_json.py $S/estimator.schema.json data/estimator.json
check "data/models/*.json are schema-valid" $PY tests/validate_json.py $S/model.schema.json data/models/*.json
check "the catalog's cross-references resolve" $PY tests/data_check.py
# and the checks can fail: a catalog entry without its vCPUs, a misspelt
# layer key, an instance naming a CPU model the catalog lacks
$PY -c "import json,sys; d=json.load(open('data/instances.json')); del d['instances'][0]['vcpus']; d['instances'][1]['cpu']='nope'; json.dump(d,open(sys.argv[1],'w'))" "$T/badcat.json"
check "a catalog entry without vcpus is rejected" sh -c "$PY tests/validate_json.py $S/instances.schema.json '$T/badcat.json' 2>&1 | grep vcpus >/dev/null"
check "an unknown CPU model is rejected" sh -c "$PY tests/data_check.py '$T/badcat.json' | grep nope >/dev/null"
$PY -c "import json,sys; d=json.load(open('data/models/lenet5.json')); d['layers'][0]['strid']=2; json.dump(d,open(sys.argv[1],'w'))" "$T/badmodel.json"
check "a misspelt layer key is rejected" sh -c "$PY tests/validate_json.py $S/model.schema.json '$T/badmodel.json' 2>&1 | grep strid >/dev/null"
# Hand-made bad documents (tests/bad_docs.py): dlprobe and the schema refuse
# each one, and both accept the good one they are made from.
G="$T/good.json"
"$B" -q compare tests/fixtures/bench_cpu_fixture.json c7i.2xlarge --model mlp:30,256,256,2 \
	--dataset tabular:1000000x30 --retrain-every 1d --deadline 1h --label good -o "$G" >/dev/null 2>"$T/err" || ko "good document ($(head -1 "$T/err"))"
check "the good document: schema-valid" $V "$G"
check "the good document: dlprobe shows it" sh -c "'$B' show '$G' > /dev/null"
mkdir -p "$T/bad" && $PY tests/bad_docs.py "$G" "$T/bad"
for f in "$T"/bad/*.json; do
	n=$(basename "$f" .json)
	"$B" show "$f" > /dev/null 2>"$T/err"; rc=$?
	if [ "$rc" -eq 2 ] && [ "$(wc -l < "$T/err")" -eq 1 ]; then ok "$n: dlprobe refuses it ($(cut -c1-90 "$T/err"))"; else ko "$n: dlprobe exit $rc: $(head -2 "$T/err")"; fi
	if $V "$f" 2>/dev/null; then ko "$n: the schema accepts it"; else ok "$n: the schema refuses it"; fi
done
# every field of the estimate sections says what it is
check "every estimate-side field has a description" $PY -c "
import json; s=json.load(open('data/dlprobe.schema.json')); bad=[]
def walk(x, p):
    if isinstance(x, dict):
        for k, v in x.get('properties', {}).items():
            if 'description' not in v: bad.append(p + '.' + k)
            walk(v, p + '.' + k)
        for k in ('items', 'additionalProperties'):
            if isinstance(x.get(k), dict): walk(x[k], p + '[]')
        for v in x.get('oneOf', []): walk(v, p)
for d in ('estimate', 'hardware', 'deep_estimate', 'classical_estimate', 'model_summary', 'range', 'retrain',
          'deadline_met', 'verdict', 'workload', 'host'):
    walk(s['\$defs'][d], d)
assert not bad, bad"

echo "schema: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
