#!/usr/bin/python3
"""ResNet-18 on CIFAR-10 shapes (batch 128, Adam: the estimate's defaults)
and an MLP 30-1024-1024-2 (batch 256, Adam), one training step of each
measured through torch in fp32 and in mixed precision (torch's CPU autocast
in bf16), against `dlprobe estimate --measure` for each from a bench
document of this machine. Not a `make validate` case
(those are fp32); it checks that a mixed-precision estimate on a CPU with
bf16 arithmetic follows what torch's bf16 kernels do, not the bf16 GEMM
rate alone.

usage: mixed_step.py DLPROBE OUT_PREFIX

The model is torchvision's resnet18 layout (7x7 stride-2 stem, max pool,
four stages of two basic blocks, 10 classes: 11,181,642 parameters, as
dlprobe's builder counts), written out here since torchvision may be
absent. Each precision: 3 warm-up steps, then 8 timed (the MLP: 30), in
two alternating rounds; the figure is the median step of the faster round. Threads: torch's
default, as the estimate's framework probe sees it. Say the load with any
figure."""
import json, os, subprocess, sys

BIN, OUT = sys.argv[1], sys.argv[2]
# (model spec, dataset, batch): the estimate's default batch for ResNet-18
CASES = (("resnet18", "cifar10", 128), ("mlp:30,1024,1024,2", "tabular:100000x30", 256))
CODE = r'''
import json, sys, time, torch
import torch.nn as nn
F = nn.functional
class Block(nn.Module):
    def __init__(s, i, o, st):
        super().__init__()
        s.c1 = nn.Conv2d(i, o, 3, st, 1, bias=False); s.b1 = nn.BatchNorm2d(o)
        s.c2 = nn.Conv2d(o, o, 3, 1, 1, bias=False); s.b2 = nn.BatchNorm2d(o)
        s.sc = None
        if st != 1 or i != o:
            s.sc = nn.Sequential(nn.Conv2d(i, o, 1, st, bias=False), nn.BatchNorm2d(o))
    def forward(s, x):
        y = F.relu(s.b1(s.c1(x)))
        y = s.b2(s.c2(y))
        return F.relu(y + (x if s.sc is None else s.sc(x)))
class ResNet18(nn.Module):
    def __init__(s):
        super().__init__()
        s.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                               nn.MaxPool2d(3, 2, 1))
        layers, i = [], 64
        for o, st in ((64, 1), (128, 2), (256, 2), (512, 2)):
            layers += [Block(i, o, st), Block(o, o, 1)]
            i = o
        s.layers = nn.Sequential(*layers)
        s.fc = nn.Linear(512, 10)
    def forward(s, x):
        return s.fc(torch.flatten(F.adaptive_avg_pool2d(s.layers(s.stem(x)), 1), 1))
torch.manual_seed(0)
B = int(sys.argv[2])
if sys.argv[1] == "resnet18":
    m = ResNet18()
    x, y = torch.randn(B, 3, 32, 32), torch.randint(0, 10, (B,))
else:
    w = [int(v) for v in sys.argv[1].split(":")[1].split(",")]
    layers = []
    for a, b in zip(w, w[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    m = nn.Sequential(*layers[:-1])
    x, y = torch.randn(B, w[0]), torch.randint(0, w[-1], (B,))
opt = torch.optim.Adam(m.parameters(), lr=1e-3)
def step(bf16):
    opt.zero_grad()
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        loss = F.cross_entropy(m(x), y)
    loss.backward()
    opt.step()
out = {"params": sum(p.numel() for p in m.parameters()), "threads": torch.get_num_threads(),
       "torch": torch.__version__}
for rnd in range(2):
    for name, bf16 in (("fp32", False), ("mixed", True)):
        for _ in range(3):
            step(bf16)
        ts = []
        for _ in range(8 if sys.argv[1] == "resnet18" else 30):
            t0 = time.perf_counter()
            step(bf16)
            ts.append(time.perf_counter() - t0)
        med = sorted(ts)[len(ts) // 2]
        out[name] = min(out.get(name, med), med)
print(json.dumps(out))
'''


def predicted(doc, model, dataset, batch, precision):
    o = json.loads(subprocess.run([BIN, "estimate", "--hw", doc, "--measure", "--model", model, "--dataset",
                                   dataset, "--batch", str(batch), "--precision", precision, "--classical", "none",
                                   "--json"], check=True, capture_output=True, text=True).stdout)
    d = o["estimates"][0]["deep"]
    steps = d["settings"]["steps"]
    return {k: v / steps for k, v in d["train_s"].items()}, d["settings"]["gemm_dtype"]


doc = OUT + ".bench.json"
subprocess.run([BIN, "bench", "--quick", "--backend", "cpu", "--framework", "-q", "-o", doc], check=True,
               stdout=subprocess.DEVNULL)
print("cpus %d, load %.1f" % (len(os.sched_getaffinity(0)), os.getloadavg()[0]), flush=True)
for model, dataset, batch in CASES:
    real = json.loads(subprocess.run(["/usr/bin/python3", "-c", CODE, model, str(batch)], check=True,
                                     capture_output=True, text=True).stdout)
    print("%s, batch %d: torch %s, %d thread(s), %d parameters" % (model, batch, real["torch"], real["threads"],
                                                                   real["params"]))
    for prec in ("fp32", "mixed"):
        p, dt = predicted(doc, model, dataset, batch, prec)
        inside = p["low"] <= real[prec] <= p["high"]
        print("  %-5s step: measured %.4g s; predicted %.4g s (%.4g .. %.4g, GEMMs in %s): %.2fx, %s; load %.1f" % (
            prec, real[prec], p["expected"], p["low"], p["high"], dt, p["expected"] / real[prec],
            "in range" if inside else "OUT of range", os.getloadavg()[0]), flush=True)
