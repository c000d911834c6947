#!/bin/sh
# What a first outside user met following README.md (the review of
# 2026-12-02): each check is a fault found then, so each can fail again.
set -u
B=${BUILD:-build}/dlprobe
CL=docs/examples/cluster-2node.json
PY=/usr/bin/python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/support/check.sh

# ---- `dlprobe show` renders any saved document, a cluster one too -----------
expect "show a cluster document" 0 "^cluster: 2 of 2 nodes reported, 2 ranks" -- $B show "$CL"
# the rendering is the document's: one line per node, one per collective at its
# largest measured size, the slowest link and every finding
$PY - "$CL" "$T/out" <<'PYEOF' && ok "show cluster: nodes, collectives, link, findings from the document" || ko "show cluster: text disagrees with the document"
import json, sys
c = json.load(open(sys.argv[1]))['cluster']; text = open(sys.argv[2]).read()
for i, n in enumerate(c['nodes']):
    assert f"  node {i}  {n['hostname']}" in text, i
last = {}
for r in c['interconnect']['inter_node']['results']:
    if isinstance(r.get('busbw_gbps'), (int, float)):
        last[r['kernel']] = r
for k, r in last.items():
    assert f"{k:<14} {r['bytes']:>10} B  algbw {r['algbw_gbps']:8.3f} GB/s" in text, k
s = c['interconnect']['ring']['slowest_link']
assert f"slowest link: node {s['from']} -> node {s['to']}, {s['rate_gbps']:.3f} GB/s" in text
for f in c['findings']:
    assert "finding: " + f['text'] in text
PYEOF
expect "show --csv of a cluster document: usage error" 2 "no CSV for a cluster document" -- $B show "$CL" --csv
one_line "show --csv of a cluster document: one line"

# ---- `dlprobe report` of a cluster document: not an empty page --------------
expect "report of a cluster document" 0 "" -- $B report "$CL" -o "$T/c.html"
$PY - "$CL" "$T/c.html" <<'PYEOF' && ok "report cluster: a collectives table and every node's rooflines with all GEMM points" || ko "report cluster: page lacks the cluster"
import json, re, sys
c = json.load(open(sys.argv[1]))['cluster']; page = open(sys.argv[2]).read()
assert 'Cluster: 2 of 2 nodes reported' in page
assert page.count('<td>allreduce</td>') == 1
pts = devs = 0
for i, n in enumerate(c['nodes']):
    for b in (n.get('bench') or {}).get('backends', []):
        for d in b['devices']:
            if d['status'] == 'ok':
                devs += 1
                pts += sum(1 for r in d['results'] if r['kernel'] == 'gemm' and r['status'] == 'ok' and r.get('rate_gflops'))
        assert f"Roofline: node {i} ({n['hostname']})" in page, i
assert devs == 2 and page.count('<svg class="roofline"') == devs, devs
assert len(re.findall(r'class="pt', page)) == pts, pts
PYEOF

# ---- a backend without devices is said once --------------------------------
DLPROBE_LIBCUDA=/nonexistent/libcuda.so.1 $B -q bench --backend cuda -o "$T/nocuda.json" > "$T/nocuda.txt" 2>"$T/err"
expect "bench --backend cuda without a driver" 0 "^cuda: unavailable \(" -- cat "$T/nocuda.txt"
n=$(grep -c '^cuda' "$T/nocuda.txt")
[ "$n" -eq 1 ] && ok "an unavailable backend is one line" || ko "an unavailable backend takes $n lines: $(cat "$T/nocuda.txt")"
expect "show of that document" 0 "^cuda: unavailable" -- $B show "$T/nocuda.json"
[ "$(grep -c '^cuda' "$T/out")" -eq 1 ] && ok "show: one line too" || ko "show: $(cat "$T/out")"

# ---- --full's further BLAS (BLIS) is shown, not only kept in the JSON ----------
# the fixture's system BLAS rows stand in as BLIS's own
$PY - tests/fixtures/bench_cpu_fixture.json "$T/blis.json" <<'PYEOF' || ko "cannot make the BLIS document"
import copy, json, sys
d = json.load(open(sys.argv[1]))
dev = d['bench']['backends'][0]['devices'][0]
rows = [copy.deepcopy(r) for r in dev['results'] if r.get('impl') == 'blas']
assert rows
env = {k: None for k in ('OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', 'OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS',
                         'GOTO_NUM_THREADS', 'OPENBLAS_VERBOSE')}
o = dict(library='blis', path='/usr/lib/x86_64-linux-gnu/blis-openmp/libblis.so.4', config=None, corename='zen3',
         blis={'arch': 'zen3', 'arch_id': 6, 'version': '0.9.0', 'threading': 'openmp', 'sgemm_ukr': 'optimzd', 'dgemm_ukr': 'optimzd'},
         num_threads=None, env=env, status='ok', reason=None, results=rows)
bad = dict(o, library='mkl', path='libmkl_rt.so.2', corename=None, blis=None, status='error',
           reason='the mkl measurement crashed (signal 11, SIGSEGV)', results=[])
