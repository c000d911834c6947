#!/bin/sh
# Golden outputs: the JSON and text of estimate, compare, list, the bench table
# and the default run's scenario for fixed inputs (fixture bench documents and
# catalog instances), compared with tests/golden/. A refactoring must leave
# them byte for byte the same; a deliberate change of the model or of a
# rendering regenerates them with GOLDEN_UPDATE=1 and the diff is reviewed.
# Only what legitimately varies is normalised (tests/golden_norm.py: time
# written, version, backends built).
set -u
B=${BUILD:-build}/dlprobe
R=${BUILD:-build}/tests/golden_render
G=tests/golden
F=tests/fixtures/bench_cpu_fixture.json
M=tests/fixtures/bench_cpu_minimal.json
PY=/usr/bin/python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0

# case NAME KIND -- CMD...: KIND json (normalised) or txt (as printed)
case_() {
	name=$1 kind=$2
	shift 3
	if ! NO_COLOR=1 timeout 120 "$@" >"$T/raw" 2>"$T/err" </dev/null; then
		fail=$((fail + 1)); echo "FAIL $name: exit $? ($(head -c 200 "$T/err"))"; return
	fi
	if [ "$kind" = json ]; then
		$PY tests/golden_norm.py <"$T/raw" >"$T/out" || { fail=$((fail + 1)); echo "FAIL $name: not JSON"; return; }
	else
		cp "$T/raw" "$T/out"
	fi
	if [ "${GOLDEN_UPDATE:-0}" = 1 ]; then
		cp "$T/out" "$G/$name.$kind"
	fi
	if cmp -s "$T/out" "$G/$name.$kind"; then
		pass=$((pass + 1)); echo "ok   $name"
	else
		fail=$((fail + 1)); echo "FAIL $name: differs from $G/$name.$kind:"
		diff "$G/$name.$kind" "$T/out" | head -20
	fi
}

for f in "$F" "$M"; do
	n=$(basename "$f" .json)
	case_ "bench_$n" txt -- "$R" bench "$f"
	case_ "bench_${n}_v" txt -- "$R" bench "$f" -v
	case_ "default_$n" json -- "$R" scenario-json "$f"
	case_ "default_$n" txt -- "$R" scenario "$f"
done
case_ default_bench_cpu_fixture_v txt -- "$R" scenario "$F" -v

E="$B -q estimate"
case_ est_resnet18_fixture json -- $E --hw "$F" --model resnet18 --dataset cifar10 --epochs 30 --json
case_ est_resnet18_fixture txt -- $E --hw "$F" --model resnet18 --dataset cifar10 --epochs 30 -v
case_ est_tabular_default json -- $E --model mlp:30,256,256,2 --dataset tabular:1000000x30 --epochs 20 \
	--retrain-every 1d --deadline 2h --json
case_ est_tabular_default txt -- $E --model mlp:30,256,256,2 --dataset tabular:1000000x30 --epochs 20 \
	--retrain-every 1d --deadline 2h
case_ est_gpt2_p4d json -- $E --instance p4d.24xlarge --model gpt2 --dataset text:2.5e9 --precision mixed --json
case_ est_gpt2_p4d txt -- $E --instance p4d.24xlarge --model gpt2 --dataset text:2.5e9 --precision mixed -v
case_ est_bert_bf16 json -- $E --instance g6.xlarge --instance c7i.2xlarge --model bert_base --dataset text:1e8 \
	--precision bf16 --optimizer momentum --batch 16 --json
case_ est_lstm_sgd json -- $E --hw "$M" --model lstm_lm --dataset text:1e7 --optimizer sgd --price 0.5 --json
case_ est_forest_only json -- $E --instance c7i.2xlarge --model none --classical forest:trees=50,depth=8 \
	--dataset tabular:100000x20 --json
case_ est_logreg json -- $E --hw "$F" --model mlp:20,64,2 --classical logreg:iterations=200 \
	--dataset tabular:50000x20 --devices 1 --json
case_ est_svm_vit json -- $E --instance p4d.24xlarge --model vit_b16 --dataset imagenet --classical svm \
	--samples 100000 --input 3x224x224 --classes 100 --precision tf32 --devices 4 --json
case_ cmp_mixed json -- $B -q compare "$F" "$M" c7i.2xlarge g6.xlarge p4d.24xlarge --model resnet50 \
	--dataset imagenet --deadline 1w --json
case_ cmp_mixed txt -- $B -q compare "$F" "$M" c7i.2xlarge g6.xlarge p4d.24xlarge --model resnet50 \
	--dataset imagenet --deadline 1w -v
case_ cmp_tabular json -- $B -q compare c7i.2xlarge g6.xlarge --model mlp:30,256,256,2 \
	--dataset tabular:1000000x30 --price g6.xlarge=1.25 --retrain-every 12h --json
for w in models datasets instances; do
	case_ "list_$w" json -- $B -q list "$w" --json
	case_ "list_$w" txt -- $B -q list "$w"
done

echo "golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
