#!/usr/bin/python3
"""bench/torch_conv_layers.py: PyTorch's (oneDNN's) speed on single convolution layers, the
yardstick for resnetc's per-kernel figures (`<model> bench --profile`, conv_layers_<model>).

    bench/torch_conv_layers.py [--model resnet50|resnet18|resnet20] [--batch B] [--threads T]
                               [--iters N] [--layout channels_last|nchw]

Times every distinct convolution shape of the model's forward in inference (no_grad, bias
off, the layout given, default channels_last as PyTorch is fastest in it), one layer at a time
on a random input: median of --iters calls after 3 warm-up ones. Prints per shape the
milliseconds a call and the GFLOP/s (2 x MACs). Run it under the allocator and thread
settings of bench/vs_pytorch.sh for figures comparable with it (the layer's buffers are
allocated once here, so the allocator matters little)."""
import argparse
import os
import sys
import time


def shapes(model):
    """(in channels, out channels, input size, kernel, stride) of every distinct conv."""
    if model == "resnet20":
        return [(3, 16, 32, 3, 1), (16, 16, 32, 3, 1), (16, 32, 32, 3, 2), (32, 32, 16, 3, 1),
                (32, 64, 16, 3, 2), (64, 64, 8, 3, 1)]
    if model == "resnet18":
        out = [(3, 64, 224, 7, 2), (64, 64, 56, 3, 1)]
        for c, hw in ((128, 28), (256, 14), (512, 7)):
            out += [(c // 2, c, hw * 2, 3, 2), (c, c, hw, 3, 1), (c // 2, c, hw * 2, 1, 2)]
        return out
    if model == "resnet50":   # torchvision's (and specs/resnet50.lua's): stride 2 on the 3x3
        out = [(3, 64, 224, 7, 2), (64, 64, 56, 1, 1), (64, 64, 56, 3, 1), (64, 256, 56, 1, 1),
               (256, 64, 56, 1, 1)]
        for w, hw in ((128, 28), (256, 14), (512, 7)):
            out += [(2 * w, w, 2 * hw, 1, 1), (w, w, 2 * hw, 3, 2), (w, 4 * w, hw, 1, 1),
                    (2 * w, 4 * w, 2 * hw, 1, 2), (4 * w, w, hw, 1, 1), (w, w, hw, 3, 1)]
        return out
    raise SystemExit("torch_conv_layers.py: --model: expected resnet20, resnet18 or resnet50, got '%s'" % model)


def conv_flops(batch, ic, oc, hw, k, s):
    """2 x MACs of a k x k stride-s convolution, padding k // 2, of batch images hw x hw."""
    oh = (hw + 2 * (k // 2) - k) // s + 1
    return 2.0 * batch * oh * oh * ic * oc * k * k


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default="resnet50")
    p.add_argument("--batch", type=int, default=None, help="default 16 (128 for resnet20)")
    p.add_argument("--threads", type=int, default=None, help="default: the CPUs available")
    p.add_argument("--iters", type=int, default=21)
    p.add_argument("--layout", choices=("channels_last", "nchw"), default="channels_last")
    a = p.parse_args()
    threads = a.threads or len(os.sched_getaffinity(0))
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(threads)
    import torch
    torch.set_num_threads(threads)
    batch = a.batch or (128 if a.model == "resnet20" else 16)
    fmt = torch.channels_last if a.layout == "channels_last" else torch.contiguous_format
    print("# %s, batch %d, %d threads, %s, PyTorch %s" % (a.model, batch, threads, a.layout, torch.__version__))
    print("%-28s %10s %10s" % ("layer", "ms", "GFLOP/s"))
    for ic, oc, hw, k, s in shapes(a.model):
        x = torch.randn(batch, ic, hw, hw).to(memory_format=fmt)
        conv = torch.nn.Conv2d(ic, oc, k, s, padding=k // 2, bias=False).to(memory_format=fmt)
        with torch.no_grad():
            for _ in range(3):
                conv(x)
            times = []
            for _ in range(a.iters):
                t0 = time.perf_counter()
                conv(x)
                times.append(time.perf_counter() - t0)
        t = sorted(times)[len(times) // 2]
        flops = conv_flops(batch, ic, oc, hw, k, s)
        print("%-28s %10.3f %10.1f" % ("conv%dx%d_s%d_c%dk%d_h%dw%d" % (k, k, s, ic, oc, hw, hw), t * 1e3, flops / t * 1e-9))
    return 0


if __name__ == "__main__":
    sys.exit(main())
