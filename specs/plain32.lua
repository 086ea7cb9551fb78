-- Plain-32 for CIFAR-10 (He et al. 2016, section 4.2): the ResNet-32 layers without shortcuts (n = 5).
return {
  name = "plain32",
  input = { 3, 32, 32 },
  classes = 10,
  stem = "cifar",
  block = "basic",
  depth = 32,
  widths = { 16, 32, 64 },
  plain = true,
}