dev['other_blas'] = [o, bad]
json.dump(d, open(sys.argv[2], 'w'))
PYEOF
expect "show a bench with BLIS beside the system BLAS" 0 "^  \+ blis /usr/lib/x86_64-linux-gnu/blis-openmp/libblis.so.4, BLIS 0.9.0, configuration zen3, openmp$" -- $B show "$T/blis.json"
want=$($PY -c "import json; print(sum(1 for r in json.load(open('$T/blis.json'))['bench']['backends'][0]['devices'][0]['other_blas'][0]['results']))")
got=$(grep -c '^  gemm+ ' "$T/out")
[ "$got" -eq "$want" ] && ok "every BLIS result is a gemm+ row ($got)" || ko "gemm+ rows: $got, BLIS results: $want"
grep -q '^  + mkl: error (the mkl measurement crashed' "$T/out" && ok "a failed further BLAS says why" || ko "failed further BLAS not shown"

# ---- `list models` keeps its columns when a name is long (bert_large_mlm) ----
$B list models > "$T/models"
$PY - "$T/models" <<'PYEOF' && ok "list models: params, MACs and descriptions in one column each" || ko "list models: columns out of line"
import sys
rows = [l for l in open(sys.argv[1]) if ' params ' in l]
assert len(rows) > 20 and max(len(l.split()[0]) for l in rows) > 12
for key in (' params ', ' MACs '):
    assert len({l.index(key) for l in rows}) == 1, key
# the description starts in one column, after the input shape's padding
import re
assert len({re.match(r'^\S+ +\S+ params +\S+ MACs +\S+ +', l).end() for l in rows}) == 1
PYEOF

# ---- the one-screen summary says when the bench was disturbed ---------------------
# (on a busy machine "fp32 peak 96; GEMM 155" read as the hardware's figures)
R=${BUILD:-build}/tests/golden_render
$PY - tests/fixtures/bench_cpu_fixture.json "$T/busy.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
dev = d['bench']['backends'][0]['devices'][0]
dev['stable'] = False
dev['stability'] = {'reasons': ['fma_peak dlprobe avx2 fp32 at 2 threads: samples spread 99%',
                                'gemm dlprobe avx2 fp32 n=256 at 2 threads: samples spread 94%'],
                    'runs': 2, 'steal_fraction': None}
json.dump(d, open(sys.argv[2], 'w'))
PYEOF
"$R" scenario-json "$T/busy.json" > "$T/busy-run.json" 2>"$T/err" || ko "scenario of the busy bench ($(cat "$T/err"))"
expect "summary of a disturbed bench" 0 "disturbed by other work \(-v\)" -- $B show "$T/busy-run.json"
"$R" scenario-json tests/fixtures/bench_cpu_fixture.json > "$T/calm-run.json" 2>"$T/err"
expect "summary of an undisturbed bench" 0 "^measured cpu:" -- $B show "$T/calm-run.json"
grep -q disturbed "$T/out" && ko "a bench without signs called disturbed" || ok "no disturbance claimed without signs"

# ---- the bench table says when its device was disturbed --------------------------
# (the summary and the estimates said it; `dlprobe bench` printed the figures alone)
expect "bench table of a disturbed device" 0 \
	"^  disturbed by other work: 2 signs after 2 runs; .*first: fma_peak dlprobe avx2 fp32 at 2 threads" -- \
	$B show "$T/busy.json"
expect "bench table -v: every sign" 0 "^    - gemm dlprobe avx2 fp32 n=256 at 2 threads: samples spread 94%" -- \
	$B -v show "$T/busy.json"
$B show tests/fixtures/bench_cpu_fixture.json > "$T/out" 2>&1
grep -q disturbed "$T/out" && ko "bench table: an undisturbed device called disturbed" || ok "bench table: no disturbance claimed without signs"

# ---- the summary's GEMM figures name their dtype -----------------------------------
# (on an AVX-512 BF16 machine the best GEMM was the bf16 one, printed as "GEMM"
# beside the fp32 peak: it read as a GEMM above the hardware's peak)
$PY - tests/fixtures/bench_cpu_fixture.json "$T/bf16.json" <<'PYEOF'
import copy, json, sys
d = json.load(open(sys.argv[1]))
res = d['bench']['backends'][0]['devices'][0]['results']
g = copy.deepcopy(next(r for r in res if r['kernel'] == 'gemm' and r['impl'] == 'dlprobe'))
g.update(dtype='bf16', isa='avx512_bf16', rate_gflops=999.0)
res.append(g)
json.dump(d, open(sys.argv[2], 'w'))
PYEOF
"$R" scenario-json "$T/bf16.json" > "$T/bf16-run.json" 2>"$T/err" || ko "scenario of the bf16 bench ($(cat "$T/err"))"
expect "summary: the fp32 GEMM is fp32's" 0 "fp32 GEMM 295 GFLOP/s" -- $B show "$T/bf16-run.json"
grep -q "bf16 GEMM 999 GFLOP/s" "$T/out" && ok "summary: the bf16 GEMM under its own label" || ko "summary: bf16 GEMM figure missing or unlabelled"
grep -qE "(^|; )GEMM 999" "$T/out" && ko "summary: a bf16 GEMM labelled plain GEMM" || ok "summary: no unlabelled GEMM figure"
# a probe without the CPU count says so rather than "nan"
$PY - tests/fixtures/bench_cpu_fixture.json "$T/nocpus.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
d.setdefault('probe', {}).setdefault('resources', {}).pop('effective_cpus', None)
json.dump(d, open(sys.argv[2], 'w'))
PYEOF
"$R" scenario-json "$T/nocpus.json" > "$T/nocpus-run.json" 2>"$T/err" || ko "scenario without a CPU count ($(cat "$T/err"))"
expect "summary without a CPU count" 0 "CPUs usable unknown" -- $B show "$T/nocpus-run.json"
grep -qi "nan" "$T/out" && ko "summary prints nan" || ok "summary prints no nan"

