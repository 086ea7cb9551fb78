-- ResNet-1202 for CIFAR-10 (He et al. 2016, section 4.2): 6n+2 layers with n = 200, option A shortcuts.
return {
  name = "resnet1202",
  input = { 3, 32, 32 },
  classes = 10,
  stem = "cifar",
  block = "basic",
  depth = 1202,
  widths = { 16, 32, 64 },
  shortcut = "A",
}
