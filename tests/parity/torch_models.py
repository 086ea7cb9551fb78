"""PyTorch reference models for the parity fixtures (tests/parity/make_fixtures.py).

Independent of the generator: written from the paper (He et al. 2016) and torchvision, with
torchvision's parameter names, so that a state dict saved from here loads into a resnetc
model generated from the matching spec.

  CifarResNet   3x3 conv stem (conv1, bn1), stages layer1..layerS of BasicBlocks (or
                Bottlenecks), global average pool, fc. Shortcut options (section 3.3):
                  'A'  identity; where the shape changes, x[:, :, ::s, ::s] zero-padded in
                       channels: pad='both' puts (K-C)//2 zero channels first and the rest
                       after (the common akamaster CIFAR code), pad='end' puts all after;
                  'B'  1x1 conv (stride s) + BN (downsample.0, downsample.1) only where the
                       shape changes, identity elsewhere;
                  'C'  1x1 conv + BN on every block;
                plain=True: no shortcut at all. Convs are bias-free, BN eps 1e-5,
                momentum 0.1. stem='imagenet' gives torchvision's 7x7/2 conv + 3x3/2
                max-pool stem instead (for the tiny bottleneck cases).
  torchvision_resnet(arch, num_classes): torchvision.models.resnet18/34/50/... with
                weights=None.

Initialization (as torchvision and resnetc's runtime): conv weights He normal with
fan_out, BN weight 1 / bias 0, fc PyTorch's default Linear init.
Used only to make fixtures; nothing at test time imports torch.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


def conv3x3(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


def conv1x1(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 1, stride=stride, padding=0, bias=False)


class ShortcutA(nn.Module):
    """Option A: subsample by the stride, zero-pad channels from cin to cout."""

    def __init__(self, cin, cout, stride, pad):
        super().__init__()
        assert cout >= cin and pad in ("both", "end")
        self.stride = stride
        self.lo = (cout - cin) // 2 if pad == "both" else 0
        self.hi = cout - cin - self.lo

    def forward(self, x):
        if self.stride != 1:
            x = x[:, :, :: self.stride, :: self.stride]
        return F.pad(x, (0, 0, 0, 0, self.lo, self.hi))


def make_shortcut(cin, cout, stride, shortcut, pad, plain):
    """(downsample module or None, option-A module or None, has_shortcut)."""
    if plain:
        return None, None, False
    changes = stride != 1 or cin != cout
    if shortcut == "C" or (shortcut == "B" and changes):
        return nn.Sequential(conv1x1(cin, cout, stride), nn.BatchNorm2d(cout)), None, True
    if shortcut == "A" and changes:
        return None, ShortcutA(cin, cout, stride, pad), True
    if shortcut not in ("A", "B", "C"):
        raise ValueError("shortcut must be 'A', 'B' or 'C', got %r" % (shortcut,))
    return None, None, True


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin, planes, stride, shortcut, pad, plain, bottleneck_stride=None):
        super().__init__()
        self.conv1 = conv3x3(cin, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        ds, a, self.has_shortcut = make_shortcut(cin, planes, stride, shortcut, pad, plain)
        if ds is not None:
            self.downsample = ds       # parameters named downsample.0 / downsample.1
        else:
            self.downsample = None
        self.shortcut_a = a            # no parameters

    def _shortcut(self, x):
        if self.downsample is not None:
            return self.downsample(x)
        if self.shortcut_a is not None:
            return self.shortcut_a(x)
        return x

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.has_shortcut:
            out = out + self._shortcut(x)
        return F.relu(out)


class Bottleneck(BasicBlock):
    expansion = 4

    def __init__(self, cin, planes, stride, shortcut, pad, plain, bottleneck_stride="3x3"):
        nn.Module.__init__(self)
        out = planes * 4
        s1, s3 = (1, stride) if bottleneck_stride == "3x3" else (stride, 1)
        self.conv1 = conv1x1(cin, planes, s1)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes, s3)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = conv1x1(planes, out)
        self.bn3 = nn.BatchNorm2d(out)
        ds, a, self.has_shortcut = make_shortcut(cin, out, stride, shortcut, pad, plain)
        self.downsample = ds
        self.shortcut_a = a

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.has_shortcut:
            out = out + self._shortcut(x)
        return F.relu(out)


class CifarResNet(nn.Module):
    """CIFAR ResNet of section 4.2 (6n+2 layers for stages (n, n, n), widths 16/32/64),
    generalized: any stages, widths, input channels/size, classes and shortcut option."""

    def __init__(self, stages=(3, 3, 3), widths=(16, 32, 64), num_classes=10, in_channels=3,
                 shortcut="A", pad="both", plain=False, block="basic", stem="cifar",
                 stem_width=None, bottleneck_stride="3x3"):
        super().__init__()
        assert len(stages) == len(widths) and len(stages) >= 1
        stem_width = stem_width or widths[0]
        self.stem = stem
        if stem == "cifar":
            self.conv1 = conv3x3(in_channels, stem_width)
        elif stem == "imagenet":
            self.conv1 = nn.Conv2d(in_channels, stem_width, 7, stride=2, padding=3, bias=False)
        else:
            raise ValueError("stem must be 'cifar' or 'imagenet'")
        self.bn1 = nn.BatchNorm2d(stem_width)
        Block = BasicBlock if block == "basic" else Bottleneck
        c = stem_width
        for s, (n, w) in enumerate(zip(stages, widths), start=1):
            blocks = []
            for j in range(n):
                stride = 2 if (s > 1 and j == 0) else 1
                blocks.append(Block(c, w, stride, shortcut, pad, plain, bottleneck_stride))
                c = w * Block.expansion
            setattr(self, "layer%d" % s, nn.Sequential(*blocks))
        self.n_stages = len(stages)
        self.fc = nn.Linear(c, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        if self.stem == "imagenet":
            x = F.max_pool2d(x, 3, stride=2, padding=1)
        for s in range(1, self.n_stages + 1):
            x = getattr(self, "layer%d" % s)(x)
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


def cifar_resnet(depth=20, **kw):
    """ResNet-(6n+2) of section 4.2."""
    assert (depth - 2) % 6 == 0
    n = (depth - 2) // 6
    return CifarResNet(stages=(n, n, n), **kw)


def torchvision_resnet(arch, num_classes=10):
    import torchvision
    return getattr(torchvision.models, arch)(weights=None, num_classes=num_classes)


def _self_check():
    """The generic model with torchvision's configuration must compute what torchvision
    computes from the same state dict (checks the stem, blocks, strides and names), and
    option A must place the zero channels as documented."""
    torch.manual_seed(0)
    x = torch.randn(2, 3, 64, 64)
    for arch, block, stages in (("resnet18", "basic", (2, 2, 2, 2)),
                                ("resnet50", "bottleneck", (3, 4, 6, 3))):
        ref = torchvision_resnet(arch, num_classes=7).eval()
        ours = CifarResNet(stages=stages, widths=(64, 128, 256, 512), num_classes=7,
                           shortcut="B", block=block, stem="imagenet").eval()
        ours.load_state_dict(ref.state_dict(), strict=True)
        assert list(ours.state_dict()) == list(ref.state_dict()), arch
        d = (ours(x) - ref(x)).abs().max().item()
        assert d == 0.0, (arch, d)
        print("torch_models: %s layout and outputs match torchvision" % arch)
    x = torch.arange(2 * 4 * 4 * 4, dtype=torch.float32).reshape(2, 4, 4, 4) + 1
    for pad, lo in (("both", 2), ("end", 0)):
        y = ShortcutA(4, 8, 2, pad)(x)
        assert y.shape == (2, 8, 2, 2)
        assert torch.equal(y[:, lo:lo + 4], x[:, :, ::2, ::2]), pad
        assert y.abs().sum() == x[:, :, ::2, ::2].abs().sum(), pad
    print("torch_models: option A shortcut layouts ok")


if __name__ == "__main__":
    _self_check()
