#!/bin/sh
# `dlprobe estimate` / `compare` on hostile or awkward input: model files and
# bench documents that must be a one-line usage error (exit 2), never a crash
# or a hang; compare's machine list ("-" is a bench document on stdin) and
# options on both sides of it; the ranking and the no-price verdict.
set -u
B=${BUILD:-build}/dlprobe
F=tests/fixtures/bench_cpu_fixture.json
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. tests/support/check.sh

# model NAME LAYERS: a model file with that layer list
model() {
	printf '{"name":"%s","input":[3,32,32],"classes":10,"layers":%s}\n' "$1" "$2" > "$T/$1.json"
}

# ---- hostile model files: one line, exit 2 --------------------------------
model pool_k0 '[{"op":"maxpool","k":0}]'
model pool_s0 '[{"op":"maxpool","k":2,"stride":0}]'
model conv_dil '[{"op":"conv","out":8,"k":3,"dilation":4611686018427387904}]'
model conv_pad '[{"op":"conv","out":8,"k":3,"pad":4611686018427387904}]'
model repeat_big '[{"op":"repeat","times":1000000000000,"body":[{"op":"relu"}]}]'
model repeat_nest '[{"op":"repeat","times":10000,"body":[{"op":"repeat","times":10000,"body":[{"op":"relu"}]}]}]'
model adapt0 '[{"op":"adaptive_avgpool","out":0}]'
model lstm0 '[{"op":"flatten"},{"op":"lstm","hidden":8,"layers":0}]'
model dense_big '[{"op":"flatten"},{"op":"dense","out":1000000000}]'
model empty '[]'
for c in "pool_k0:\"k\"" "pool_s0:\"stride\"" "conv_dil:\"dilation\"" "conv_pad:\"pad\"" \
	 "repeat_big:\"times\"" "repeat_nest:more than 100000 layers" "adapt0:\"out\"" \
	 "lstm0:\"layers\"" "dense_big:\"out\"" "empty:is empty"; do
	n=${c%%:*} pat=${c#*:}
	expect "model file $n" 2 "$pat" -- "$B" estimate --model "$T/$n.json" --dataset cifar10 --instance c7i.2xlarge
	one_line "model file $n: one line"
done

# ---- --classes like --batch ---------------------------------------------
expect "--classes above 1e8" 2 "--classes 200000000 is too large" -- \
	"$B" estimate --model resnet18 --dataset cifar10 --classes 200000000 --instance c7i.2xlarge
one_line "--classes above 1e8: one line"
expect "--classes 1e8 accepted" 0 "" -- \
	"$B" estimate --model mlp:8,4,2 --samples 1000 --classes 100000000 --instance c7i.2xlarge -q

# ---- compare: "-" is a bench document on stdin, options on both sides -------
# (named by the document's host, or "stdin" when it has none, as the fixture)
STDIN=$F expect "compare with - (stdin) ends" 0 '"name": "stdin"' -- \
	"$B" compare c7i.2xlarge - --model resnet18 --dataset cifar10 --json -q
expect "compare options before the machines apply" 0 '"epochs": 50' -- \
	"$B" compare --epochs 50 --model resnet18 --dataset cifar10 c7i.2xlarge --json -q
expect "compare options on both sides apply" 0 '"epochs": 7' -- \
	"$B" compare --model resnet18 c7i.2xlarge --epochs 7 g6.xlarge --dataset cifar10 --json -q
if grep -q '"name": "g6.xlarge"' "$T/out" && grep -q '"name": "c7i.2xlarge"' "$T/out"; then
	pass=$((pass + 1)); echo "ok   machines on both sides of options kept"
else
	fail=$((fail + 1)); echo "FAIL machines on both sides of options not both estimated"
fi
expect "compare machines after --" 0 '"name": "g6.xlarge"' -- \
	"$B" compare --model resnet18 --dataset cifar10 --json -q -- c7i.2xlarge g6.xlarge
expect "compare with no machine" 2 "compare needs machines" -- "$B" compare --model resnet18 --dataset cifar10

# ---- ranking: an estimate without a number ranks last -------------------------
sed -e 's/"kernel": "histogram"/"kernel": "histogram_off"/' -e 's/"nominal_mhz": 2750/"nominal_mhz": null/' \
	"$F" > "$T/nohist.json"
expect "compare ranks unknown time last" 0 "" -- "$B" compare --model none --classical gbdt \
	--dataset tabular:100000x8 "$T/nohist.json" c7i.2xlarge --json -q
if [ "$(tr -d ' \n' < "$T/out" | grep -o '"hardware":{"name":"[^"]*"\|"rank":[0-9]*' | head -2 | tr -d '\n')" = \
	'"hardware":{"name":"c7i.2xlarge""rank":1' ]; then
	pass=$((pass + 1)); echo "ok   known time ranked first"
else
	fail=$((fail + 1)); echo "FAIL c7i.2xlarge (known time) not ranked 1 ahead of a null time"
fi

# ---- no price: the verdict names the fastest, cost unknown --------------------
expect "bench file without --price: fastest named" 0 "fastest hardware is .*cost unknown without a price" -- \
	"$B" estimate --hw "$F" --model resnet18 --dataset cifar10 --json
# a price of 0 (hardware already paid for) is a price: cost $0, not unknown
expect "bench file with --price 0: cost \$0" 0 "^  [^ ]+ +[0-9.]+-[0-9.]+ [a-z]+ +\\\$0 " -- \
	"$B" estimate --hw "$F" --model resnet18 --dataset cifar10 --price 0
if grep -q "cost unknown" "$T/out"; then fail=$((fail + 1)); echo "FAIL --price 0 read as no price"; else pass=$((pass + 1)); echo "ok   --price 0 is a price"; fi
expect "a deadline nothing meets" 0 "none meets the 1 s deadline" -- \
	"$B" estimate --hw "$F" --model resnet18 --dataset cifar10 --deadline 1

# ---- implausible bench figures are dropped, and said so -------------------------
sed -e 's/"rate_gflops": 295.0/"rate_gflops": 1e300/' -e 's/"rate_gbps": 20.0/"rate_gbps": 1e300/' \
	-e 's/"effective_cpus": 2/"effective_cpus": 1099511627776/' "$F" > "$T/tampered.json"
expect "GEMM above the peak dropped with a flag" 0 "dropped dlprobe fp32 gemm 2048x" -- \
	"$B" estimate --hw "$T/tampered.json" --model resnet18 --dataset cifar10 --json -q
grep -q "dropped stream_triad" "$T/out" && grep -q "effective_cpus 1099511627776 is out of range" "$T/out" &&
	{ pass=$((pass + 1)); echo "ok   stream and effective_cpus flagged"; } ||
	{ fail=$((fail + 1)); echo "FAIL stream_triad / effective_cpus not flagged"; }

# ---- a figure no measurement gives (negative, zero, a string): refused ----------
sed -e 's/"rate_gflops": 295.0/"rate_gflops": -5/' "$F" > "$T/negative.json"
sed -e 's/"rate_gflops": 295.0/"rate_gflops": "fast"/' "$F" > "$T/string.json"
expect "a negative GEMM rate: a damaged document, exit 2" 2 "rate_gflops -5 is not a measured figure" -- \
	"$B" estimate --hw "$T/negative.json" --model resnet18 --dataset cifar10
expect "a string GEMM rate: a damaged document, exit 2" 2 "rate_gflops is not a number: a damaged document" -- \
	"$B" estimate --hw "$T/string.json" --model resnet18 --dataset cifar10

# ---- issue 10 options: bad input is one line, exit 2 ---------------------------
for c in "--stack:fast:unknown stack" "--attention:sdpa:unknown attention" "--grad-accum:0:--grad-accum" \
	 "--grad-accum:1e9:--grad-accum" "--shard:zero4:--shard" "--nodes:0:--nodes" "--nodes:-3:--nodes" \
	 "--nodes:1000000:--nodes" "--network-gbps:fast:--network-gbps" "--network-gbps:0:--network-gbps" \
	 "--network-gbps:inf:--network-gbps"; do
	o=${c%%:*} rest=${c#*:} v=${rest%%:*} pat=${rest#*:}
	expect "$o $v refused" 2 "$pat" -- "$B" estimate --model resnet50 --dataset imagenet --instance p4de.24xlarge "$o" "$v"
	one_line "$o $v: one line"
done
expect "--nodes without a catalog network: named" 2 "network bandwidth" -- \
	"$B" estimate --model resnet50 --dataset imagenet --instance g5.xlarge --nodes 2
one_line "--nodes without network: one line"

# ---- the stack sets expected inside [low, high]; the range spans the stacks -----
json_num() { python3 -c "import json,sys; d=json.load(open('$T/out'))['estimates'][0]['deep']; print($1)"; }
for st in tuned eager legacy; do
	expect "--stack $st" 0 "" -- "$B" estimate --model resnet50 --dataset imagenet --instance p4de.24xlarge \
		--precision mixed --stack "$st" --json -q --classical none
	cp "$T/out" "$T/$st.json"
done
python3 - "$T" <<'PY' && { pass=$((pass + 1)); echo "ok   tuned < eager < legacy, each inside [low, high] <= 3x"; } ||
import json, sys
t = {s: json.load(open(f"{sys.argv[1]}/{s}.json"))["estimates"][0]["deep"]["train_s"] for s in ("tuned", "eager", "legacy")}
assert t["tuned"]["expected"] < t["eager"]["expected"] < t["legacy"]["expected"], t
for s, r in t.items():
    assert r["low"] <= r["expected"] <= r["high"], (s, r)
    assert r["high"] / r["low"] <= 3.0, (s, r)
PY
	{ fail=$((fail + 1)); echo "FAIL stack ordering or range"; }

# ---- a tiny model on 8 GPUs: the wait for the slowest rank scales with the step ---
# (a fixed per-step constant made a tabular MLP's 8-GPU step ~100x its 1-GPU one)
for d in 1 8; do
	expect "mlp on $d GPU(s)" 0 "" -- "$B" estimate --model mlp:100,512,512,10 --dataset tabular:1000000x100 \
		--instance p4d.24xlarge --devices "$d" --json -q --classical none
	cp "$T/out" "$T/mlp$d.json"
done
python3 - "$T" <<'PY' && { pass=$((pass + 1)); echo "ok   tiny model: 8-GPU step < 1.5x the 1-GPU step, sync wait < 1 ms"; } ||
import json, sys
d = {n: json.load(open(f"{sys.argv[1]}/mlp{n}.json"))["estimates"][0]["deep"] for n in (1, 8)}
assert d[8]["step_s"] < 1.5 * d[1]["step_s"], (d[1]["step_s"], d[8]["step_s"])
assert 0 < d[8]["step_breakdown_low_s"]["sync_wait_s"] < 1e-3, d[8]["step_breakdown_low_s"]
assert d[8]["samples_per_s"] > 4 * d[1]["samples_per_s"]
PY
	{ fail=$((fail + 1)); echo "FAIL tiny model on 8 GPUs: the sync wait dwarfs the step"; }

# ---- --grad-accum: fewer optimizer steps, the same samples ----------------------
expect "grad-accum 1" 0 "" -- "$B" estimate --model gpt2 --samples 100000 --instance p5.48xlarge --precision bf16 --json -q --classical none
a1=$(json_num "d['step_breakdown_low_s']['optimizer_s']")
expect "grad-accum 8" 0 "" -- "$B" estimate --model gpt2 --samples 100000 --instance p5.48xlarge --precision bf16 --grad-accum 8 --json -q --classical none
a8=$(json_num "d['step_breakdown_low_s']['optimizer_s']")
python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); sys.exit(0 if abs(b*8-a) < 1e-9*max(a,1e-30) + 1e-12 else 1)" "$a1" "$a8" &&
	{ pass=$((pass + 1)); echo "ok   --grad-accum 8 charges 1/8 of the optimizer per micro-batch"; } ||
	{ fail=$((fail + 1)); echo "FAIL --grad-accum: optimizer $a1 vs $a8"; }

# ---- memory: a 7B model fits only sharded and checkpointed; ZeRO divides state ---
expect "llama2_7b unsharded does not fit" 0 "does not fit" -- "$B" estimate --model llama2_7b --samples 1000 \
	--instance p5.48xlarge --precision mixed --batch 1 --json -q --classical none
expect "llama2_7b zero3 + checkpoint fits, flagged" 0 "fits only sharded" -- "$B" estimate --model llama2_7b \
	--samples 1000 --instance p5.48xlarge --precision mixed --batch 1 --shard zero3 --checkpoint --json -q --classical none
expect "bf16 on a V100: estimated at fp32, flagged" 0 "no bf16 arithmetic" -- "$B" estimate --model resnet50 \
	--dataset imagenet --instance p3.2xlarge --precision bf16 --json -q --classical none

# ---- --catalog: a user catalog merged over the built-in one ----------------------
"$B" list instances --json > "$T/cat.json"
python3 - "$T" <<'PY'
import json, sys
d = json.load(open(f"{sys.argv[1]}/cat.json"))
for i in d["instances"]:
    if i["name"] == "p4d.24xlarge":
        i.update(price_usd_per_h=9.99, price_date="2026-12", price_source="spot, test")
d["instances"].append(dict(d["instances"][0], name="my-v100-box", price_usd_per_h=1.5))
json.dump(d, open(f"{sys.argv[1]}/cat2.json", "w"))
bad = {"instances": [{"name": "x", "cpu": "no-such-cpu", "vcpus": 4}]}
json.dump(bad, open(f"{sys.argv[1]}/badcpu.json", "w"))
json.dump({"instances": [{"cpu": "epyc-7r13", "vcpus": 4}]}, open(f"{sys.argv[1]}/noname.json", "w"))
json.dump({"instances": [{"name": "y", "cpu": "epyc-7r13", "vcpus": 4, "gpu": "no-such-gpu", "gpus": 1}]},
          open(f"{sys.argv[1]}/badgpu.json", "w"))
json.dump({"instances": [{"name": "z", "cpu": "epyc-7r13", "vcpus": 4, "price_usd_per_h": -1}]},
          open(f"{sys.argv[1]}/badprice.json", "w"))
PY
printf '{"instances": [' > "$T/broken.json"
expect "list instances --json read back as a catalog, a price overridden" 0 '"price_usd_per_h": 9.99' -- \
	"$B" estimate --catalog "$T/cat2.json" --instance p4d.24xlarge --model resnet50 --dataset imagenet --json -q
expect "--catalog adds an instance" 0 "my-v100-box" -- \
	"$B" estimate --catalog "$T/cat2.json" --instance my-v100-box --model resnet50 --dataset imagenet
for c in "broken:--catalog" "badcpu:cpu_models" "noname:needs a \"name\"" "badgpu:gpu_models" "badprice:price_usd_per_h"; do
	n=${c%%:*} pat=${c#*:}
	expect "--catalog $n refused" 2 "$pat" -- "$B" estimate --catalog "$T/$n.json" --instance p4d.24xlarge \
		--model resnet50 --dataset imagenet
	one_line "--catalog $n: one line"
done
expect "--catalog missing file" 2 "--catalog" -- "$B" estimate --catalog "$T/none.json" --model resnet50 --dataset imagenet
one_line "--catalog missing file: one line"

# ---- -v: what a classical estimate is made of ------------------------------
# bench_cpu_classical.json: the CPU fixture plus the classical kernels of one
# quick bench (Zen 5 VM, 2026-12-02, samples dropped)
FC=tests/fixtures/bench_cpu_classical.json
expect "-v: a measured GBDT lists its terms" 0 "terms +bin_sketch [0-9]" -- \
	"$B" estimate -v --hw "$FC" --model none --dataset tabular:500000x30 --classical gbdt:trees=50,depth=8
if grep -Eq 'node_splits [0-9.]+ (ms|s)' "$T/out"; then ok "-v: node_splits among them, with its seconds"
else ko "-v: node_splits among them, with its seconds"; fi
expect "-v: a GBDT of full trees" 0 "terms +bin_sketch [0-9]" -- \
	"$B" estimate -v --hw "$FC" --model none --dataset tabular:500000x30 --classical gbdt:trees=50,depth=6
if grep -q '^    assumed ' "$T/out"; then ko "-v: a GBDT of full trees names no assumption"
else ok "-v: a GBDT of full trees names no assumption"; fi
expect "-v: a deep GBDT on few rows names the node size it stops at" 0 "assumed +gbdt_min_split_rows" -- \
	"$B" estimate -v --hw "$FC" --model none --dataset tabular:20000x10 --classical gbdt:trees=50,depth=10
expect "-v: a measured forest names its assumed split balance" 0 \
	"assumed +cart_split_entropy_bits \\(value and basis: data/instances.json\\)" -- \
	"$B" estimate -v --hw "$FC" --model none --dataset tabular:500000x30 --classical forest:trees=4,depth=12
expect "-v: logreg's fresh pages are a term" 0 "terms +x_passes .*fresh_arrays" -- \
	"$B" estimate -v --hw "$FC" --model none --dataset tabular:500000x30 --classical logreg:iterations=19
expect "-v: without the kernels the fallback's assumptions are named" 0 "assumed +loss_eval_cost_histogram_updates" -- \
	"$B" estimate -v --hw "$F" --model none --dataset tabular:500000x30 --classical gbdt
if grep -q '^    terms ' "$T/out"; then ko "-v: the fallback has no measured terms"; else ok "-v: the fallback has no measured terms"; fi

echo "cli_estimate: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
