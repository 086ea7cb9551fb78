-- ResNet-50 for ImageNet (He et al. 2016, Table 1), bottleneck blocks, option B shortcuts, stride on the 3x3 as torchvision.
return {
  name = "resnet50",
  input = { 3, 224, 224 },
  classes = 1000,
  stem = "imagenet",
  block = "bottleneck",
  depth = 50,
  widths = { 64, 128, 256, 512 },
  shortcut = "B",
}
