#!/bin/sh
# Every kind of measured bench document, end to end through `dlprobe
# estimate`: the H100 and H200 documents measured on lent machines
# (docs/device-runs), a CPU-only document, an OpenCL-only document (PoCL) and
# --quick / --full documents of the CI machine. Each must estimate from its
# own measured rates, and the GPU documents' ResNet-50 mixed-precision
# throughput must bracket the published single-GPU figure (docs/validation.md,
# "GPU documents"). A document whose GPU results were ignored gave 4 img/s.
set -u
B=${BUILD:-build}/dlprobe
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0

# check NAME DOC PYTHON-ASSERTIONS ESTIMATE-ARGS...: estimate DOC, then run
# the assertions with e = the estimate entry, d = its deep part
check() {
	name=$1 doc=$2 asserts=$3
	shift 3
	if ! timeout 60 "$B" estimate --hw "$doc" "$@" --json >"$T/out" 2>"$T/err"; then
		fail=$((fail + 1)); echo "FAIL $name: exit $? ($(head -c 300 "$T/err"))"; return
	fi
	if python3 - "$T/out" "$asserts" >"$T/why" 2>&1 <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
e = doc["estimates"][0]
d = e["deep"] or {}
hw = e["hardware"]
fast = slow = exp = None
if d:
    steps = d["settings"]["steps"] * d["settings"]["batch_per_device"]
    # throughput at the ends of the range: the slow end is the high time
    fast, slow = steps / d["train_s"]["low"], steps / d["train_s"]["high"]
    exp = d["samples_per_s"]
for line in sys.argv[2].split(";"):
    line = line.strip()
    if line and not eval(line):
        sys.exit("assertion %s failed: exp %s img/s (%s .. %s), hw %s" % (line, exp, slow, fast,
                 json.dumps({k: hw[k] for k in ("gpu", "mem_bw_gbps", "peak_gflops_per_device")})))
PY
	then
		pass=$((pass + 1)); echo "ok   $name"
	else
		fail=$((fail + 1)); echo "FAIL $name: $(cat "$T/why")"
	fi
}

