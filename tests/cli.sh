#!/bin/sh
# The front end's contract: messages, exit codes (0 ok, 1 runtime, 2 usage),
# atomic -o, --help/--version, colour rules. Run by `make check-cli`.
set -u
B=${BUILD:-build}/dlprobe
T=$(mktemp -d)
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
pass=0 fail=0

# expect NAME CODE PATTERN -- CMD...: exit code CODE and PATTERN (grep -E) in stdout+stderr
expect() {
	name=$1 code=$2 pat=$3
	shift 4
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -ne "$code" ]; then
		fail=$((fail + 1)); echo "FAIL $name: exit $rc, wanted $code ($(head -c 200 "$T/err"))"; return
	fi
	if [ -n "$pat" ] && ! cat "$T/out" "$T/err" | grep -Eq -- "$pat"; then
		fail=$((fail + 1)); echo "FAIL $name: no /$pat/ in output"; return
	fi
	pass=$((pass + 1)); echo "ok   $name"
}
# one_line NAME: the last command wrote exactly one line to stderr, prefixed "dlprobe: "
one_line() {
	if [ "$(wc -l < "$T/err")" -eq 1 ] && grep -q '^dlprobe: ' "$T/err"; then
		pass=$((pass + 1)); echo "ok   $1"
	else
		fail=$((fail + 1)); echo "FAIL $1: stderr was: $(cat "$T/err")"
	fi
}

expect "--help exits 0 on stdout" 0 "^Usage: dlprobe" -- "$B" --help
[ -s "$T/err" ] && { fail=$((fail + 1)); echo "FAIL --help wrote to stderr"; }
expect "help command" 0 "Exit status" -- "$B" help
expect "probe --help" 0 "Usage: dlprobe probe" -- "$B" probe --help
expect "--version lists backends" 0 "backends built in: cpu opencl cuda" -- "$B" --version
expect "--version says what was found" 0 "found at run time: cpu found, opencl found, cuda not found" -- "$B" --version
expect "unknown option" 2 "unknown option --bogus" -- "$B" --bogus
one_line "unknown option: one line"
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
expect "-o onto a device is refused" 2 "not a regular file" -- "$B" probe -o /dev/null
if [ -c /dev/null ]; then pass=$((pass + 1)); echo "ok   /dev/null still a device"; else fail=$((fail + 1)); echo "FAIL /dev/null replaced"; fi

# -o writes the document atomically and prints the table; --json prints JSON
expect "probe -o FILE" 0 "^CPU" -- "$B" probe -o "$T/p.json"
expect "the file is JSON with a schema_version" 0 '"schema_version": "1.0"' -- cat "$T/p.json"
expect "probe --json" 0 '"schema_version"' -- "$B" probe --json
expect "global --json before the command" 0 '"probe"' -- "$B" --json probe
if find "$T" -name '*.tmp-*' | grep -q .; then fail=$((fail + 1)); echo "FAIL a temporary file was left"; else pass=$((pass + 1)); echo "ok   no temporary file left"; fi

# an existing file is replaced only by a complete document
echo "precious" > "$T/keep.json"
expect "a failing run keeps the old file" 2 "unknown option" -- "$B" probe --frob -o "$T/keep.json"
expect "old file intact" 0 "^precious$" -- cat "$T/keep.json"

# colour: never when not a terminal, never with NO_COLOR
"$B" probe > "$T/plain" 2>&1
if grep -q "$(printf '\033')" "$T/plain"; then fail=$((fail + 1)); echo "FAIL colour escape in piped output"; else pass=$((pass + 1)); echo "ok   no colour when piped"; fi
if command -v script >/dev/null 2>&1; then
	NO_COLOR=1 script -qec "$B probe" /dev/null > "$T/tty" 2>&1
	if grep -q "$(printf '\033\\[1m')" "$T/tty"; then fail=$((fail + 1)); echo "FAIL colour despite NO_COLOR"; else pass=$((pass + 1)); echo "ok   NO_COLOR honoured on a terminal"; fi
	script -qec "$B probe" /dev/null > "$T/tty" 2>&1
	if grep -q "$(printf '\033\\[1m')" "$T/tty"; then pass=$((pass + 1)); echo "ok   colour on a terminal"; else fail=$((fail + 1)); echo "FAIL no colour on a terminal"; fi
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

# man page generated from --help (one source of truth)
if [ -f docs/dlprobe.1 ]; then
	expect "man page matches --help" 0 "" -- sh -c "sh scripts/gen_man.sh '$B' | cmp -s - docs/dlprobe.1"
fi

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
