-- ResNet-32 with option C shortcuts (projections on every block).
return {
  name = "resnet32_c",
  input = { 3, 32, 32 },
  classes = 10,
  stem = "cifar",
  block = "basic",
  depth = 32,
  widths = { 16, 32, 64 },
  shortcut = "C",
}
