# torch's conv2d forward + backward at a few shapes, one after the other on
# torch's own threads: how far one reference convolution's rate stands for a
# CNN's layers (docs/validation.md, seventh session). Run by /usr/bin/python3
# (Debian's torch), under a configuration's environment, e.g.
#   ATEN_CPU_CAPABILITY=default ONEDNN_MAX_CPU_ISA=SSE41 /usr/bin/python3 scripts/validate/conv_rates.py
# Prints GFLOP/s (the fastest of 15 calls after 3 warm-ups) and milliseconds.
import time

import torch

F = torch.nn.functional
REPS, WARM = 15, 3
# (label, batch, in channels, out channels, height = width, input gradient)
SHAPES = (
    ("the probe's reference, 16 x 24->48 at 24x24", 16, 24, 48, 24, True),
    ("16 x 48->96 at 12x12", 16, 48, 96, 12, True),
    ("CNN second, 64 x 16->32 at 16x16", 64, 16, 32, 16, True),
    ("CNN third, 64 x 32->64 at 8x8", 64, 32, 64, 8, True),
    ("CNN first, 64 x 3->16 at 32x32", 64, 3, 16, 32, False),
    ("another first, 16 x 3->32 at 40x40", 16, 3, 32, 40, False),
)


def rate(b, cin, cout, h, xgrad, k=3):
    x = torch.randn(b, cin, h, h, requires_grad=xgrad)
    w = torch.randn(cout, cin, k, k, requires_grad=True)
    bias = torch.randn(cout, requires_grad=True)
    g = torch.randn(b, cout, h, h)

    def fwd_bwd():
        x.grad = w.grad = bias.grad = None
        F.conv2d(x, w, bias, padding=1).backward(g)
    for _ in range(WARM):
        fwd_bwd()
    best = float("inf")
    for _ in range(REPS):
        t = time.perf_counter()
        fwd_bwd()
        best = min(best, time.perf_counter() - t)
    # forward, weight gradient and (when asked) input gradient: each the forward's work
    flops = (3 if xgrad else 2) * 2 * b * cout * h * h * cin * k * k
    return flops / best * 1e-9, best


print("torch %s, %d thread(s)" % (torch.__version__, torch.get_num_threads()))
for label, *shape in SHAPES:
    g, s = rate(*shape)
    print("%-40s %7.1f GFLOP/s %7.2f ms" % (label, g, s * 1e3))
