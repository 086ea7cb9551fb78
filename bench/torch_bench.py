#!/usr/bin/python3
"""bench/torch_bench.py: PyTorch's throughput and latency for the models resnetc benchmarks,
measured the same way as `<model> bench` (docs/benchmarks.md).

    /usr/bin/python3 bench/torch_bench.py MODEL [--batch B] [--infer-batch B1] [--threads T]
        [--iters N] [--warmup W] [--latency-iters L] [--layouts L1,L2,...]
        [--mode train|infer|both] [--json]

MODEL: resnet20, resnet56, resnet110 (CIFAR ResNets of He et al. 2016 section 4.2, option A
shortcuts, written here with torchvision's names; 3x32x32 input, 10 classes) or resnet18,
resnet50 (torchvision.models, weights=None; 3x224x224, 1000 classes).

For each layout (variant):
  nchw           eager mode, contiguous NCHW
  channels_last  eager mode, model and input in torch.channels_last
  frozen         torch.jit.freeze(torch.jit.script(model.eval())), inference only (NCHW)
  frozen_cl      the same, model and input in torch.channels_last
  optimized      torch.jit.optimize_for_inference(frozen): frozen plus PyTorch's MKL-DNN
                 rewrites, inference only (NCHW input). Added because this machine's PyTorch
                 (Debian, reference BLAS) runs small-batch convolutions through its slow
                 im2col path in the other layouts; PyTorch's best layout should be its real
                 best.
  optimized_cl   the same, model and input in torch.channels_last
it times, after --warmup untimed runs, --iters runs and reports medians:
  train    one step on B images: forward, CrossEntropyLoss, backward, SGD step
           (lr 0.01, momentum 0.9, weight decay 1e-4), as resnetc's bench
  infer    model.eval() forward under torch.inference_mode() on B1 images
  latency  the same on one image, milliseconds
and names the best layout per column (JSON "best": train_layout, infer_layout,
latency_layout). FLOPs are not computed here: vs_pytorch.sh divides resnetc's counted FLOPs
(same model, same batch) by PyTorch's time when it needs GFLOP/s.

Threads, always set explicitly: T = --threads, else $OMP_NUM_THREADS, else the CPUs this
process may run on; OMP_NUM_THREADS and MKL_NUM_THREADS are set to T before torch is imported,
then torch.set_num_threads(T) (intra-op) and torch.set_num_interop_threads(1).

Allocator: PyTorch frees and reallocates every activation each step, and glibc malloc's
defaults hand those buffers back to the kernel and fault them in again, which made training
about 3x slower on a 2-core VM (200-260 against 730-770 img/s for resnet20). Run it with
    MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=68719476736 \
    MALLOC_TOP_PAD_=1073741824
(all three: the trim threshold alone pins glibc's mmap threshold at 128 KiB) or with
LD_PRELOAD of tcmalloc, or of jemalloc with MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1
(its default purges allocations of 8 MiB and more at once), as bench/vs_pytorch.sh does
(--torch-alloc; it also asks for transparent huge pages, as resnetc's arena does:
GLIBC_TUNABLES=glibc.malloc.hugetlb=1, jemalloc's thp:always). The allocator
in use is detected (the preloaded library in /proc/self/maps, else the MALLOC_* variables) and
reported as "allocator": jemalloc, tcmalloc, glibc-tuned or glibc (untuned; a warning on
stderr).
Needs PyTorch (1.13 tested; Debian's python3-torch); it is a benchmark tool, never a
run-time dependency of resnetc. Output: a text table, or with --json one JSON object.
"""
import argparse
import json
import os
import statistics
import sys
import time


def default_threads():
    """$OMP_NUM_THREADS when it is a positive integer, else the CPUs this process may use."""
    v = os.environ.get("OMP_NUM_THREADS", "")
    if v.isdigit() and int(v) > 0:
        return int(v)
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def argv_threads(argv):
    """--threads T / --threads=T from argv, before argparse (the OpenMP environment has to be
    set before torch is imported); None when absent or malformed (argparse reports it)."""
    for i, s in enumerate(argv):
        v = None
        if s == "--threads" and i + 1 < len(argv):
            v = argv[i + 1]
        elif s.startswith("--threads="):
            v = s.split("=", 1)[1]
        if v is not None:
            return int(v) if v.isdigit() and int(v) > 0 else None
    return None


if __name__ == "__main__":
    _t = argv_threads(sys.argv[1:]) or default_threads()
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(_t)

import torch
import torch.nn as nn
import torch.nn.functional as F

CIFAR = {"resnet20": 3, "resnet56": 9, "resnet110": 18}   # blocks per stage (6n+2 layers)
IMAGENET = ("resnet18", "resnet50")
LAYOUTS = ("nchw", "channels_last", "frozen", "frozen_cl", "optimized", "optimized_cl")
TRAINABLE = ("nchw", "channels_last")
GLIBC_TUNING = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_")


