#!/bin/sh
# Fault injection (issue 15): -o through symlinks and hard links, modes,
# umask and owners, a signal or `ulimit -f` during the write, a full or closed
# stdout, hostile numbers in specs, model and bench files. Each case failed
# before its fix. Run by `make check-cli`.
set -u
BUILD=${BUILD:-build}
B=$BUILD/dlprobe
T=$(mktemp -d)
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
. tests/support/check.sh
# check NAME COMMAND...: the shell command succeeds
check() { name=$1; shift; if "$@"; then ok "$name"; else ko "$name"; fi; }
no_temp() {
	if find "$T" -name '*.tmp-*' | grep -q .; then ko "$1: $(find "$T" -name '*.tmp-*')"; else ok "$1"; fi
}
is_doc() { /usr/bin/python3 -c "import json,sys; json.load(open(sys.argv[1]))['models']" "$1" 2>/dev/null; }
mode_of() { stat -c %a "$1"; }
# a quick command that writes a document: the model list
write() { "$B" -q list models -o "$1" > /dev/null; }

# ---- -o writes through symlinks ------------------------------------------
mkdir "$T/d" "$T/e"
echo old > "$T/d/real.json"
ln -s real.json "$T/d/link.json"
expect "-o through a relative symlink" 0 "" -- write "$T/d/link.json"
check "the link is still a link" test -L "$T/d/link.json"
check "its target holds the document" is_doc "$T/d/real.json"
ln -s ../d/link.json "$T/e/chain.json"
echo old > "$T/d/real.json"
expect "-o through a chain of links across directories" 0 "" -- write "$T/e/chain.json"
check "the chain's final target holds the document" is_doc "$T/d/real.json"
check "both links stay links" test -L "$T/e/chain.json" -a -L "$T/d/link.json"
ln -s "$T/d/new.json" "$T/d/dangling.json"
expect "-o through a dangling link creates its target" 0 "" -- write "$T/d/dangling.json"
check "the dangling link's target was created" is_doc "$T/d/new.json"
ln -s loop2 "$T/d/loop1" && ln -s loop1 "$T/d/loop2"
expect "-o into a symlink loop" 1 "cannot write .*loop1: Too many levels of symbolic links" -- write "$T/d/loop1"
one_line "symlink loop: one line"
ln -s "$T" "$T/d/dirlink"
expect "-o onto a link to a directory" 2 "is a directory" -- write "$T/d/dirlink"

# a link planted by another user in a sticky world-writable directory (as
# /tmp) is not followed, as fs.protected_symlinks would refuse it
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	mkdir "$T/sticky" && chmod 1777 "$T/sticky"
	echo precious > "$T/victim"
	ln -s "$T/victim" "$T/sticky/report.json" && chown -h nobody "$T/sticky/report.json"
	expect "another user's link in a sticky directory is refused" 1 \
		"cannot write .*report.json: it is a symlink owned by another user in a sticky world-writable directory" \
		-- write "$T/sticky/report.json"
	one_line "refused link: one line"
	check "the link's target is untouched" grep -qx precious "$T/victim"
	ln -s "$T/victim" "$T/sticky/mine.json"
	expect "our own link in a sticky directory is followed" 0 "" -- write "$T/sticky/mine.json"
	check "our own link's target holds the document" is_doc "$T/victim"
else
	echo "skip sticky-directory link (needs root and a nobody user)"
fi

# ---- hard links see the new document -------------------------------------
echo old > "$T/h1.json"
ln "$T/h1.json" "$T/h2.json"
expect "-o onto a hard-linked file" 0 "" -- write "$T/h2.json"
check "the other name sees the new document" is_doc "$T/h1.json"
check "the files are still one" test "$(stat -c %i "$T/h1.json")" = "$(stat -c %i "$T/h2.json")"
no_temp "no temporary file after the in-place write"
head -c 100000 /dev/zero | tr '\0' x > "$T/h3.json"
ln "$T/h3.json" "$T/h4.json"
write "$T/h4.json"
check "a longer old file is cut to the new document" is_doc "$T/h3.json"

# ---- modes, umask, owner -------------------------------------------------
echo old > "$T/m.json" && chmod 0640 "$T/m.json"
expect "-o onto a 0640 file" 0 "" -- write "$T/m.json"
check "the file keeps mode 640 (was $(mode_of "$T/m.json"))" test "$(mode_of "$T/m.json")" = 640
echo old > "$T/m2.json" && chmod 0604 "$T/m2.json"
write "$T/m2.json"
check "the file keeps mode 604 (was $(mode_of "$T/m2.json"))" test "$(mode_of "$T/m2.json")" = 604
(umask 027 && write "$T/new027.json")
check "a new file under umask 027 is 640 (was $(mode_of "$T/new027.json"))" test "$(mode_of "$T/new027.json")" = 640
(umask 0 && write "$T/new000.json")
check "a new file under umask 0 is 666 (was $(mode_of "$T/new000.json"))" test "$(mode_of "$T/new000.json")" = 666
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	echo old > "$T/own.json" && chown nobody "$T/own.json"
	write "$T/own.json"
	check "the file keeps its owner (was $(stat -c %U "$T/own.json"))" test "$(stat -c %U "$T/own.json")" = nobody
