#!/usr/bin/python3
"""analyze_expected.py PARITY_DIR OUTDIR [--cases NAME ...]: the expected `analyze` table
of parity fixture cases, computed by PyTorch (a CTest fixture; never at run time).

For each case, the network of tests/parity/make_fixtures.py with the case's
weights.safetensors runs in eval mode over its x.npy; a forward hook on the batch norm after
every 3x3 convolution takes the response (BN output, before addition and ReLU). Written to
OUTDIR/<case>/expected.csv in `analyze --output`'s columns, in forward order: index, layer,
conv, channels, height, width, residual (1: the BN feeds the block's addition), mean, std
(all values), channel_std (mean over channels of each channel's std), all in float64.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "parity"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import make_fixtures as mf  # noqa: E402  (the cases: builders, shapes)
import safetensors_io as st  # noqa: E402


def expected_rows(case, case_dir):
    builder, in_shape, classes, _, _ = mf.CASES[case]
    model = builder(classes, in_shape[0]).float()
    weights = st.load(os.path.join(case_dir, "weights.safetensors"))[0]
    model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in weights.items()})
    model.eval()
    modules = dict(model.named_modules())
    rows, hooks = [], []
    for name, conv in model.named_modules():
        if not isinstance(conv, nn.Conv2d) or conv.kernel_size != (3, 3):
            continue
        parent, _, last = name.rpartition(".")
        bn_name = (parent + "." if parent else "") + last.replace("conv", "bn")
        bn = modules[bn_name]
        assert isinstance(bn, nn.BatchNorm2d), bn_name
        block = modules.get(parent)
        last_bn = "bn3" if hasattr(block, "bn3") else "bn2"
        residual = int(bool(parent) and getattr(block, "has_shortcut", False) and
                       bn_name.endswith(last_bn))

        def hook(mod, inp, out, bn_name=bn_name, conv_name=name, residual=residual):
            y = out.detach().double()  # N x C x H x W
            per_channel = y.transpose(0, 1).reshape(y.shape[1], -1)
            rows.append((bn_name, conv_name, y.shape[1], y.shape[2], y.shape[3], residual,
                         y.mean().item(), y.std(unbiased=False).item(),
                         per_channel.std(dim=1, unbiased=False).mean().item()))
        hooks.append(bn.register_forward_hook(hook))
    x = torch.from_numpy(np.load(os.path.join(case_dir, "x.npy")))
    with torch.no_grad():
        model(x)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("parity_dir")
    ap.add_argument("outdir")
    ap.add_argument("--cases", nargs="+", default=["tiny_a", "tiny_b", "tiny_c", "tiny_plain",
                                                   "tiny_bottleneck", "resnet20"])
    args = ap.parse_args()
    torch.set_num_threads(2)
    for case in args.cases:
        rows = expected_rows(case, os.path.join(args.parity_dir, case))
        os.makedirs(os.path.join(args.outdir, case), exist_ok=True)
        path = os.path.join(args.outdir, case, "expected.csv")
        with open(path, "w") as f:
            f.write("index,layer,conv,channels,height,width,residual,mean,std,channel_std\n")
            for i, r in enumerate(rows, 1):
                f.write("%d,%s,%s,%d,%d,%d,%d,%.12g,%.12g,%.12g\n" % ((i,) + r))
        print("%-16s %d 3x3 layers -> %s" % (case, len(rows), path))


if __name__ == "__main__":
    main()
