-- ResNet-20 with option C shortcuts: a 1x1 projection on every block (Table 3's C, on CIFAR).
return {
  name = "resnet20_c",
  input = { 3, 32, 32 },
  classes = 10,
  stem = "cifar",
  block = "basic",
  depth = 20,
  widths = { 16, 32, 64 },
  shortcut = "C",
}
