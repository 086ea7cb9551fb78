#!/usr/bin/python3
"""bench/layers_vs_torch.py: resnetc's eval-forward kernels against PyTorch's (oneDNN's)
convolutions, layer shape by layer shape, in interleaved rounds.

    bench/layers_vs_torch.py --bin BUILD/bin/MODEL [--model resnet50|resnet18|resnet20]
                             [--batch B] [--threads T] [--rounds R] [--iters N] [--tolerance X]

Each round runs `MODEL bench --mode infer --profile` (milliseconds per kernel of the eval
forward, inside the network) and then bench/torch_conv_layers.py (each conv shape alone, on a
warm input), so both see the same minutes of a shared machine. Prints, per distinct conv shape,
the median milliseconds a call of each, resnetc's GFLOP/s (2 x MACs, in direct-convolution
FLOPs: a Winograd kernel's figure can exceed the peak) and PyTorch's time over resnetc's.
resnetc's kernels carry their fused epilogues (eval BN, residual, ReLU) and read what the
layer before left in the cache; PyTorch's are the bare convolution, so the comparison leans
PyTorch's way. Exits non-zero, naming the step, if a run fails or a shape is missing."""
import argparse
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from torch_conv_layers import conv_flops  # noqa: E402 (torch itself is imported only in its main)
SIG = re.compile(r"conv(\d+)x(\d+)_s(\d+)_c(\d+)k(\d+)_h(\d+)w(\d+)")


def fail(msg):
    sys.stderr.write("layers_vs_torch.py: %s\n" % msg)
    sys.exit(1)


def run(cmd, what):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        fail("%s failed (exit %d): %s\n%s" % (what, p.returncode, " ".join(cmd), p.stderr[-2000:]))
    return p.stdout


def ours(out):
    """{signature: ms a call} from the forward_infer section of a --profile report: the
    shape's kernels together (ResNet-50's 64->256 on 56x56 is a block's last conv, with the
    residual, and a projection shortcut, without), their time over their calls."""
    per, section = {}, None
    for line in out.splitlines():
        if line.endswith(":") and not line.startswith(" "):
            section = line[:-1]
            continue
        f = line.split()
        if section != "forward_infer" or len(f) != 4 or not f[0].startswith("conv"):
            continue
        m = SIG.match(f[0])
        if m:
            ms, calls = per.get(m.group(0), (0.0, 0))
            per[m.group(0)] = (ms + float(f[1]), calls + int(f[3]))
    return {k: ms / calls for k, (ms, calls) in per.items() if calls > 0}


def theirs(out):
    """{signature: ms a call} from bench/torch_conv_layers.py's table."""
    return {f[0]: float(f[1]) for f in (line.split() for line in out.splitlines())
            if len(f) == 3 and SIG.fullmatch(f[0])}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bin", required=True, help="the model's executable (BUILD/bin/MODEL)")
    p.add_argument("--model", default=None, help="default: the executable's name")
    p.add_argument("--batch", type=int, default=None, help="default 16 (128 for resnet20)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--iters", type=int, default=5)
    p.add_argument("--tolerance", default="5e-2", help="resnetc bench's validation tolerance")
    a = p.parse_args()
    if not os.access(a.bin, os.X_OK):
        fail("--bin: '%s' is not an executable" % a.bin)
    model = a.model or os.path.basename(a.bin)
    if model not in ("resnet50", "resnet18", "resnet20"):
        fail("--model: expected resnet50, resnet18 or resnet20, got '%s'" % model)
    if a.rounds < 1 or a.iters < 1 or a.threads < 1:
        fail("--rounds, --iters and --threads must be at least 1")
    batch = a.batch or (128 if model == "resnet20" else 16)
    mine, torch = {}, {}
    for r in range(a.rounds):
        out = run([a.bin, "bench", "--mode", "infer", "--profile", "--batch", str(batch), "--threads", str(a.threads),
                   "--iters", str(a.iters), "--tolerance", a.tolerance], "round %d: %s bench" % (r + 1, model))
        for k, v in ours(out).items():
            mine.setdefault(k, []).append(v)
        out = run([sys.executable, os.path.join(HERE, "torch_conv_layers.py"), "--model", model, "--batch", str(batch),
                   "--threads", str(a.threads), "--iters", str(a.iters)], "round %d: torch_conv_layers.py" % (r + 1))
        for k, v in theirs(out).items():
            torch.setdefault(k, []).append(v)
    if not torch:
        fail("torch_conv_layers.py printed no layers")
    missing = [k for k in torch if k not in mine]
    if missing:
        fail("%s's profile has no eval kernel for %s" % (model, ", ".join(missing)))
    print("# %s, batch %d, %d threads; medians of %d interleaved rounds; ms a call" % (model, batch, a.threads, a.rounds))
    print("%-28s %10s %10s %10s %8s" % ("layer", "resnetc", "GFLOP/s", "PyTorch", "ratio"))
    for k in torch:
        o, t = statistics.median(mine[k]), statistics.median(torch[k])
        kh, _, s, c, kk, h, _ = (int(g) for g in SIG.fullmatch(k).groups())   # square kernels and maps
        gflops = conv_flops(batch, c, kk, h, kh, s) / (o * 1e-3) * 1e-9
        print("%-28s %10.3f %10.1f %10.3f %7.2fx" % (k, o, gflops, t, t / o))
    return 0


if __name__ == "__main__":
    sys.exit(main())
