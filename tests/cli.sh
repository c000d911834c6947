#!/bin/sh
# The front end's contract: messages, exit codes (0 ok, 1 runtime, 2 usage),
# atomic -o, --help/--version, colour rules. Run by `make check-cli`.
set -u
B=${BUILD:-build}/dlprobe
T=$(mktemp -d)
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
. tests/support/check.sh

expect "--help exits 0 on stdout" 0 "^Usage: dlprobe" -- "$B" --help
[ -s "$T/err" ] && { ko "--help wrote to stderr"; }
expect "help command" 0 "Exit status" -- "$B" help
expect "probe --help" 0 "Usage: dlprobe probe" -- "$B" probe --help
expect "--version lists backends" 0 "backends built in: cpu opencl cuda" -- "$B" --version
expect "--version says what was found" 0 "found at run time: cpu found, opencl found, cuda not found" -- "$B" --version
# --json (before or after it) and -o make a document of it, never text
for args in "--version --json" "--json --version"; do
	if "$B" $args > "$T/v.json" 2>"$T/err" && python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d['tool']['name'] == 'dlprobe' and d['backends_found']['cpu'] is True, d
assert isinstance(d['backends_found']['cuda'], bool), d" "$T/v.json" &&
		python3 tests/validate_json.py data/dlprobe.schema.json "$T/v.json" >/dev/null; then
		ok "$args: a document"
	else
		ko "$args: $(head -c 200 "$T/v.json")"
	fi
done
expect "--version -o FILE: the document to the file" 0 "" -- "$B" --version -o "$T/v2.json"
grep -q '"backends_found"' "$T/v2.json" && ok "--version -o FILE wrote it" || ko "--version -o FILE: $(head -c 200 "$T/v2.json")"
expect "unknown option" 2 "unknown option --bogus" -- "$B" --bogus
one_line "unknown option: one line"
expect "unknown letter in an option cluster" 2 "unknown option -x in -qx" -- "$B" -qx probe
one_line "option cluster: one line"
expect "unknown probe option" 2 "unknown option --frob" -- "$B" probe --frob
one_line "unknown probe option: one line"
expect "unknown command" 2 'unknown command "frobnicate"' -- "$B" frobnicate
one_line "unknown command: one line"
expect "-o without a value" 2 "needs a value" -- "$B" probe -o
one_line "-o without a value: one line"
expect "probe with a stray argument" 2 "takes no arguments" -- "$B" probe extra
expect "-o into a missing directory" 1 "cannot write $T/nodir/x.json" -- "$B" probe -o "$T/nodir/x.json"
one_line "-o missing directory: one line"
expect "-o onto a directory" 2 "is a directory" -- "$B" probe -o "$T"
mkdir "$T/ro" && chmod 555 "$T/ro"
if [ "$(id -u)" -eq 0 ]; then
	# root ignores directory modes; /proc refuses new files to everyone
	expect "-o where no file can be created" 1 "cannot write /proc/dlprobe-test.json" -- "$B" probe -o /proc/dlprobe-test.json
else
	expect "-o into an unwritable directory" 1 "cannot write" -- "$B" probe -o "$T/ro/x.json"
fi
one_line "-o unwritable: one line"
expect "-o onto a device is refused" 2 "not a regular file" -- "$B" probe -o /dev/zero
expect "-o /dev/null discards" 0 "" -- "$B" probe -o /dev/null
if [ -c /dev/null ] && [ -c /dev/zero ]; then ok "/dev/null, /dev/zero still devices"; else ko "a device replaced"; fi

# -o writes the document atomically and prints the table; --json prints JSON
expect "probe -o FILE" 0 "^CPU" -- "$B" probe -o "$T/p.json"
expect "the file is JSON with a schema_version" 0 '"schema_version": "1.0"' -- cat "$T/p.json"
expect "probe --json" 0 '"schema_version"' -- "$B" probe --json
expect "global --json before the command" 0 '"probe"' -- "$B" --json probe
if find "$T" -name '*.tmp-*' | grep -q .; then ko "a temporary file was left"; else ok "no temporary file left"; fi

# an existing file is replaced only by a complete document
echo "precious" > "$T/keep.json"
expect "a failing run keeps the old file" 2 "unknown option" -- "$B" probe --frob -o "$T/keep.json"
expect "old file intact" 0 "^precious$" -- cat "$T/keep.json"

# colour: never when not a terminal, never with NO_COLOR
"$B" probe > "$T/plain" 2>&1
if grep -q "$(printf '\033')" "$T/plain"; then ko "colour escape in piped output"; else ok "no colour when piped"; fi
if command -v script >/dev/null 2>&1; then
	NO_COLOR=1 script -qec "$B probe" /dev/null > "$T/tty" 2>&1
	if grep -q "$(printf '\033\\[1m')" "$T/tty"; then ko "colour despite NO_COLOR"; else ok "NO_COLOR honoured on a terminal"; fi
	script -qec "$B probe" /dev/null > "$T/tty" 2>&1
	if grep -q "$(printf '\033\\[1m')" "$T/tty"; then ok "colour on a terminal"; else ko "no colour on a terminal"; fi
fi

