#!/usr/bin/python3
"""tests/torchvision/make_fixture.py: a torchvision ResNet with seeded random weights, as
resnetc's parity tests need it.

    make_fixture.py ARCH OUT_DIR --size S --classes K --batch N --seed SEED

Builds torchvision.models.ARCH(num_classes=K) under torch.manual_seed(SEED) (torchvision's own
initialization), then perturbs every BatchNorm (weight, bias, running mean and variance, and
a non-zero num_batches_tracked) so that eval-mode BN is not the identity. Writes to OUT_DIR:
  model.pth              the state dict (torch.save)
  weights.safetensors    converted by tools/torch2safetensors.py (run as a separate process)
  x.npy                  float32 N x 3 x S x S, seeded normal input
  expect.npy             float32 N x K: the model's eval-mode logits for x
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import torch
import torchvision

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("arch")
    p.add_argument("out")
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(min(4, os.cpu_count() or 1))
    torch.manual_seed(a.seed)
    model = getattr(torchvision.models, a.arch)(num_classes=a.classes)
    g = torch.Generator().manual_seed(a.seed + 1000)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                c = m.num_features
                m.weight.copy_(0.5 + torch.rand(c, generator=g))
                m.bias.copy_(0.2 * torch.randn(c, generator=g))
                m.running_mean.copy_(0.1 * torch.randn(c, generator=g))
                m.running_var.copy_(0.5 + torch.rand(c, generator=g))
                m.num_batches_tracked.fill_(7)
    os.makedirs(a.out, exist_ok=True)
    pth = os.path.join(a.out, "model.pth")
    torch.save(model.state_dict(), pth)
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "torch2safetensors.py"), pth,
                    os.path.join(a.out, "weights.safetensors")], check=True)
    x = torch.randn(a.batch, 3, a.size, a.size, generator=g)
    model.eval()
    with torch.no_grad():
        y = model(x)
    np.save(os.path.join(a.out, "x.npy"), x.numpy().astype("<f4"))
    np.save(os.path.join(a.out, "expect.npy"), y.numpy().astype("<f4"))


if __name__ == "__main__":
    main()
