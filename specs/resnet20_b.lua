-- ResNet-20 with option B shortcuts: 1x1 projections only where the shape changes (Table 3's B, on CIFAR).
return {
  name = "resnet20_b",
  input = { 3, 32, 32 },
  classes = 10,
  stem = "cifar",
  block = "basic",
  depth = 20,
  widths = { 16, 32, 64 },
  shortcut = "B",
}
