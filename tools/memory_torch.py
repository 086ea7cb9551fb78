#!/usr/bin/python3
"""tools/memory_torch.py: PyTorch's memory for one training step or one inference batch of
a ResNet, the other half of tools/memory_vs_pytorch.sh.

    memory_torch.py train|infer ARCH BATCH SIZE CLASSES

ARCH is a torchvision ResNet name (resnet18 ... resnet152) or resnet20 (He et al.'s CIFAR
ResNet-20 with option A shortcuts, as specs/resnet20.lua). One thread (torch.set_num_threads(1)),
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
import resource
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class _Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.pad = cout - cin
        self.stride = stride

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x
        if self.stride != 1 or self.pad:  # option A: subsample, zero-pad the channels
            s = x[:, :, ::self.stride, ::self.stride]
            s = F.pad(s, (0, 0, 0, 0, self.pad // 2, self.pad - self.pad // 2))
        return F.relu(y + s)


class CifarResNet(nn.Module):
    def __init__(self, n, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        layers, cin = [], 16
        for i, w in enumerate((16, 32, 64)):
            blocks = []
            for j in range(n):
                blocks.append(_Block(cin, w, 2 if (i > 0 and j == 0) else 1))
                cin = w
            layers.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = layers
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


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
        model = CifarResNet(3, classes)
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
