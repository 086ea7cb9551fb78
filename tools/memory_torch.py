#!/usr/bin/python3
"""tools/memory_torch.py: PyTorch's memory for one training step or one inference batch of
a ResNet, the other half of tools/memory_vs_pytorch.sh.

    memory_torch.py train|infer ARCH BATCH SIZE CLASSES

ARCH is a torchvision ResNet name (resnet18 ... resnet152) or resnet20 (He et al.'s CIFAR
ResNet-20 with option A shortcuts, as specs/resnet20.lua, from tests/parity/torch_models.py). One thread (torch.set_num_threads(1)),
float32, random input. train: model.train(), forward, cross-entropy, backward (gradients, no
optimizer step: what `<model> grad` does). infer: model.eval() under torch.inference_mode().
Prints one line of key=value pairs, in bytes:
  base_rss   resident set after import, model creation and input, before the step
  peak_rss   the process's max resident set (getrusage) after the step (no profiler)
  params     parameter and buffer bytes of the model
  alloc_peak peak of the bytes PyTorch's CPU allocator held during a second step (gradients
             freed first), from the profiler's memory events (profile_memory=True), plus
             params; -1 if unavailable
"""
import os
import resource
import sys

import torch
import torch.nn.functional as F

# resnet20: the CIFAR ResNet of the parity tests (tests/parity/torch_models.py)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "parity"))
import torch_models  # noqa: E402


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()



def main():
    if len(sys.argv) != 6 or sys.argv[1] not in ("train", "infer"):
        sys.stderr.write(__doc__)
        return 2
    mode, arch = sys.argv[1], sys.argv[2]
    batch, size, classes = (int(v) for v in sys.argv[3:6])
    torch.set_num_threads(1)
    torch.manual_seed(0)
    if arch == "resnet20":
        model = torch_models.cifar_resnet(20, shortcut="A", pad="both", num_classes=classes)
    else:
        import torchvision
        model = getattr(torchvision.models, arch)(num_classes=classes)
    x = torch.randn(batch, 3, size, size)
    y = torch.randint(0, classes, (batch,))
    params = sum(t.numel() * t.element_size() for t in list(model.parameters()) + list(model.buffers()))

    def step():
        if mode == "train":
            model.train()
            F.cross_entropy(model(x), y).backward()
        else:
            model.eval()
            with torch.inference_mode():
                model(x)

    base = rss_bytes()
    step()
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    # a second step under the profiler (after the RSS figure, which it would inflate)
    model.zero_grad(set_to_none=True)
    alloc_peak = -1
    try:
        from torch.profiler import ProfilerActivity, profile
        with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
            step()
        # every allocation (+bytes) and free (-bytes) of the CPU allocator, in time order
        events = [e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"]
        events.sort(key=lambda e: e.start_us())
        held = peak = 0
        for e in events:
            held += e.nbytes()
            peak = max(peak, held)
        if events:
            alloc_peak = params + peak
    except Exception as e:  # profiler API differences: report the RSS figures only
        sys.stderr.write("memory_torch: no allocator figures (%s)\n" % e)
    print("base_rss=%d peak_rss=%d params=%d alloc_peak=%d" % (base, peak_rss, params, alloc_peak))
    return 0


if __name__ == "__main__":
    sys.exit(main())
