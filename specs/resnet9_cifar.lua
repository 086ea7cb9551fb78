-- ResNet-9 with the CIFAR stem (3x3 conv stride 1, no pooling): one basic block per stage,
-- widths 64/128/256, on 32x32 CIFAR-10 images.
return {
  name = "resnet9_cifar",
  input = { 3, 32, 32 },
  classes = 10,
  stem = "cifar",
  block = "basic",
  stages = { 1, 1, 1 },
  widths = { 64, 128, 256 },
  shortcut = "B",
}
