-- Plain-110 for CIFAR-10 (He et al. 2016, section 4.2): the ResNet-110 layers without shortcuts (n = 18).
return {
  name = "plain110",
  input = { 3, 32, 32 },
  classes = 10,
  stem = "cifar",
  block = "basic",
  depth = 110,
  widths = { 16, 32, 64 },
  plain = true,
}
