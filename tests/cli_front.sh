#!/bin/sh
# What a planner reads and keeps (issue 11): prices, devices, deadlines and
# batch limits in the estimates; the one-screen text; CSV; `show`; `-o -` and
# `-o /dev/stdout`; conflicting options. Each check can fail.
set -u
B=${BUILD:-build}/dlprobe
R=${BUILD:-build}/tests/golden_render
F=tests/fixtures/bench_cpu_fixture.json
M=tests/fixtures/bench_cpu_minimal.json
PY=/usr/bin/python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/support/check.sh
# py NAME EXPR: a Python assertion over the JSON document in $T/out (d)
py() {
	if $PY -c "import json,sys; d=json.load(open('$T/out')); $2" 2>"$T/pyerr"; then ok "$1"; else ko "$1: $(tail -1 "$T/pyerr")"; fi
}
E="$B -q estimate"

# ---- (1) semantics ---------------------------------------------------------------
expect "scenario json" 0 "" -- "$R" scenario-json "$F"
py "default scenario: every device of each instance" "
inst={i['name']:i for i in json.load(open('data/instances.json'))['instances']}
for e in d['estimates']:
    h=e['hardware']; dv=e['deep']['settings']['devices']
    assert dv==h['devices'], (h['name'],dv,h['devices'])
assert any(e['hardware']['devices']>1 for e in d['estimates'])"
expect "--price USD with catalog instances only: usage error" 2 "prices bench machines" -- \
	$E --instance g6.xlarge --model resnet18 --dataset cifar10 --price 0.10
one_line "--price USD without a bench machine: one line"
expect "--price USD prices the bench machine only" 0 "" -- \
	$E --hw "$F" --instance g6.xlarge --model resnet18 --dataset cifar10 --price 0.10 --json
py "bench machine user-priced, catalog machine keeps its catalog price" "
a,b=d['estimates']
assert a['hardware']['price_usd_per_h']==0.1 and a['hardware']['price_origin']=='user' and a['hardware']['price_date'] is None
assert b['hardware']['price_origin']=='catalog' and b['hardware']['price_usd_per_h']>0.5 and b['hardware']['price_date']"
expect "--price NAME=USD prices one named instance" 0 "" -- \
	$E --instance g6.xlarge --instance c7i.2xlarge --model resnet18 --dataset cifar10 --price c7i.2xlarge=0.01 --json
py "only c7i.2xlarge repriced" "
p={e['hardware']['name']:(e['hardware']['price_usd_per_h'],e['hardware']['price_origin']) for e in d['estimates']}
assert p['c7i.2xlarge']==(0.01,'user') and p['g6.xlarge'][1]=='catalog', p"
expect "--price NAME=USD naming no machine" 2 "no machine of that name" -- \
	$E --instance g6.xlarge --model resnet18 --dataset cifar10 --price p5.48xlarge=1
one_line "unknown priced machine: one line"
expect "--price =5 (no name)" 2 "needs a machine name" -- $E --instance g6.xlarge --model resnet18 --price =5
expect "deadline judged at expected and at high" 0 "" -- \
	$B -q compare "$F" "$M" c7i.2xlarge g6.xlarge --model resnet50 --dataset imagenet --deadline 1w --json
py "per machine met_expected/met_high and the verdict's buckets agree" "
for e in d['estimates']:
    dl=e['deep']['deadline']; t=e['deep']['train_s']
    assert dl['met_expected']==(t['expected']<=604800) and dl['met_high']==(t['high']<=604800)