# ---- a catalog name is never shortened in the table -------------------------------
# (with both sides and a deadline, g5.xlarge, g6.xlarge and p4d.24xlarge were
# all printed "..xlarge")
expect "compare with a deadline: instance names whole" 0 "^  2 g5\.xlarge " -- \
	$B -q compare g5.xlarge g6.xlarge p4d.24xlarge --model mlp:30,64,2 --dataset tabular:1000x30 \
	--classical gbdt --deadline 1h
grep -q '^  3 g6\.xlarge ' "$T/out" && grep -q '^  1 p4d\.24xlarge ' "$T/out" && ! grep -q '\.\.' "$T/out" &&
	ok "compare: no catalog name shortened" || ko "compare: a catalog name shortened ($(grep '^  [0-9]' "$T/out" | head -3))"
$B -q compare Standard_ND96isr_MI300X_v5 c7i.2xlarge --model mlp:30,64,2 --dataset tabular:1000x30 \
	--classical gbdt --deadline 1h > "$T/out" 2>&1
grep -q '^  1 Standard_ND96isr_MI300X_v5 ' "$T/out" && ok "compare: the longest catalog name whole" ||
	ko "compare: the longest catalog name shortened"

# ---- a table's heading says how many epochs its times are for --------------------
# (the default is 1 epoch, the scenarios' 20 or 30: only -v said which)
expect "estimate heading: the epochs" 0 "^resnet50 on imagenet, 1 epoch$" -- \
	$B -q estimate --instance g6.xlarge --model resnet50 --dataset imagenet
expect "estimate heading beside a classical model: whose epochs" 0 \
	"^mlp:3,4,2 on tabular:1000x3 vs gbdt, deep model 0.5 epochs$" -- \
	$B -q estimate --instance g6.xlarge --model mlp:3,4,2 --dataset tabular:1000x3 --epochs 0.5
expect "estimate heading without a deep model: no epochs" 0 "^no deep model on tabular:1000x3 vs gbdt$" -- \
	$B -q estimate --instance g6.xlarge --model none --classical gbdt --dataset tabular:1000x3

# ---- README's cluster estimate is what this build prints for its document ----------
# (it kept "30-69 min" after the estimator had moved to 40-92 min)
$B estimate --hw docs/examples/cluster-2node.json --model resnet18 --dataset cifar10 --epochs 10 \
	> "$T/cl.txt" 2>"$T/err" || ko "cluster estimate ($(cat "$T/err"))"
sed -n '/^\$ build\/dlprobe estimate --hw docs\/examples\/cluster-2node.json/,/^```/p' README.md | sed '1d;$d' > "$T/cl-readme.txt"
if [ -s "$T/cl-readme.txt" ] && cmp -s "$T/cl.txt" "$T/cl-readme.txt"; then
	ok "README's cluster estimate matches this build"
else
	ko "README's cluster estimate is stale: replace it with the output of its command"
fi

# ---- --retrain-every shows what it asks for: the cost a month ---------------------
F=tests/fixtures/bench_cpu_fixture.json
expect "--retrain-every: the monthly cost under the table" 0 \
	"^  retraining every 24 h \(30.4 runs a month\) costs a month: deep model g6.xlarge" -- \
	$B -q estimate --instance g6.xlarge --hw "$F" --model mlp:30,256,256,2 --dataset tabular:1000000x30 --retrain-every 1d
grep -q 'bench_cpu_fixture' "$T/out" && grep 'costs a month' "$T/out" | grep -q fixture && \
	ko "a machine without a price listed with a monthly cost" || ok "unpriced machines left out of the monthly line"
$B -q estimate --instance g6.xlarge --model mlp:30,256,256,2 --dataset tabular:1000000x30 --retrain-every 1d --json > "$T/rt.json"
$PY - "$T/rt.json" "$T/out" <<'PYEOF' && ok "--retrain-every: text and JSON agree on the monthly figure" || ko "--retrain-every: text disagrees with JSON"
import json, sys
e = json.load(open(sys.argv[1]))['estimates'][0]; text = open(sys.argv[2]).read().replace('\n    ', ' ')
m = e['deep']['retrain']['monthly_cost_usd']
assert f"deep model g6.xlarge ${m:.2f}" in text, (m, text)
PYEOF
# a rule found on every machine is named once in the short verdict
expect "evidence names a rule once" 0 "evidence" -- \
	$B -q estimate --instance g6.xlarge --hw "$F" --model resnet50 --dataset imagenet --retrain-every 1h
n=$(grep -o 'retrain_window' "$T/out" | wc -l)
[ "$n" -eq 1 ] && ok "retrain_window named once" || ko "retrain_window named $n times: $(grep evidence -A1 "$T/out")"

