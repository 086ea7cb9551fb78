-- ResNet-50 (torchvision layout, option B) at 64x64 input with 10 classes: any input size works.
return {
  name = "resnet50_64",
  input = { 3, 64, 64 },
  classes = 10,
  stem = "imagenet",
  block = "bottleneck",
  depth = 50,
  widths = { 64, 128, 256, 512 },
  shortcut = "B",
}