fi

# ---- signals and size limits during the write ----------------------------
# ulimit -f: SIGXFSZ killed dlprobe in the middle and left the temporary file
echo precious > "$T/f.json"
expect "-o under ulimit -f fails cleanly" 1 "cannot write .*f.json: File too large" -- sh -c "ulimit -f 2; exec \"$B\" -q list models -o \"$T/f.json\" > /dev/null"
one_line "ulimit -f: one line"
check "the old file is intact" grep -qx precious "$T/f.json"
no_temp "no temporary file after ulimit -f"
# a signal at the last moment (raised in fsync by a preloaded shim): it waits
# for the rename, then ends the program as it would have
preload="$BUILD/tests/libsignal_fsync.so"
# nohup, or a background job of a script, starts dlprobe with SIGHUP or
# SIGINT ignored: restore the default actions (coreutils env) where possible
dflt=""
env --default-signal=HUP,INT,TERM true 2>/dev/null && dflt="--default-signal=HUP,INT,TERM"
for sig in 15:TERM 2:INT 1:HUP; do
	n=${sig%%:*}
	echo precious > "$T/s.json"
	env $dflt ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" LD_PRELOAD="$preload" FAKE_FSYNC_SIGNAL=$n \
		"$B" -q list models -o "$T/s.json" > /dev/null 2>&1
	rc=$?
	check "SIG${sig#*:} during -o still ends the program (exit $rc)" test "$rc" -eq $((128 + n))
	check "SIG${sig#*:} during -o: the file is the complete document" is_doc "$T/s.json"
	no_temp "SIG${sig#*:} during -o: no temporary file"
done

# ---- standard output -----------------------------------------------------
if [ -w /dev/full ]; then
	expect "text to a full stdout fails" 1 "cannot write to standard output: No space left on device" -- sh -c "exec \"$B\" list models > /dev/full"
	one_line "full stdout: one line"
	expect "JSON to a full stdout fails" 1 "cannot write to standard output" -- sh -c "exec \"$B\" list models --json > /dev/full"
fi
expect "text to a closed stdout fails" 1 "cannot write to standard output" -- sh -c "exec \"$B\" list datasets >&-"
expect "--help to a closed stdout fails" 1 "cannot write to standard output" -- sh -c "exec \"$B\" --help >&-"

# ---- numbers: decimal only, in range --------------------------------------
E="$B estimate --instance c7i.2xlarge"
expect "hex rows are refused" 2 'malformed dataset "tabular:0x10x5"' -- $E --model none --classical gbdt --dataset tabular:0x10x5
one_line "hex rows: one line"
expect "hex samples are refused" 2 "samples needs a positive integer" -- $E --model mlp:4,2 --samples 0x10
expect "inf epochs are refused" 2 "epochs needs a positive number" -- $E --model mlp:4,2 --samples 10 --epochs inf
expect "hex price is refused" 2 "price needs USD per hour" -- $E --model mlp:4,2 --samples 10 --price 0x1p3
expect "hex input is refused" 2 "malformed --input" -- $E --model resnet18 --samples 10 --input 0x10x16
expect "hex classical option is refused" 2 "malformed classical spec" -- $E --model none --dataset tabular:100x5 --classical gbdt:trees=0x10
expect "an infinite deadline is refused" 2 'deadline needs a duration \("1e306h" is out of range' -- $E --model mlp:4,2 --samples 10 --deadline 1e306h
one_line "infinite deadline: one line"
expect "an absurd retraining cadence is refused" 2 "retrain-every needs a duration" -- $E --model mlp:4,2 --samples 10 --retrain-every 1e9d
expect "a century is still a deadline" 0 "" -- $E --model mlp:4,2 --samples 10 --deadline 5000w -q

# model files: counts read at full width, shapes bounded
cat > "$T/wide.json" <<'EOF'
{"name": "wide", "input": [3, 4294967520, 224], "classes": 10,
 "layers": [{"op": "conv", "out": 8}, {"op": "gap"}, {"op": "flatten"}, {"op": "dense", "out": "classes"}]}