# ---- README's one-screen example: its catalog rows are what this build prints ------
# (they depend on the catalog and the estimator only; the old screen kept rows
# from before an estimator change, which a new user's first run contradicted)
"$R" scenario tests/fixtures/bench_cpu_fixture.json > "$T/scen.txt" 2>"$T/err" || ko "scenario text ($(cat "$T/err"))"
$PY - README.md "$T/scen.txt" <<'PYEOF' && ok "README's example: the g6.xlarge and p4d.24xlarge rows match this build" || ko "README's one-screen example is stale: regenerate it with make readme-example"
import re, sys
readme = open(sys.argv[1]).read(); scen = open(sys.argv[2]).read()
block = readme[readme.index('```\n', readme.index('The plain `dlprobe`')) + 4:]
block = block[:block.index('```')]
rows = [l for l in block.splitlines() if re.match(r'  (g6\.xlarge|p4d\.24xlarge) ', l)]
assert len(rows) == 2, rows
first = scen.split('\n\n')[1]   # the head, then the first scenario
for r in rows:
    assert r in first.splitlines(), (r, first)
PYEOF

# ---- a figure and its unit stay on one line in the summary ------------------------
# (these rates put "system BLAS 92.9" at the end of a line and "GFLOP/s" on the next)
$PY - tests/fixtures/bench_cpu_fixture.json "$T/wrap.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d['bench']['backends'][0]['devices'][0]['results']:
    if r.get('status') != 'ok' or r.get('rate_gflops') is None:
        continue
    own = r.get('impl') in (None, 'dlprobe')
    if r['kernel'] == 'fma_peak' and own:
        r['rate_gflops'] = 111.0 if r.get('dtype') == 'fp32' else 50.0
    elif r['kernel'] == 'gemm':
        r['rate_gflops'] = 99.1 if own else 92.9
json.dump(d, open(sys.argv[2], 'w'))
PYEOF
"$R" scenario "$T/wrap.json" > "$T/wrap.txt" 2>"$T/err" || ko "scenario of the wrap document ($(cat "$T/err"))"
sed '/^$/q' "$T/wrap.txt" > "$T/head.txt"
if grep -q '92.9 GFLOP/s' "$T/head.txt" && ! grep -Eq '[0-9]$' "$T/head.txt" && ! grep -q "$(printf '\037')" "$T/wrap.txt"; then
	ok "summary: no line ends with a figure whose unit is on the next"
else
	ko "summary wraps a figure from its unit: $(head -4 "$T/wrap.txt")"
fi

# ---- input files: the message names the file once and says what is wrong ------
E="$B -q estimate --model resnet18 --dataset cifar10"
expect "show of a missing file" 2 "^dlprobe: cannot read $T/none.json: No such file or directory$" -- $B show "$T/none.json"
one_line "show of a missing file: one line"
expect "show of a directory" 2 "^dlprobe: cannot read $T: Is a directory$" -- $B show "$T"
one_line "show of a directory: one line"
expect "--hw a directory" 2 "^dlprobe: cannot read $T: Is a directory$" -- $E --hw "$T"
expect "--catalog missing" 2 "^dlprobe: --catalog: cannot read $T/none.json: No such file or directory$" -- $E --catalog "$T/none.json"
one_line "--catalog missing: one line"
# a bench document given as --catalog merged nothing and said nothing
$B -q list datasets --json > "$T/notcat.json"
expect "--catalog with a document that is no catalog" 2 "^dlprobe: --catalog $T/notcat.json: no \"instances\"" -- \
	$E --catalog "$T/notcat.json" -o "$T/est.json"
one_line "--catalog no catalog: one line"
[ -e "$T/est.json" ] && ko "--catalog refused, yet -o wrote a file" || ok "--catalog refused: no output file"
$B -q list instances --json > "$T/cat.json"
expect "--catalog with list instances --json still merges" 0 "g6.xlarge" -- $E --catalog "$T/cat.json" --instance g6.xlarge

# ---- -o onto an existing file whose directory takes no temporary file ----------
# (the file itself may be writable: the message says what refused)
if [ -f /proc/version ]; then
	expect "-o /proc/version" 1 "^dlprobe: cannot write /proc/version: no temporary file can be made beside it \(" -- \
		$B -q list models -o /proc/version
	one_line "-o /proc/version: one line"
fi

# ---- a message names the command the user typed --------------------------------
expect "compare without --model" 2 "^dlprobe: compare needs --model SPEC" -- $B compare g6.xlarge
one_line "compare without --model: one line"
expect "estimate without --model" 2 "^dlprobe: estimate needs --model SPEC" -- $B estimate --instance g6.xlarge

# ---- a model of one kind on data of another is refused (a slip: resnet18 for mlp:...) --
for c in "resnet18 tabular:1000x30 an image model" "gpt2 cifar10 a text model" "resnet18 text:1e9 an image model"; do
	set -- $c
	expect "$1 on $2 refused" 2 "^dlprobe: model $1 is $3 $4 $5 and dataset $2 is" -- $B estimate --model "$1" --dataset "$2" -o "$T/kind.json"
	one_line "$1 on $2: one line"
done
[ -e "$T/kind.json" ] && ko "a refused workload left an output file" || ok "a refused workload: no output file"
expect "an image model on tabular rows with --input, as asked" 0 "resnet50 on tabular" -- \
	$B -q estimate --model resnet50 --dataset tabular:1000x30 --input 3x224x224 --instance g6.xlarge
