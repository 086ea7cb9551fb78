-- ResNet-32 with option B shortcuts (projections where the shape changes).
return {
  name = "resnet32_b",
  input = { 3, 32, 32 },
  classes = 10,
  stem = "cifar",
  block = "basic",
  depth = 32,
  widths = { 16, 32, 64 },
  shortcut = "B",
}
