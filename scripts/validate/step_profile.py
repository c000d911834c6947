# Where a validation CNN's training step spends its time, by torch operator
# (torch.profiler): the share of the step that is not convolution, e.g. ReLU's
# gradient (aten::threshold_backward) under torch's non-AVX kernels
# (docs/validation.md, eighth session). Run by /usr/bin/python3 (Debian's
# torch), under a configuration's environment, e.g.
#   ATEN_CPU_CAPABILITY=default ONEDNN_MAX_CPU_ISA=SSE41 /usr/bin/python3 scripts/validate/step_profile.py
# Prints each operator's share of the profiled steps' CPU time.
import json
import os
import sys

import torch
from torch.profiler import ProfilerActivity, profile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import cnn_layers  # noqa: E402  the same network make validate trains

MODEL = sys.argv[1] if len(sys.argv) > 1 else "cnn3.json"
BATCH, STEPS, WARM = 64, 10, 4

spec = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), MODEL)))
torch.manual_seed(0)
m = torch.nn.Sequential(*cnn_layers(spec))
opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
X = torch.randn(BATCH, *spec["input"])
y = torch.randint(0, spec["classes"], (BATCH,))


def step():
    opt.zero_grad()
    torch.nn.functional.cross_entropy(m(X), y).backward()
    opt.step()


for _ in range(WARM):
    step()
with profile(activities=[ProfilerActivity.CPU]) as p:
    for _ in range(STEPS):
        step()
ops = sorted(p.key_averages(), key=lambda e: -e.self_cpu_time_total)
total = sum(e.self_cpu_time_total for e in ops)
print("%s, batch %d, %d steps: %.1f ms a step (profiled)" % (spec["name"], BATCH, STEPS, total / STEPS / 1e3))
for e in ops[:8]:
    print("%-45s %5.1f%%  %8.2f ms a step" % (e.key, 100 * e.self_cpu_time_total / total,
                                              e.self_cpu_time_total / STEPS / 1e3))
