-- ResNet-9: one basic block per stage ([1, 1, 1]), widths 64/128/256, with the ImageNet stem
-- (7x7 conv stride 2, then 3x3 max-pool stride 2), on 32x32 CIFAR-10 images.
return {
  name = "resnet9",
  input = { 3, 32, 32 },
  classes = 10,
  stem = "imagenet",
  block = "basic",
  stages = { 1, 1, 1 },
  widths = { 64, 128, 256 },
  shortcut = "B",
}
