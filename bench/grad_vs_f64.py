#!/usr/bin/python3
"""bench/grad_vs_f64.py: how well conditioned a model's float32 gradients are, the yardstick
for `bench --tolerance` (docs/benchmarks.md).

    /usr/bin/python3 bench/grad_vs_f64.py MODEL WEIGHTS.safetensors GRADS.safetensors X.npy Y.npy

WEIGHTS from `<model> init`, GRADS from `<model> grad --weights WEIGHTS --input X.npy
--labels Y.npy --output GRADS` (training-mode forward, mean cross-entropy, backward).
Recomputes the same gradients with PyTorch in float64 (the truth) and in float32, and
prints, per parameter tensor and as a maximum, the relative L2 error of resnetc's float32
gradients and of PyTorch's float32 gradients against float64. When PyTorch's own float32
error is above a tolerance, no float32 implementation can be held to it.

MODEL: resnet18, resnet50 (torchvision) or resnet20, resnet56, resnet110 (torch_bench.py's
CIFAR ResNets). Needs PyTorch and tests/parity/safetensors_io.py (the project's reader).
"""
import os
import sys

import numpy as np
import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, "..", "tests", "parity"))
import safetensors_io  # noqa: E402
import torch_bench  # noqa: E402


def load(path):
    r = safetensors_io.load(path)
    return r[0] if isinstance(r, tuple) else r


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__.split("\n\n")[1])
    name, wpath, gpath, xpath, ypath = sys.argv[1:]
    w, g = load(wpath), load(gpath)
    x = torch.from_numpy(np.load(xpath))
    y = torch.from_numpy(np.load(ypath)).long()
    grads = {}
    for dt in (torch.float64, torch.float32):
        m, _, _ = torch_bench.make_model(name)
        m.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in w.items()},
                          strict=False)
        m = m.to(dt).train()
        loss = torch.nn.functional.cross_entropy(m(x.to(dt)), y)
        loss.backward()
        grads[dt] = {n: p.grad.double() for n, p in m.named_parameters()}

    def rel(a, b):
        d = float(b.norm())
        return float((a - b).norm()) / (d if d > 0 else 1.0)

    worst = {"resnetc": (0.0, ""), "pytorch_f32": (0.0, "")}
    print("%-36s %14s %14s" % ("tensor", "resnetc f32", "PyTorch f32"))
    for n, t in grads[torch.float64].items():
        ours = rel(torch.from_numpy(np.array(g[n])).double(), t)
        theirs = rel(grads[torch.float32][n], t)
        print("%-36s %14.2e %14.2e" % (n, ours, theirs))
        for k, v in (("resnetc", ours), ("pytorch_f32", theirs)):
            if v > worst[k][0]:
                worst[k] = (v, n)
    print("max relative L2 vs float64: resnetc %.2e (%s), PyTorch float32 %.2e (%s)"
          % (worst["resnetc"] + worst["pytorch_f32"]))


if __name__ == "__main__":
    main()
