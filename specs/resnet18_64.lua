-- ResNet-18 (torchvision layout, option B) at 64x64 input with 10 classes.
return {
  name = "resnet18_64",
  input = { 3, 64, 64 },
  classes = 10,
  stem = "imagenet",
  block = "basic",
  depth = 18,
  widths = { 64, 128, 256, 512 },
  shortcut = "B",
}