# Published: ResNet-50 fp16 training on one H100 SXM, 2,616 img/s (Lambda
# deeplearning-benchmark, docs/validation.md). The H200 has the H100's tensor
# cores and 1.43x its memory bandwidth (4.8 vs 3.35 TB/s, NVIDIA datasheets):
# its band is 1x to 1.43x the H100 figure. The estimate's range must overlap
# the band and its expected figure be within 2x of it.
PUB_H100=2616
R50="--model resnet50 --dataset imagenet --batch 256"
for g in h100:1.0 h200:1.43; do
	hi=${g#*:} g=${g%%:*}
	doc=docs/device-runs/$g-2026-11-27.json
	check "$g: reads its GPU (peak, bandwidth, GEMMs)" "$doc" \
		"hw['gpu']; hw['mem_bw_gbps'] > 1000; hw['peak_gflops_per_device']['fp16'] > 1e5; d['rates'].startswith('as configured')" \
		$R50 --precision mixed
	check "$g: ResNet-50 mixed, published band $PUB_H100 x [1, $hi] img/s inside the range" "$doc" \
		"slow <= $PUB_H100 * $hi and fast >= $PUB_H100; $PUB_H100 / 2 <= exp <= $PUB_H100 * $hi * 2" \
		$R50 --precision mixed
	check "$g: ResNet-50 at the default batch is not the 4 img/s of ignored GPU results" "$doc" \
		"exp > $PUB_H100 / 2" --model resnet50 --dataset imagenet --precision mixed
done
# mixed precision runs on the tensor cores: well above fp32 (they were equal)
for p in fp32 mixed; do
	"$B" estimate --hw docs/device-runs/h100-2026-11-27.json $R50 --precision $p --json >"$T/$p.json" 2>/dev/null
done
if python3 -c "
import json, sys
r = {p: json.load(open('$T/%s.json' % p))['estimates'][0]['deep']['samples_per_s'] for p in ('fp32', 'mixed')}
sys.exit(0 if r['mixed'] > 1.5 * r['fp32'] else 1)"; then
	pass=$((pass + 1)); echo "ok   h100: mixed precision > 1.5x fp32"
else
	fail=$((fail + 1)); echo "FAIL h100: mixed precision not faster than fp32"
fi

# CPU-only, OpenCL-only, --quick and --full documents: measured rates, no GPU
CPU_OK="not hw['gpu']; hw['peak_gflops_per_device']['fp32'] > 0; 'measured' in d['rates']; exp > 0"
check "cpu-only fixture" tests/fixtures/bench_cpu_fixture.json "$CPU_OK" --model resnet18 --dataset cifar10
check "opencl-only (PoCL) document" tests/fixtures/bench_opencl_pocl.json \
	"$CPU_OK; any('OpenCL device' in f for f in hw['flags'])" --model resnet18 --dataset cifar10
for m in quick full; do
	f=tests/fixtures/bench_ci_$m.json
	[ -f "$f" ] || { fail=$((fail + 1)); echo "FAIL $m document: $f missing"; continue; }
	check "--$m document" "$f" "$CPU_OK" --model resnet18 --dataset cifar10
	check "--$m document, classical" "$f" "e['classical']['train_s']['expected'] > 0" \
		--model none --classical gbdt --dataset tabular:100000x30
done

# A document the bench marked unstable (re-measured, still disturbed): the
# estimate says so and its range is wider than the stack spread alone (2.3x)
check "unstable --quick document: flagged, range widened" tests/fixtures/bench_ci_quick_unstable.json \
	"any('disturbed the bench' in f for f in hw['flags']); fast / slow > 2.3 * 1.2" --model resnet18 --dataset cifar10

# One document with a CPU and accelerators (what the plain run now writes on a
# GPU machine): the deep model on the fastest device with a verified GEMM, the
# classical model on the CPU; a device whose GEMMs all failed (the fake
# libcuda's kernels compute nothing) is named and not used.
python3 - "$T" <<'PY'
import json, sys
cpu = json.load(open("tests/fixtures/bench_cpu_fixture.json"))
gpu = json.load(open("docs/device-runs/h100-2026-11-27.json"))
bad = json.loads(json.dumps(gpu["bench"]["backends"][0]))
bad["devices"][0]["name"] = "No GEMM GPU"
for r in bad["devices"][0]["results"]:
    if r["kernel"] == "gemm":
        r.update(status="error", reason="verification failed", verified=False)
        r.pop("rate_gflops", None)
cpu["bench"]["backends"] += [bad, gpu["bench"]["backends"][0]]
json.dump(cpu, open(sys.argv[1] + "/cpu_gpu.json", "w"))
cpu["bench"]["backends"].pop()
json.dump(cpu, open(sys.argv[1] + "/cpu_badgpu.json", "w"))
PY
check "cpu + two CUDA devices: deep on the H100, classical on the CPU" "$T/cpu_gpu.json" \
	"hw['gpu']; exp > 1000; e['classical']['train_s']['expected'] > 0; any('No GEMM GPU' in f and 'not used' in f for f in hw['flags'])" \
	--model resnet50 --dataset tabular:100000x30 --input 3x224x224 --classical gbdt --precision mixed
check "cpu + a CUDA device without a verified GEMM: deep on the CPU" "$T/cpu_badgpu.json" \
	"not hw['gpu']; any('estimated on the CPU' in f for f in hw['flags'])" --model resnet18 --dataset cifar10

# --measure: the workload's own shapes timed here, recorded in the estimate
# and used; without a bench document of this machine it is a usage error.
# The document must be this machine's: the CI fixture's figures under this
# machine's own probe (a real quick bench would cost the suite its BLAS runs)
"$B" -q probe --json > "$T/here_probe.json"
python3 - tests/fixtures/bench_ci_quick.json "$T/here_probe.json" "$T/here.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["probe"] = json.load(open(sys.argv[2]))["probe"]
json.dump(d, open(sys.argv[3], "w"))
PY
check "--measure: shapes timed and recorded" "$T/here.json" \
	"e['measured_shapes']['elapsed_s'] < 10; any(g['status'] == 'ok' and any(r['verified'] and r['rate_gflops'] > 0 for r in g['results']) for g in e['measured_shapes']['gemm']); {'forward', 'backward_data', 'backward_weight'} <= {r for g in e['measured_shapes']['gemm'] for r in g['roles']}; any('measured on this machine' in f for f in hw['flags'])" \
	--model mlp:30,256,256,2 --dataset tabular:100000x30 --measure
# The workload's convolutions run through torch (oneDNN), not a GEMM, and
# its activations through torch's own kernels: with a bench document that
# measured torch, --measure times each distinct convolution and activation
# size in a child python (DLPROBE_PYTHON: here a fake answering 1 ms per
# sample for each convolution, 0.1 us per activation element) and charges
# the layers that time; without one, or when the child fails, they are not
# timed and say why
python3 - "$T/here.json" tests/fixtures/bench_cpu_framework.json "$T/here_fw.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["bench"]["framework"] = json.load(open(sys.argv[2]))["bench"]["framework"]
json.dump(d, open(sys.argv[3], "w"))
PY
for v in True False; do
	cat > "$T/conv_$v" <<EOF
#!/bin/sh
cat >/dev/null
exec python3 -c '
import json, os
r = json.load(open(os.environ["DLPROBE_FW_CONV_FILE"]))
print(json.dumps({"torch": {"status": "ok", "version": "fake", "threads": 1}, "conv": [dict(c, status="ok",
      verified=$v, max_rel_err=1e-7, timed_batch=r["batch"], threads=1, fwd_bwd_s=1e-3, fwd_bwd_median_s=1.25e-3,
      reps=3, windows=1) for c in r["conv"]], "activation": [dict(a, status="ok", verified=$v, threads=1,
      timed_elements=a["elements"], fwd_bwd_s_per_elem=1e-7, fwd_bwd_median_s_per_elem=1.2e-7, reps=3)
      for a in r["activation"]]}))'
EOF
	chmod +x "$T/conv_$v"
done
# a child that answers the right number of convolutions, in another order:
# each answer must repeat its entry's geometry, or it is not taken
cat > "$T/conv_rotated" <<'EOF'
#!/bin/sh
cat >/dev/null
exec python3 -c '
import json, os
r = json.load(open(os.environ["DLPROBE_FW_CONV_FILE"]))
c = [dict(x, status="ok", verified=True, max_rel_err=1e-7, timed_batch=r["batch"], threads=1, fwd_bwd_s=1e-3,
          fwd_bwd_median_s=1e-3, reps=3, windows=1) for x in r["conv"]]
print(json.dumps({"torch": {"status": "ok", "version": "fake", "threads": 1}, "conv": c[1:] + c[:1], "activation": []}))'
EOF
chmod +x "$T/conv_rotated"
printf '#!/bin/sh\nkill -SEGV $$\n' > "$T/conv_crash"
chmod +x "$T/conv_crash"
CNN="--model scripts/validate/cnn3.json --samples 640 --batch 64 --epochs 1 --classical none --measure"
CONV_S="sum(l['fwd_bwd_s'] for l in d['dominant_layers'] if l['op'] == 'conv')"
# its three ReLUs: 16x32x32 + 32x32x32 + 64x16x16 elements a sample, 0.1 us each
ACT_S="sum(l['fwd_bwd_s'] for l in d['dominant_layers'] if l['op'] == 'activation')"
DLPROBE_PYTHON="$T/conv_True" check "--measure: the convolutions timed through torch, 1 ms a sample each" \
	"$T/here_fw.json" "len(e['measured_shapes']['conv']) == 3; all(c['status'] == 'ok' for c in e['measured_shapes']['conv']); e['measured_shapes']['conv_probe']['status'] == 'ok'; abs($CONV_S - 3 * 64e-3) < 1e-9; any('3 of the workload' in f and 'timed through the framework' in f for f in hw['flags']); abs($ACT_S - 64 * 65536 * 1e-7) < 1e-9; any('activation timed through it at 2' in f for f in hw['flags'])" $CNN
DLPROBE_PYTHON="$T/conv_False" check "--measure: a convolution that failed its check is not used" \
	"$T/here_fw.json" "abs($CONV_S - 3 * 64e-3) > 1e-3; any('0 of the workload' in f and ': none' in f for f in hw['flags']); $ACT_S < 0.1; not any('activation timed' in f for f in hw['flags'])" $CNN
DLPROBE_PYTHON="$T/conv_rotated" check "--measure: answers for other convolutions are not taken" \
	"$T/here_fw.json" "all(c['status'] == 'error' and 'does not match' in c['reason'] for c in e['measured_shapes']['conv']); abs($CONV_S - 3 * 64e-3) > 1e-3; all(x['framework']['status'] == 'error' for x in e['measured_shapes']['elementwise'] if x['op'] == 'activation')" $CNN
DLPROBE_PYTHON="$T/conv_crash" check "--measure: a child that crashes leaves the convolutions untimed, the estimate stands" \
	"$T/here_fw.json" "all(c['status'] == 'error' and 'crashed' in c['reason'] for c in e['measured_shapes']['conv']); d['train_s']['expected'] > 0" $CNN
check "--measure: no framework measured, the convolutions not timed" "$T/here.json" \
	"all(c['status'] == 'skipped' and c['reason'].startswith('not timed: the bench document measured no framework') for c in e['measured_shapes']['conv']); 'conv_probe' not in e['measured_shapes']" $CNN
# another machine's bench document: its figures and this machine's timings
# would make a profile of neither, so refused before anything is measured
if timeout 60 "$B" estimate --hw tests/fixtures/bench_cpu_fixture.json --model mlp:30,8,2 --samples 10 --measure >"$T/out" 2>"$T/err"; then
	fail=$((fail + 1)); echo "FAIL --measure with another machine's bench document: exit 0"
elif [ $? -eq 2 ] && [ "$(wc -l < "$T/err")" -eq 1 ] && grep -q "^dlprobe: tests/fixtures/bench_cpu_fixture.json: --measure needs a bench document of this machine: its vendor is \"fixture\"" "$T/err"; then
	pass=$((pass + 1)); echo "ok   --measure with another machine's bench document: one line, exit 2"
else
	fail=$((fail + 1)); echo "FAIL --measure with another machine's bench document: $(cat "$T/err")"
fi
if timeout 60 "$B" estimate --model mlp:30,8,2 --samples 10 --instance c7i.2xlarge --measure >"$T/out" 2>"$T/err"; then
	fail=$((fail + 1)); echo "FAIL --measure without --hw: exit 0"
elif [ $? -eq 2 ] && [ "$(wc -l < "$T/err")" -eq 1 ] && grep -q "^dlprobe: --measure needs --hw" "$T/err"; then
	pass=$((pass + 1)); echo "ok   --measure without --hw: one line, exit 2"
else
	fail=$((fail + 1)); echo "FAIL --measure without --hw: $(cat "$T/err")"
fi

echo "estimate_docs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
