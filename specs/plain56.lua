-- Plain-56 for CIFAR-10 (He et al. 2016, section 4.2): the ResNet-56 layers without shortcuts (n = 9).
return {
  name = "plain56",
  input = { 3, 32, 32 },
  classes = 10,
  stem = "cifar",
  block = "basic",
  depth = 56,
  widths = { 16, 32, 64 },
  plain = true,
}