v=d['verdict']['deadline']; assert v['picks_judged_at']=='expected'
hi=set(v['deep']['met_at_high']); ex=set(v['deep']['met_at_expected_only']); mi=set(v['deep']['missed'])
assert hi|ex|mi=={e['hardware']['name'] for e in d['estimates']} and not (hi&ex or hi&mi or ex&mi)
assert 'bench_cpu_fixture' in mi, v"
# a deadline between expected and high (taken from the estimate itself): met only at expected
expect "g6.xlarge resnet50 estimate" 0 "" -- $E --instance g6.xlarge --model resnet50 --dataset imagenet --json
mid=$($PY -c "import json; t=json.load(open('$T/out'))['estimates'][0]['deep']['train_s']; print(int((t['expected']+t['high'])/2))")
expect "deadline between expected and high" 0 "" -- \
	$E --instance g6.xlarge --model resnet50 --dataset imagenet --deadline "$mid" --json
py "g6.xlarge meets it at expected only, and the verdict says so" "
t=d['estimates'][0]['deep']['train_s']; assert t['expected']<=$mid<t['high'], t
dl=d['estimates'][0]['deep']['deadline']; assert dl['met_expected'] and not dl['met_high']
assert d['verdict']['deadline']['deep']['met_at_expected_only']==['g6.xlarge']"
expect "deadline text says which" 0 "only at expected: g6.xlarge" -- \
	$E --instance g6.xlarge --model resnet50 --dataset imagenet --deadline "$mid"
expect "largest batch capped by the dataset" 0 "" -- \
	$E --instance p4d.24xlarge --model mlp:30,64,2 --dataset tabular:1000x30 --json
py "largest_batch <= rows per device" "
m=d['estimates'][0]['deep']['memory']; assert m['largest_batch']==125 and m['largest_batch_limited_by']=='dataset', m"
expect "--quick --full is an error" 2 "exclude each other" -- $B bench --quick --full
one_line "--quick --full: one line"
expect "--full --quick too" 2 "exclude each other" -- $B bench --full --quick
expect "--csv --json" 2 "exclude each other" -- $E --instance g6.xlarge --model resnet18 --csv --json
one_line "--csv --json: one line"
expect "list --csv" 2 "list has no CSV" -- $B list models --csv
expect "probe --csv" 2 "probe has no CSV" -- $B probe --csv

# ---- (2) one screen --------------------------------------------------------------
expect "default scenario text" 0 "" -- "$R" scenario "$F"
if [ "$(wc -l < "$T/out")" -le 40 ] && ! awk 'length($0) > 80 { bad=1 } END { exit !bad }' "$T/out"; then
	ok "default run fits 40 lines of 80 columns (less the bench's measuring)"
else
	ko "default run is $(wc -l < "$T/out") lines, longest $(awk '{ if (length($0)>m) m=length($0) } END { print m }' "$T/out")"
fi
grep -q "^verdict: " "$T/out" && [ "$(grep -c '^verdict: ' "$T/out")" -eq 3 ] && grep -q "language reference: gpt2" "$T/out" &&
	ok "three labelled scenarios, a verdict under each" || ko "scenario labels/verdicts missing"
grep -Eq "e\+0|e-0|KVMKVMKVM" "$T/out" && ko "exponent or raw signature in the one-screen text" || ok "no exponents in the one screen"
expect "-v: dominant layers, repeated blocks once" 0 "block\*\.qkv \(dense\) x 12" -- \
	$E --instance p4d.24xlarge --model vit_b16 --dataset imagenet -v
# no two lines that differ only in a block number ("block0.fc1", "block1.fc1")
dups=$(grep -E '^ +[0-9.]+%  ' "$T/out" | sed 's/^ *[0-9.]*%//; s/[0-9][0-9]*/N/g' | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ] && ok "no near-duplicate dominant-layer lines" || ko "$dups near-duplicate dominant-layer lines"
grep -q "years\|days\| h \| min " "$T/out" && ok "durations in words" || ko "no duration units"

$PY -c "
import json; d=json.load(open('$F'))
for r in d['bench']['backends'][0]['devices'][0]['results']:
    r.update(samples_s=[0.1, 0.12, 0.2], median_s=0.12, min_s=0.1, max_s=0.2, spread=0.83)
json.dump(d, open('$T/sampled.json', 'w'))"
expect "bench -v: how each rate was measured" 0 "3 samples, median 120 ms \(100 ms-200 ms, spread 83%\); verified" -- \
	$B show -v "$T/sampled.json"