def allocator():
    """(name, details): jemalloc or tcmalloc when such a library is mapped into this process
    (LD_PRELOAD), else glibc-tuned when glibc's MALLOC_MMAP_THRESHOLD_ and
    MALLOC_TRIM_THRESHOLD_ (or a GLIBC_TUNABLES glibc.malloc setting) are set, else glibc."""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                base = os.path.basename(path)
                if base.startswith(("libjemalloc", "libtcmalloc")):
                    libs.add(path)
    except OSError:
        pass
    env = {k: os.environ[k] for k in GLIBC_TUNING + ("GLIBC_TUNABLES", "LD_PRELOAD", "MALLOC_CONF")
           if k in os.environ}
    for name in ("jemalloc", "tcmalloc"):
        hit = sorted(p for p in libs if os.path.basename(p).startswith("lib" + name))
        if hit:
            return name, {"library": hit[0], "env": env}
    tuned = all(k in os.environ for k in GLIBC_TUNING[:2]) or \
        "glibc.malloc." in os.environ.get("GLIBC_TUNABLES", "")
    return ("glibc-tuned" if tuned else "glibc"), {"library": None, "env": env}


class ShortcutA(nn.Module):
    """Option A: x[:, :, ::s, ::s], zero channels padded (K-C)//2 before and the rest after
    (resnetc's CIFAR specs: pad_lo = (K-C)//2)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.stride = stride
        self.lo = (cout - cin) // 2
        self.hi = cout - cin - self.lo

    def forward(self, x):
        return F.pad(x[:, :, ::self.stride, ::self.stride], (0, 0, 0, 0, self.lo, self.hi))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = ShortcutA(cin, cout, stride) if (stride != 1 or cin != cout) \
            else nn.Identity()

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class CifarResNet(nn.Module):
    """ResNet-(6n+2) for CIFAR-10, widths 16/32/64, torchvision's parameter names."""

    def __init__(self, n, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        c = 16
        for s, w in enumerate((16, 32, 64), start=1):
            blocks = []
            for j in range(n):
                blocks.append(BasicBlock(c, w, 2 if (s > 1 and j == 0) else 1))
                c = w
            setattr(self, "layer%d" % s, nn.Sequential(*blocks))
        self.fc = nn.Linear(64, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


def make_model(name):
    """(model, (C, H, W), classes)."""
    if name in CIFAR:
        return CifarResNet(CIFAR[name]), (3, 32, 32), 10
    if name in IMAGENET:
        import torchvision
        return getattr(torchvision.models, name)(weights=None), (3, 224, 224), 1000
    raise SystemExit("torch_bench.py: MODEL: expected one of %s, got %r"
                     % (", ".join(list(CIFAR) + list(IMAGENET)), name))


def time_calls(fn, warmup, iters):
    """Median and minimum seconds of fn() over iters calls after warmup untimed ones."""
    for _ in range(warmup):
        fn()
    t = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        t.append(time.perf_counter() - t0)
    return statistics.median(t), min(t)


def bench_layout(name, layout, a, shape, classes):
    torch.manual_seed(a.seed)
    model, _, _ = make_model(name)
    fmt = torch.channels_last if layout in ("channels_last", "frozen_cl", "optimized_cl") \
        else torch.contiguous_format
    model = model.to(memory_format=fmt)
    cap = max(a.batch, a.infer_batch)
    x_all = torch.randn(cap, *shape).contiguous(memory_format=fmt)
    y_all = torch.randint(0, classes, (cap,))
    r = {"layout": layout}

    if a.mode in ("train", "both") and layout in TRAINABLE:
        x, y = x_all[:a.batch].contiguous(memory_format=fmt), y_all[:a.batch]
        model.train()
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
        loss_fn = nn.CrossEntropyLoss()
        last = {}

        def step():
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            last["loss"] = loss

        med, mn = time_calls(step, a.warmup, a.iters)
        loss = float(last["loss"])
        if loss != loss or loss in (float("inf"), float("-inf")):
            raise SystemExit("torch_bench.py: %s %s: the loss became %r" % (name, layout, loss))
        r.update(train_img_per_s=a.batch / med, train_ms_median=1e3 * med, train_ms_min=1e3 * mn)

    if a.mode in ("infer", "both"):
        model.eval()
        if layout in ("frozen", "frozen_cl", "optimized", "optimized_cl"):
            with torch.no_grad():
                run = torch.jit.freeze(torch.jit.script(model.eval()))
                if layout.startswith("optimized"):
                    run = torch.jit.optimize_for_inference(run)
        else:
            run = model
        xb = x_all[:a.infer_batch].contiguous(memory_format=fmt)
        x1 = x_all[:1].contiguous(memory_format=fmt)
        with torch.inference_mode():
            med, mn = time_calls(lambda: run(xb), a.warmup, a.iters)
            r.update(infer_img_per_s=a.infer_batch / med, infer_ms_median=1e3 * med,
                     infer_ms_min=1e3 * mn)
            med, mn = time_calls(lambda: run(x1), a.warmup, a.latency_iters)
            r.update(latency_ms_b1=1e3 * med, latency_ms_b1_min=1e3 * mn)
    return r


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("--batch", type=int, default=None,
                   help="training (and default inference) batch; 128, or 16 for 224x224")
    p.add_argument("--infer-batch", type=int, default=None)
    p.add_argument("--threads", type=int, default=None,
                   help="torch.set_num_threads and OMP_NUM_THREADS (default: $OMP_NUM_THREADS, "
                   "else the CPUs available)")
    p.add_argument("--iters", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--latency-iters", type=int, default=None,
                   help="timed batch-1 runs (default max(iters, 10))")
    p.add_argument("--layouts", default=",".join(LAYOUTS),
                   help="some of %s (default all; training runs in %s only)"
                   % (",".join(LAYOUTS), " and ".join(TRAINABLE)))
    p.add_argument("--mode", choices=("train", "infer", "both"), default="both")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()

    _, shape, classes = make_model(a.model)
    if a.batch is None:
        a.batch = 16 if shape[1] > 64 else 128
    if a.infer_batch is None:
        a.infer_batch = a.batch
    if a.latency_iters is None:
        a.latency_iters = max(a.iters, 10)
    for flag in ("batch", "infer_batch", "iters", "latency_iters"):
        if getattr(a, flag) < 1:
            p.error("--%s: expected an integer >= 1" % flag.replace("_", "-"))
    if a.warmup < 0:
        p.error("--warmup: expected an integer >= 0")
    layouts = [s for s in a.layouts.split(",") if s]
    for s in layouts:
        if s not in LAYOUTS:
            p.error("--layouts: expected some of %s, got %r" % (", ".join(LAYOUTS), s))
    if a.threads is None:
        a.threads = default_threads()
    if a.threads < 1:
        p.error("--threads: expected an integer >= 1")
    torch.set_num_threads(a.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    alloc, alloc_info = allocator()
    if alloc == "glibc":
        print("torch_bench.py: warning: glibc malloc untuned, PyTorch training can be ~3x slower "
              "than at its best; set %s (see --help) or LD_PRELOAD jemalloc/tcmalloc (bench/vs_pytorch.sh does)"
              % ", ".join(GLIBC_TUNING), file=sys.stderr)

    results = {s: bench_layout(a.model, s, a, shape, classes) for s in layouts}
    best = {}
    for key in ("train_img_per_s", "infer_img_per_s"):
        cands = [(r[key], s) for s, r in results.items() if key in r]
        if cands:
            v, s = max(cands)
            best[key] = v
            best[key.replace("_img_per_s", "_layout")] = s
    cands = [(r["latency_ms_b1"], s) for s, r in results.items() if "latency_ms_b1" in r]
    if cands:
        v, s = min(cands)
        best["latency_ms_b1"] = v
        best["latency_layout"] = s
    out = {"model": a.model, "framework": "pytorch", "torch": torch.__version__,
           "batch": a.batch, "infer_batch": a.infer_batch, "threads": torch.get_num_threads(),
           "interop_threads": torch.get_num_interop_threads(),
           "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
           "iters": a.iters, "warmup": a.warmup, "latency_iters": a.latency_iters,
           "mode": a.mode, "allocator": alloc, "allocator_info": alloc_info,
           "layouts": results, "best": best}
    if a.json:
        print(json.dumps(out))
        return
    print("%s PyTorch %s, %d threads, batch %d (infer %d), medians of %d after %d warm-up, "
          "allocator %s" % (a.model, torch.__version__, out["threads"], a.batch, a.infer_batch,
                            a.iters, a.warmup, alloc))
    print("  %-14s %12s %12s %12s" % ("layout", "train img/s", "infer img/s", "b1 lat ms"))
    for s, r in results.items():
        f = lambda k, fmt: (fmt % r[k]) if k in r else "-"
        print("  %-14s %12s %12s %12s" % (s, f("train_img_per_s", "%.2f"),
                                           f("infer_img_per_s", "%.2f"),
                                           f("latency_ms_b1", "%.3f")))
    g = lambda k, lk, fmt: (fmt % best[k] + " (%s)" % best[lk]) if k in best else "-"
    print("  best: train %s, infer %s, batch-1 latency %s"
          % (g("train_img_per_s", "train_layout", "%.2f img/s"),
             g("infer_img_per_s", "infer_layout", "%.2f img/s"),
             g("latency_ms_b1", "latency_layout", "%.3f ms")))


if __name__ == "__main__":
    sys.exit(main())
