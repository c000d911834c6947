#!/bin/sh
# The plain `dlprobe` run benches every backend the probe found a device on:
# with the fake libcuda (tests/fakes/fake_cuda.c) its document must hold a
# CUDA device in the bench, and "this machine"'s estimates must have
# considered it (the fake's kernels compute nothing, so its GEMMs fail
# verification and the estimate names the device and stays on the CPU).
# Minutes on a busy 2-CPU machine: run once, not under the sanitizers.
set -u
B=${BUILD:-build}/dlprobe
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
if ! DLPROBE_LIBCUDA=${BUILD:-build}/tests/libcuda_fake.so timeout 600 "$B" -q --json >"$T/doc.json" 2>"$T/err"; then
	echo "FAIL plain run with the fake libcuda: $(head -c 300 "$T/err")"
	exit 1
fi
python3 - "$T/doc.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
cuda = [d["name"] for b in doc["bench"]["backends"] if b["backend"] == "cuda" for d in b["devices"]]
mine = [e for e in doc["estimates"] if e["hardware"]["name"] == "this machine"]
ok = True
def check(cond, what):
    global ok
    print(("ok   " if cond else "FAIL ") + what)
    ok = ok and cond
check("Fake H100 0" in cuda, "plain run: the bench has the CUDA device (%s)" % cuda)
check(len(mine) == 3, "plain run: 'this machine' estimated for the three scenario workloads")
check(all(any("Fake H100 0" in f for f in e["hardware"]["flags"]) for e in mine),
      "plain run: every 'this machine' estimate names the CUDA device it considered")
sys.exit(0 if ok else 1)
PY
