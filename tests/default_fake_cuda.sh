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
# --csv with -o: the document to the file, the estimates' CSV (one table,
# nothing before its header) to standard output
if ! DLPROBE_LIBCUDA=${BUILD:-build}/tests/libcuda_fake.so timeout 600 "$B" -q --csv -o "$T/doc.json" >"$T/out.csv" 2>"$T/err"; then
	echo "FAIL plain run with the fake libcuda: $(head -c 300 "$T/err")"
	exit 1
fi
python3 - "$T/doc.json" "$T/out.csv" <<'PY'
import csv, json, sys
doc = json.load(open(sys.argv[1]))
rows = list(csv.reader(open(sys.argv[2])))
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
check(rows and rows[0][:2] == ["scenario", "workload"], "plain run --csv: the estimates' header first (%s)"
      % (rows[0][:3] if rows else "empty"))
check(len(rows) == 1 + len(doc["estimates"]) and all(len(r) == len(rows[0]) for r in rows),
      "plain run --csv: one row per estimate, one table (%d rows, %d estimates)" % (len(rows), len(doc["estimates"])))
sys.exit(0 if ok else 1)
PY