EOF
expect "an input beyond int is refused, not truncated" 2 'wide: "input\[1\] \(height\)" must be an integer from 1 to' -- $E --model "$T/wide.json" --samples 10
one_line "wide input: one line"
# a field of the wrong type is named (layers "no" read as "needs input"; a
# string count was silently its default)
for c in 'layers|{"name": "typed", "input": [3, 32, 32], "layers": "no"}|typed: "layers" must be an array of layers' \
	'layers, no input|{"layers": "no"}|"layers" must be an array of layers' \
	'classes|{"name": "typed", "input": [3, 32, 32], "classes": "ten", "layers": [{"op": "dense", "out": 2}]}|typed: "classes" must be an integer' \
	'k|{"name": "typed", "input": [3, 32, 32], "layers": [{"op": "conv", "out": 8, "k": "3"}]}|0: "k" must be an integer' \
	'bias|{"name": "typed", "input": [3, 32, 32], "layers": [{"op": "dense", "out": 2, "bias": "no"}]}|0: "bias" must be true or false' \
	'builder|{"name": "typed", "input": [3, 32, 32], "builder": 5}|typed: "builder" must be a string' \
	'shortcut|{"name": "typed", "input": [3, 32, 32], "layers": [{"op": "residual", "body": [{"op": "relu"}], "shortcut": "x"}]}|0: "shortcut" must be an array of layers' \
	'no layers|{"name": "typed", "input": [3, 32, 32]}|typed: needs "layers" \\(an array of layers\\) or a "builder"' \
	'not an object|[1]|a model description must be a JSON object'; do
	printf '%s\n' "$(echo "$c" | cut -d'|' -f2)" > "$T/typed.json"
	expect "model file, wrong type (${c%%|*}): named" 2 "$(echo "$c" | cut -d'|' -f3)" -- $E --model "$T/typed.json" --samples 10
	one_line "model file, wrong type (${c%%|*}): one line"
done
cat > "$T/grow.json" <<'EOF'
{"name": "grow", "input": [1, 8, 8],
 "layers": [{"op": "repeat", "times": 5000, "body": [{"op": "conv", "out": 1, "k": 1, "pad": 1000000}]},
            {"op": "dense", "out": 1}]}
EOF
expect "padding that grows the image past the bound is refused" 2 "is out of range \(1 to 1000000000 per side\)" -- $E --model "$T/grow.json" --samples 10
cat > "$T/lstm.json" <<'EOF'
{"name": "lstm1e9", "task": "text", "input": [1, 1000000000, 1], "vocab": 10,
 "layers": [{"op": "embedding", "dim": 1}, {"op": "lstm", "hidden": 1}, {"op": "dense", "out": "vocab"}]}
EOF
"$B" estimate --instance c7i.2xlarge --model "$T/lstm.json" --dataset text:1e10 --json > "$T/lstm.out" 2>/dev/null
check "an LSTM over 1e9 steps takes a positive time" /usr/bin/python3 -c "
import json,sys; t=json.load(open(sys.argv[1]))['estimates'][0]['deep']['train_s']
assert 0 < t['low'] <= t['expected'] <= t['high'], t" "$T/lstm.out"

# bench files: a memory figure no machine has is refused, naming the field
/usr/bin/python3 - "$T/mem.json" <<'EOF'
import json, sys
d = json.load(open("tests/fixtures/bench_cpu_minimal.json"))
d["probe"]["memory"]["effective_bytes"] = 1e300
json.dump(d, open(sys.argv[1], "w"))
EOF
expect "effective_bytes 1e300 is refused" 2 "probe.memory.effective_bytes 1e\+300 is out of range" -- "$B" estimate --hw "$T/mem.json" --model mlp:4,2 --samples 10
one_line "effective_bytes: one line"

# ---- OpenCL: say why no platform loaded ------------------------------------
# The ICD loader reports "no platform" whatever happened; the vendor
# library's own load error says what did.
mkdir "$T/icd" && echo libdlprobe-no-such-vendor.so > "$T/icd/bogus.icd"
clreason() { /usr/bin/python3 -c "import json,sys; c=json.load(sys.stdin)['probe']['opencl']; print(c['status'], c['reason'])"; }
OCL_ICD_VENDORS="$T/icd" "$B" probe --json 2>/dev/null | clreason > "$T/cl"
check "a vendor library that does not load is named with the loader's reason ($(cat "$T/cl"))" \
	grep -q "^unavailable no OpenCL platform loaded: bogus.icd (libdlprobe-no-such-vendor.so) failed to load: .*cannot open shared object file" "$T/cl"
# under an address-space limit PoCL (with LLVM) cannot map its libraries
# (the inner shell waits, so an abort under the limit is reported to /dev/null)
sh -c 'ulimit -v 100000; "$1" probe --json > "$2"; exit 0' sh "$B" "$T/clv.json" 2>/dev/null
if ! clreason < "$T/clv.json" > "$T/cl" 2>/dev/null; then
	echo "skip OpenCL under ulimit -v: dlprobe does not start under it here (ASan reserves its shadow)"
elif grep -q '^ok' "$T/cl"; then
	echo "skip OpenCL under ulimit -v: the platform still loads here"
else
	check "under ulimit -v the OpenCL reason says what failed ($(cat "$T/cl"))" grep -q "failed to load: " "$T/cl"
fi

echo "cli_harden: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
