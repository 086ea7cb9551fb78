-- ResNet-34 (torchvision layout), option A: zero-padded identity where the shape changes, at 32x32 input
-- with 10 classes: the network of the paper's Table 3 at CIFAR-10 resolution (experiments/shortcuts.py).
return {
  name = "resnet34_32_a",
  input = { 3, 32, 32 },
  classes = 10,
  stem = "imagenet",
  block = "basic",
  depth = 34,
  widths = { 64, 128, 256, 512 },
  shortcut = "A",
}