expect "an MLP on MNIST takes 784 inputs" 0 "mlp:784,256,10 on mnist" -- $B -q estimate --model mlp:784,256,10 --dataset mnist --instance g6.xlarge
expect "an MLP of 30 inputs on MNIST refused" 2 "^dlprobe: model mlp:30,256,10 takes 30 inputs, dataset mnist has 1x28x28 = 784 per sample$" -- \
	$B estimate --model mlp:30,256,10 --dataset mnist --instance g6.xlarge

# ---- the same machine twice is refused, not two identical rows ------------------
expect "--instance twice" 2 "^dlprobe: g6.xlarge is named twice$" -- $B estimate --model resnet18 --dataset cifar10 --instance g6.xlarge --instance g6.xlarge
one_line "--instance twice: one line"
expect "compare the same machine twice" 2 "named twice" -- $B compare g6.xlarge c7i.2xlarge g6.xlarge --model resnet18 --dataset cifar10

# ---- an estimator message naming the machine is not prefixed with it again --------
expect "--nodes 2 without a network figure" 2 "^dlprobe: c7i.2xlarge has no network bandwidth in the catalog" -- \
	$B estimate --model resnet18 --dataset cifar10 --instance c7i.2xlarge --nodes 2
one_line "--nodes 2 without a network figure: one line"
expect "--devices beyond the instance" 2 "^dlprobe: g6.xlarge has 1 device\(s\), 4 asked$" -- \
	$B estimate --model resnet18 --dataset cifar10 --instance g6.xlarge --devices 4

# ---- bench --framework: the frameworks are in the text, not only in the JSON ------
FW=tests/fixtures/bench_cpu_framework.json
expect "show a bench with the framework probe" 0 "^frameworks \(python 3.11.2\)$" -- $B show "$FW"
$PY - "$FW" "$T/out" <<'PYEOF' && ok "framework text: each framework's version or reason, torch's figures, the findings" || ko "framework text disagrees with the document"
import json, sys
fw = json.load(open(sys.argv[1]))['bench']['framework']; text = open(sys.argv[2]).read()
for name, f in fw['frameworks'].items():
    line = [l for l in text.splitlines() if l.startswith('  %-9s ' % name)]
    assert len(line) == 1, name
    assert (f['version'] if f['status'] == 'ok' else f['reason']) in line[0], (name, line)
t = fw['frameworks']['torch']
assert 'dispatch %.1f us/op' % (t['op_dispatch_s'] * 1e6) in text
assert 'GEMM up to %.1f GFLOP/s' % max(g['rate_gflops'] for g in t['gemm']) in text
for x in fw['findings']:
    assert '  finding: ' + x['detail'] in text
PYEOF
$PY - "$FW" "$T/fwerr.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
d['bench']['framework'] = {'python': '/usr/bin/python3', 'status': 'error',
                           'reason': '/usr/bin/python3 did not answer within 9.5 s (killed)', 'elapsed_s': 9.6}
json.dump(d, open(sys.argv[2], 'w'))
PYEOF
expect "a framework probe that failed says why" 0 "^frameworks \(python /usr/bin/python3\): error \(/usr/bin/python3 did not answer within 9.5 s \(killed\)\)$" -- \
	$B show "$T/fwerr.json"

# ---- a bench read from standard input is named by its host, not "-" --------------
F=tests/fixtures/bench_cpu_fixture.json
host=$($PY -c "import json; print(json.load(open('$F')).get('host', {}).get('hostname') or 'stdin')")
$PY -c "import json; d=json.load(open('$F')); d.get('host', {}).pop('label', None); json.dump(d, open('$T/nolabel.json', 'w'))"
expect "--hw - names the machine" 0 "^  $host +[0-9]" -- sh -c "$B -q estimate --hw - --model resnet18 --dataset cifar10 < '$T/nolabel.json'"

# ---- report of a probe document says there is nothing to plot --------------------
$B -q probe --json > "$T/probe.json"
expect "report of a probe document" 0 "nothing to plot in this document" -- $B report "$T/probe.json"

# ---- --help (and so the man page) names every variable README documents ----
$B --help > "$T/help"
$PY - README.md "$T/help" <<'PYEOF' && ok "--help names every environment variable of README's Environment paragraph" || ko "--help lacks a documented variable"
import re, sys
readme = open(sys.argv[1]).read(); text = open(sys.argv[2]).read()
para = readme[readme.index('\nEnvironment: '):]
para = para[:para.index('\n\n')]
names = set(re.findall(r'\b(?:NO_COLOR|DLPROBE_[A-Z_]+)\b', para))
assert len(names) >= 8, names
missing = sorted(n for n in names if not re.search(r'^  ' + n + r'\b', text, re.M))
assert not missing, missing
PYEOF

# ---- a ratio range whose ends print the same is one value -------------------
expect "collapsed ratio range prints one value" 0 "it takes [0-9.]+x the classical" -- \
	$B -q estimate --model mlp:30,256,256,2 --dataset tabular:1000000x30 --instance g6.xlarge
if grep -Eq '([0-9.]+)-\1x' "$T/out"; then ko "collapsed ratio range: a range with equal ends remains"; else ok "collapsed ratio range: no equal-ended range"; fi

