-- Plain-20 for CIFAR-10 (He et al. 2016, section 4.2): the ResNet-20 layers without shortcuts (n = 3).
return {
  name = "plain20",
  input = { 3, 32, 32 },
  classes = 10,
  stem = "cifar",
  block = "basic",
  depth = 20,
  widths = { 16, 32, 64 },
  plain = true,
}
