-- Plain-44 for CIFAR-10 (He et al. 2016, section 4.2): the ResNet-44 layers without shortcuts (n = 7).
return {
  name = "plain44",
  input = { 3, 32, 32 },
  classes = 10,
  stem = "cifar",
  block = "basic",
  depth = 44,
  widths = { 16, 32, 64 },
  plain = true,
}