# ---- a model file that cannot be used: one line naming the file, exit 2 ------
echo '{}' > "$T/empty-model.json"
mkdir "$T/modeldir"
for m in "$T/no-such-model.json:No such file" "$T/modeldir:is a directory" "$T/empty-model.json:needs \"input\""; do
	f=${m%%:*} why=${m#*:}
	expect "model file ${f##*/}: named with the problem" 2 "^dlprobe: model file $f: .*$why" -- $B estimate --model "$f" --dataset cifar10
	one_line "model file ${f##*/}: one line"
	if [ "$(grep -o -F "$f" "$T/err" | wc -l)" -eq 1 ]; then ok "model file ${f##*/}: path said once"; else ko "model file ${f##*/}: path repeated: $(cat "$T/err")"; fi
done

# ---- with a deadline the verdict's picks are among the machines that meet it --
expect "deadline verdict says the pick meets the deadline" 0 '"summary": "[^"]*cheapest hardware that meets the 1 h deadline is p4d.24xlarge' -- \
	$B -q estimate --model resnet50 --dataset imagenet --deadline 1h --json
$PY - "$T/out" <<'PYEOF' && ok "deadline verdict: JSON pick agrees with the sentence and meets the deadline" || ko "deadline verdict: JSON and sentence disagree"
import json, sys
d = json.load(open(sys.argv[1])); v = d['verdict']
assert v['deadline_s'] == 3600, v['deadline_s']
assert f"cheapest hardware that meets the 1 h deadline is {v['deep_cheapest']} " in v['summary'], v['summary']
# the cheaper g6.xlarge only misses the deadline: it must not read as the cheapest overall
assert 'g6.xlarge' in v['deadline']['deep']['missed'], v['deadline']
PYEOF
expect "deadline nobody meets: said plainly" 0 "none meets the 1 min deadline" -- \
	$B -q estimate --model resnet50 --dataset imagenet --deadline 1min
# every pick line says the deadline as the summary does, with a classical
# model too (the deep line once named the cheapest machine meeting it as
# "cheapest", beside a classical line that spoke of the deadline)
expect "deadline verdict with a classical model: the deep picks meet it" 0 \
	'^  deep, meeting the deadline: cheapest p4d\.24xlarge, fastest p4d\.24xlarge;' -- \
	$B -q estimate --model resnet50 --dataset imagenet --classical gbdt --deadline 1h
expect "deadline verdict with a classical model: no classical pick" 0 \
	'^  classical: no machine meets the deadline at the expected estimate$' -- \
	$B -q estimate --model resnet50 --dataset imagenet --classical gbdt --deadline 1h
for dl in "" "--deadline 1h"; do
	expect "verdict pick lines ${dl:-without a deadline}" 0 "" -- \
		$B -q estimate --model mlp:30,256,256,2 --dataset tabular:200000x30 --classical gbdt $dl
	$PY - "$T/out" "$dl" <<'PYEOF' && ok "verdict pick lines ${dl:-without a deadline}: both sides worded alike" || ko "verdict pick lines ${dl:-without a deadline}: $(grep -E '^  (deep|classical)' "$T/out")"
import re, sys
lines = [l for l in open(sys.argv[1]) if re.match(r'  (deep|classical)[,:]', l)]
assert len(lines) == 2, lines
want = ', meeting the deadline: cheapest ' if sys.argv[2] else ': cheapest '
assert all(want in l for l in lines), lines
PYEOF
done

# ---- a bad bench environment value is a usage error before anything is measured --
for e in DLPROBE_CPU_ISA=avx3 DLPROBE_BENCH_RERUNS=9 DLPROBE_BENCH_RERUNS=-1 DLPROBE_BLAS_TIMEOUT_S=abc DLPROBE_BLAS_TIMEOUT_S=0 DLPROBE_BLAS_TIMEOUT_S=inf \
	DLPROBE_GPU_TIMEOUT=abc DLPROBE_GPU_TIMEOUT=-1 DLPROBE_GPU_TIMEOUT=0 DLPROBE_GPU_TIMEOUT=0x10; do
	expect "bench with $e: usage error" 2 "^dlprobe: ${e%%=*}=" -- env "$e" $B bench --quick --backend cpu -o "$T/envbench.json"
	one_line "bench with $e: one line"
	if [ -e "$T/envbench.json" ]; then ko "bench with $e: wrote a document"; else ok "bench with $e: no document"; fi
done
# the bare command and estimate --measure bench too; they refuse the same way
expect "dlprobe with DLPROBE_CPU_ISA=avx3: usage error" 2 "^dlprobe: DLPROBE_CPU_ISA=avx3 is not one of generic, avx2" -- env DLPROBE_CPU_ISA=avx3 $B
expect "estimate --measure with DLPROBE_CPU_ISA=avx3: usage error" 2 "^dlprobe: DLPROBE_CPU_ISA=avx3" -- \
	env DLPROBE_CPU_ISA=avx3 $B estimate --hw tests/fixtures/bench_cpu_fixture.json --measure --model resnet18 --dataset cifar10
expect "dlprobe with DLPROBE_GPU_TIMEOUT=abc: usage error" 2 "^dlprobe: DLPROBE_GPU_TIMEOUT=abc is not a decimal number" -- env DLPROBE_GPU_TIMEOUT=abc $B
one_line "dlprobe with DLPROBE_GPU_TIMEOUT=abc: one line"

# ---- --measure refuses another machine's bench document ------------------------
expect "--measure with another machine's bench document: usage error" 2 \
	"^dlprobe: tests/fixtures/bench_cpu_fixture.json: --measure needs a bench document of this machine: its vendor is \"fixture\"" -- \
	$B estimate --hw tests/fixtures/bench_cpu_fixture.json --measure --model resnet18 --dataset cifar10
one_line "--measure with another machine's bench document: one line"
# a GPU document of another machine too (its host CPU is not this one)
expect "--measure with another machine's GPU document: usage error" 2 \
	"^dlprobe: docs/device-runs/h200-2026-11-27.json: --measure needs a bench document of this machine: its " -- \
	$B estimate --hw docs/device-runs/h200-2026-11-27.json --measure --model resnet18 --dataset cifar10
# this machine's GPU document: the deep model runs on the GPU, so nothing of
# the CPU is measured, and the estimate says so
$B probe -q --json > "$T/here.json"
$PY - docs/device-runs/h200-2026-11-27.json "$T/here.json" "$T/gpu-here.json" <<'PYEOF'
import json, sys
doc, here = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
for sec in ("cpu", "topology"):
    doc["probe"][sec] = here["probe"][sec]
json.dump(doc, open(sys.argv[3], "w"))
PYEOF
expect "--measure with this machine's GPU document" 0 "" -- \
	$B estimate --hw "$T/gpu-here.json" --measure --model resnet18 --dataset cifar10 --json
$PY - "$T/out" <<'PYEOF' && ok "--measure on a GPU document: no CPU shapes, a note says why" || ko "--measure on a GPU document: shapes or no note"
import json, sys
e = json.load(open(sys.argv[1]))["estimates"][0]
assert e.get("measured_shapes") is None, e.get("measured_shapes")
assert any(f.startswith("--measure times this machine's CPU") for f in e["deep"]["flags"]), e["deep"]["flags"]
PYEOF

# ---- a probe document given as --hw: named as given, and how to get a bench one ----
$B probe -q -o "$T/probe.json" > /dev/null
for c in "estimate --hw $T/probe.json --model resnet18 --dataset cifar10" "compare $T/probe.json g6.xlarge --model resnet18 --dataset cifar10"; do
	expect "${c%% *} with a probe document: usage error naming the file" 2 \
		"^dlprobe: $T/probe.json: not a bench document: .*make one with \`dlprobe bench -o FILE\`" -- $B $c
	one_line "${c%% *} with a probe document: one line"
	if grep -q 'bench\.backends' "$T/err"; then ko "${c%% *} with a probe document: names a JSON path"; else ok "${c%% *} with a probe document: no JSON path"; fi
done

# ---- the second outside trial (2026-12-03): damaged documents, contradictions --
printf '{"schema_version":"1.0","bench":{"backends":"x"}}\n' > "$T/bx.json"
printf '{"schema_version":"1.0","bench":3}\n' > "$T/b3.json"
printf '{"schema_version":"1.0","bench":{"mode":"quick","backends":[]}}\n' > "$T/b0.json"
expect "show: backends not a list is not a bench document" 2 "bx.json: not a bench document" -- $B show "$T/bx.json"
one_line "show: backends not a list: one line"
expect "show: a bench section that is a number is damaged" 2 "b3.json: its bench section is not an object or a list" -- \
	$B show "$T/b3.json"
expect "show: an empty bench says nothing was benched" 0 "^nothing was benched" -- $B show "$T/b0.json"
expect "report --json: names the one option, not three" 2 "^dlprobe: report writes HTML: for --json use show" -- \
	$B report tests/fixtures/bench_cpu_fixture.json --json
expect "bench --backend none without --framework: usage error" 2 "^dlprobe: --backend none measures nothing" -- \
	$B bench --backend none -o "$T/none.json"
if [ -e "$T/none.json" ]; then ko "bench --backend none: wrote a document"; else ok "bench --backend none: no document"; fi

# a number out of range is named as too large, not as "not positive"
expect "--epochs 1e30: too large" 2 "^dlprobe: --epochs 1e30 is too large \(at most 1e\+15\)" -- \
	$B estimate --model resnet18 --dataset cifar10 --epochs 1e30
expect "--network-gbps 1e9: too large" 2 "^dlprobe: --network-gbps 1e9 is too large" -- \
	$B estimate --model resnet18 --dataset cifar10 --network-gbps 1e9
expect "--epochs 1e400: out of range, not \"not a decimal number\"" 2 "^dlprobe: --epochs 1e400 is out of range" -- \
	$B estimate --model resnet18 --dataset cifar10 --epochs 1e400
expect "--epochs 1e-400: too close to 0, not \"at most\"" 2 "^dlprobe: --epochs 1e-400 is too close to 0" -- \
	$B estimate --model resnet18 --dataset cifar10 --epochs 1e-400
expect "--epochs fast: not a decimal number" 2 "^dlprobe: --epochs needs a positive number \(got \"fast\", not a decimal number\)" -- \
	$B estimate --model resnet18 --dataset cifar10 --epochs fast
expect "DLPROBE_GPU_TIMEOUT=1e99: out of range, not \"not a decimal number\"" 2 \
	"^dlprobe: DLPROBE_GPU_TIMEOUT=1e99 is not a number of seconds in \(0, " -- env DLPROBE_GPU_TIMEOUT=1e99 $B
printf '{"schema_version":1,"bench":{"backends":[]}}\n' > "$T/sv.json"
expect "schema_version a number: named as not a string" 2 "schema_version is not a string" -- $B show "$T/sv.json"

# --devices beyond what a compared machine has: used as it has, and noted
expect "--devices 1000 over three instances: noted per machine" 0 '"--devices 1000: g6.xlarge has 1, estimated on 1"' -- \
	$B estimate --model resnet18 --dataset cifar10 --devices 1000 --json

# documents of one name: the later ones "NAME #2", "NAME #3", whatever the
# paths, so that rows and --price NAME=USD tell them apart
for d in a b c; do mkdir -p "$T/$d" && cp tests/fixtures/bench_cpu_fixture.json "$T/$d/vm.json"; done
expect "three machines of one name: numbered" 0 "^  vm #3 " -- \
	$B estimate --hw "$T/a/vm.json" --hw "$T/b/vm.json" --hw "$T/c/vm.json" --model resnet18 --dataset cifar10
grep -q "^  vm #2 " "$T/out" && ok "three machines of one name: #2 too" || ko "three machines of one name: no #2"
expect "--price names a numbered machine" 0 '"price_usd_per_h": 2' -- \
	$B estimate --hw "$T/a/vm.json" --hw "$T/b/vm.json" --model resnet18 --dataset cifar10 --json --price "vm #2=2"

# a machine priced at $0 is priced: the verdict's cost ratio covers it (its
# costs' ratio is the time ratio at any price), and the report keeps the
# cost chart (a log axis: the $0 machine has no bar, the others do)
expect "--price NAME=0: the verdict counts it as priced" 0 "costs [0-9.]+-[0-9.]+x as much on every machine" -- \
	$B estimate --hw tests/fixtures/bench_cpu_fixture.json --instance c7i.2xlarge --price bench_cpu_fixture=0 \
	--model mlp:30,1024,1024,2 --dataset tabular:1000000x30 --epochs 20
$B estimate --hw tests/fixtures/bench_cpu_fixture.json --instance c7i.2xlarge --instance g6.xlarge \
	--price bench_cpu_fixture=0 --model resnet18 --dataset cifar10 --json -o "$T/free.json" > /dev/null
expect "report with a \$0 machine: the cost chart stays" 0 "" -- $B report "$T/free.json" -o "$T/free.html"
grep -q ">deep model: cost" "$T/free.html" && ok "report with a \$0 machine: cost chart" || ko "report with a \$0 machine: no cost chart"
printf '{"instances": [{"name": "z", "cpu": "epyc-7r13", "vcpus": 4, "price_usd_per_h": 0}]}\n' > "$T/zero.json"
expect "a catalog price of 0: refused, saying how to price at \$0" 2 "price_usd_per_h\" must be above 0 .*--price z=0" -- \
	$B estimate --catalog "$T/zero.json" --instance z --model resnet18 --dataset cifar10

# -o /dev/null discards (it was refused as "not a regular file"); another
# device is still refused, a usage error
expect "-o /dev/null: discarded, exit 0" 0 "" -- $B list models -o /dev/null
expect "-o /dev/zero: refused" 2 "^dlprobe: cannot write /dev/zero: not a regular file" -- $B list models -o /dev/zero

# a one-row forest still has a root to search: a time above zero, and the
# verdict compares it (it said "no classical alternative was estimated")
expect "a forest on one row: a time, compared in the verdict" 0 "the numbers favour the classical model \(forest\)" -- \
	$B estimate --model mlp:1,1 --dataset tabular:1x1 --classical forest --instance c7i.2xlarge
if grep -q "0.0-0.0 us" "$T/out"; then ko "a forest on one row: zero time"; else ok "a forest on one row: no zero time"; fi

# ---- the bench table: an FMA peak row prints the peak %peak divides by -------
# (a busy machine printed a peak's median, 74.6, beside a GEMM at "93%" of
# its fastest sample, 165.9: review of 2026-12-03)
$PY - tests/fixtures/bench_cpu_fixture.json "$T/peak.json" <<'PYEOF' || ko "cannot make the busy-peak document"
import json, sys
d = json.load(open(sys.argv[1]))
for r in d['bench']['backends'][0]['devices'][0]['results']:
    if r['kernel'] == 'fma_peak' and r['dtype'] == 'fp32' and r['threads'] == 1:
        r['rate_gflops'], r['best_gflops'] = 74.6, 165.9
json.dump(d, open(sys.argv[2], 'w'))
PYEOF
expect "show: the 1-thread fp32 FMA peak row prints its fastest sample" 0 \
	"^  fma_peak +fp32 +avx512 +- +1 +165\.9 GFLOP/s" -- $B show "$T/peak.json"
if grep -q "74\.6 GFLOP/s" "$T/out"; then ko "show: the FMA peak's median printed"; else ok "show: the FMA peak's median not printed"; fi

echo "cli_review: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