# ---- (4) CSV and show ------------------------------------------------------------
expect "estimate --csv" 0 "" -- $B -q compare "$F" c7i.2xlarge g6.xlarge --model resnet18 --dataset cifar10 --csv
$PY - "$T/out" <<'PYEOF' && ok "compare CSV: a row per machine, units in headers, ranks" || ko "compare CSV"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
assert len(rows) == 3, rows
assert {r['rank'] for r in rows} == {'1', '2', '3'}
assert 'deep_train_expected_s' in rows[0] and 'deep_cost_expected_usd' in rows[0]
assert all(float(r['deep_train_expected_s']) > 0 for r in rows)
PYEOF
expect "bench CSV through show" 0 "" -- $B show --csv "$F"
$PY - "$T/out" "$F" <<'PYEOF' && ok "bench CSV: one row per result" || ko "bench CSV rows"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
d = json.load(open(sys.argv[2]))
n = sum(len(dev['results']) for b in d['bench']['backends'] for dev in b['devices'])
assert len(rows) == n and rows[0]['kernel'] == 'fma_peak' and 'rate_gflops' in rows[0], (len(rows), n)
PYEOF
expect "scenario CSV: a row per machine x scenario" 0 "" -- "$R" scenario-json "$F"
cp "$T/out" "$T/scen.json"
expect "show --csv of a saved default run" 0 "" -- $B show --csv "$T/scen.json"
[ "$(grep -c 'tabular product' "$T/out")" -eq 3 ] && [ "$(wc -l < "$T/out")" -eq 10 ] && ok "9 rows, scenario named" ||
	ko "scenario CSV has $(wc -l < "$T/out") lines"
expect "show renders an estimate as text" 0 "^verdict: " -- $B show "$T/scen.json"
cp "$T/out" "$T/shown.txt"
"$R" scenario "$F" > "$T/printed.txt" 2>/dev/null
cmp -s "$T/shown.txt" "$T/printed.txt" && ok "show of a saved default run prints what the run printed" ||
	ko "show of a default run differs: $(diff "$T/printed.txt" "$T/shown.txt" | head -3)"
expect "show --json gives the document back" 0 "" -- $B show --json "$F"
cmp -s "$T/out" "$F" 2>/dev/null || $PY -c "import json; assert json.load(open('$T/out'))==json.load(open('$F'))" && ok "show --json round-trips" || ko "show --json differs"
$B -q list models -o "$T/models.json" > /dev/null
expect "show of a list has no CSV" 2 "no CSV" -- $B show --csv "$T/models.json"
expect "show --csv --html" 2 "exclude each other" -- $B show --csv --html "$F"
expect "show with no file" 2 "needs a document" -- $B show
expect "show of a missing file" 2 "cannot read" -- $B show "$T/none.json"
one_line "missing file: one line"
printf '{"schema_version":"1.0"}' > "$T/empty.json"
expect "show of a document with nothing to show" 2 "no section" -- $B show "$T/empty.json"

# ---- (7) documents identify themselves -------------------------------------------
expect "--label and the host in a document" 0 "" -- $B -q list models --label "rack 3, node 7" --json
py "host: hostname, label, DMI fields, run duration" "
h=d['host']; assert h['hostname'] and h['label']=='rack 3, node 7' and h['run_duration_s']>=0
assert set(h)>={'sys_vendor','product_name','instance_type'}"
expect "empty --label" 2 "--label needs" -- $B list models --label ""
one_line "empty --label: one line"
expect "--label with a newline" 2 "printable text on one line" -- $B list models --label "$(printf 'a\nb')"
$PY -c "import json,sys; d=json.load(open('$F')); d['host']={'hostname':'lab','label':'lab box','sys_vendor':None,'product_name':None,'instance_type':None}; json.dump(d,open('$T/labelled.json','w'))"
expect "a bench document's label names its machine" 0 "lab box" -- $E --hw "$T/labelled.json" --model resnet18 --dataset cifar10