# the probe reports what the issue asks for on this machine
"$B" probe --json > "$T/p.json"
py() { /usr/bin/python3 -c "import json,sys; d=json.load(open('$T/p.json'))['probe']; $1"; }
expect "hardware threads match nproc" 0 "" -- py "assert d['topology']['threads'] == $(nproc --all), d['topology']"
expect "AVX-512 and AMX features present as keys" 0 "" -- py "f=d['cpu']['features']; assert all(k in f for k in ('avx512f','avx512_bf16','amx_tile','amx_bf16','amx_int8'))"
expect "CUDA unavailable with a reason" 0 "" -- py "c=d['cuda']; assert c['status'] in ('unavailable','ok') and (c['status']=='ok' or c['reason'])"
expect "memory from each source" 0 "" -- py "s=d['memory']['sources']; assert s['meminfo_total_bytes']>0 and s['hwloc_total_bytes']>0 and 'cgroup_limit_bytes' in s"

# a fake CUDA driver is reported through the same path
expect "fake libcuda device shown" 0 "Fake H100 0, cc 9.0, 132 SMs" -- env DLPROBE_LIBCUDA="${BUILD:-build}/tests/libcuda_fake.so" "$B" probe

# bench, estimate, compare and list: bad input is a one-line usage error (exit 2)
expect "bench: unknown backend" 2 'unknown backend "tpu"' -- "$B" bench --backend tpu
one_line "bench unknown backend: one line"
expect "bench: stray argument" 2 "takes no arguments" -- "$B" bench now
expect "estimate: no model" 2 "needs --model" -- "$B" estimate
expect "estimate: unknown model" 2 'unknown model "nosuch"' -- "$B" estimate --model nosuch --samples 10
one_line "estimate unknown model: one line"
expect "estimate: malformed mlp" 2 'malformed model spec "mlp:10,,2"' -- "$B" estimate --model mlp:10,,2 --samples 10
expect "estimate: zero epochs" 2 "epochs needs a positive number" -- "$B" estimate --model mlp:10,5,2 --samples 10 --epochs 0
expect "estimate: negative price" 2 "price needs USD per hour" -- "$B" estimate --model mlp:10,5,2 --samples 10 --price -1
expect "estimate: unknown dataset" 2 'unknown dataset "nosuch"' -- "$B" estimate --model mlp:10,5,2 --dataset nosuch
expect "estimate: unknown instance" 2 'unknown instance "nosuch"' -- "$B" estimate --model resnet50 --dataset cifar10 --instance nosuch
expect "estimate: bench file of another major version" 2 "schema_version 2.0 is not supported" -- "$B" estimate --model mlp:10,5,2 --samples 10 --hw tests/fixtures/bench_schema2.json
one_line "schema major: one line"
expect "estimate: missing bench file" 2 "cannot read $T/none.json" -- "$B" estimate --model mlp:10,5,2 --samples 10 --hw "$T/none.json"
expect "estimate: bench file that is not JSON" 2 "README.md:1:1: invalid JSON" -- "$B" estimate --model mlp:10,5,2 --samples 10 --hw README.md
printf '{"schema_version": "1.0", "layers": [' > "$T/broken-model.json"
expect "estimate: truncated model file" 2 "broken-model.json" -- "$B" estimate --model "$T/broken-model.json" --samples 10
expect "estimate: bad retrain period" 2 "retrain-every needs a duration" -- "$B" estimate --model mlp:10,5,2 --samples 10 --retrain-every 3x
expect "list: unknown kind" 2 'unknown "bogus"' -- "$B" list bogus
expect "compare: nothing to compare" 2 "compare needs machines" -- "$B" compare
expect "list models" 0 "resnet50" -- "$B" list models
expect "list instances names providers' spellings" 0 "p4d.24xlarge" -- "$B" list instances
expect "list datasets" 0 "cifar10" -- "$B" list datasets

# estimate and compare answer from the catalog, and -o is atomic for them too
expect "estimate from the catalog" 0 "p3.2xlarge" -- "$B" estimate --model resnet50 --dataset cifar10 --epochs 10 --instance p3.2xlarge
expect "estimate -o FILE" 0 "" -- "$B" -q estimate --model mlp:30,64,2 --dataset tabular:100000x30 --classical gbdt --instance c7i.2xlarge -o "$T/est.json"
expect "estimate JSON has the stable names" 0 "" -- /usr/bin/python3 -c "
import json; e=json.load(open('$T/est.json'))['estimates'][0]
assert e['hardware'] and e['deep']['memory']['fits'] in (True, False)
for k in ('low','expected','high'):
    assert e['deep']['train_s'][k] > 0 and e['classical']['train_s'][k] > 0 and e['deep']['cost_usd'][k] >= 0
assert e['deep']['train_s']['low'] <= e['deep']['train_s']['expected'] <= e['deep']['train_s']['high']"
expect "compare ranks machines" 0 "" -- sh -c "'$B' -q compare p4d.24xlarge g6.xlarge --model resnet50 --dataset cifar10 --epochs 5 --json > '$T/cmp.json'"

# man page generated from --help (one source of truth)
if [ -f docs/dlprobe.1 ]; then
	expect "man page matches --help" 0 "" -- sh -c "sh scripts/gen_man.sh '$B' | cmp -s - docs/dlprobe.1"
fi

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
