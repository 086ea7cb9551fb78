-- ResNet-18 for ImageNet (He et al. 2016, Table 1), option B shortcuts, torchvision's layout.
return {
  name = "resnet18",
  input = { 3, 224, 224 },
  classes = 1000,
  stem = "imagenet",
  block = "basic",
  depth = 18,
  widths = { 64, 128, 256, 512 },
  shortcut = "B",
}