# ---- (8) each command's help is its own; the man page has them all -------------------
for c in probe bench estimate compare list show report; do
	"$B" "$c" --help > "$T/help_$c" 2>&1 && head -1 "$T/help_$c" | grep -q "^Usage: dlprobe $c" && grep -q "^Example: dlprobe $c" "$T/help_$c" &&
		ok "$c --help: its own usage and an example" || ko "$c --help: $(head -1 "$T/help_$c")"
done
cmp -s "$T/help_estimate" "$T/help_compare" && ko "compare --help is estimate's" || ok "compare --help differs from estimate's"
# every long option a command accepts is in its help (options from the source's getopt tables)
$PY - "$T" <<'PYEOF' && ok "every option in its command's --help" || ko "an option missing from --help"
import re, sys
T = sys.argv[1]
common = ['json', 'csv', 'label', 'quiet', 'verbose']
src = {'probe': ['cli/cmd_probe.c'], 'bench': ['cli/cmd_bench.c'], 'estimate': ['cli/estimate_opts.c'],
       'compare': ['cli/estimate_opts.c'], 'list': ['cli/cmd_list.c'], 'show': ['cli/cmd_show.c'], 'report': []}
bad = []
for cmd, files in src.items():
    text = open(f'{T}/help_{cmd}').read()
    opts = set()
    for f in files:
        opts |= set(re.findall(r'\{\s*"([a-z-]+)",\s*(?:no|required)_argument', open(f).read()))
    for o in sorted(opts - {'help', 'quiet', 'verbose'}):
        if cmd == 'report' and o in ('csv', 'json', 'html'):
            continue
        if f'--{o}' not in text:
            bad.append(f'{cmd}: --{o}')
assert not bad, bad
PYEOF
sh scripts/gen_man.sh "$B" > "$T/man.1" 2>&1
for c in probe bench estimate compare list show report; do
	grep -q "^\.SS dlprobe $c\$" "$T/man.1" || { ko "man page lacks $c"; continue; }
done
grep -c '^\.SS' "$T/man.1" | grep -qx 7 && ok "man page: a section per command" || ko "man page sections"
cmp -s "$T/man.1" docs/dlprobe.1 && ok "docs/dlprobe.1 is generated from the help" || ko "docs/dlprobe.1 stale: run scripts/gen_man.sh"

# ---- (5) -o - and -o /dev/stdout ---------------------------------------------------
cd "$T" || exit 1
BB=$OLDPWD/$B
expect "-o - is standard output" 0 "" -- $BB -q list models -o -
[ ! -e "$T/-" ] && ok "-o - wrote no file named -" || ko "-o - wrote a file named -"
py "-o - is the JSON alone" "assert d['models']"
sh -c "$BB -q list models -o /dev/stdout | cat > '$T/piped.json'" 2>"$T/err" &&
	$PY -c "import json; json.load(open('$T/piped.json'))" && ok "-o /dev/stdout into a pipe" || ko "-o /dev/stdout pipe: $(cat "$T/err")"
sh -c "$BB -q list models -o /dev/stdout > '$T/redir.json'" 2>"$T/err" &&
	$PY -c "import json; json.load(open('$T/redir.json'))" && ok "-o /dev/stdout redirected to a file" || ko "-o /dev/stdout file: $(cat "$T/err")"
sh -c "$BB -q list models -o /dev/stdout >> '$T/redir.json'" 2>"$T/err" && [ "$(grep -c schema_version "$T/redir.json")" -eq 2 ] &&
	ok "-o /dev/stdout appends when the shell appends" || ko "-o /dev/stdout with >>"
sh -c "$BB show --csv $OLDPWD/$F -o - | head -1" > "$T/h" && grep -q '^backend,device,kernel' "$T/h" && ok "show -o - is the rendering" || ko "show -o -"
cd "$OLDPWD" || exit 1

echo "cli_front: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
