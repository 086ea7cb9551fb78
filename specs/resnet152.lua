-- ResNet-152 for ImageNet (He et al. 2016, Table 1), bottleneck blocks, option B shortcuts, stride on the 3x3 as torchvision.
return {
  name = "resnet152",
  input = { 3, 224, 224 },
  classes = 1000,
  stem = "imagenet",
  block = "bottleneck",
  depth = 152,
  widths = { 64, 128, 256, 512 },
  shortcut = "B",
}
