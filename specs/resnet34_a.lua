-- ResNet-34 with option A shortcuts: zero-padded identity where the shape changes (Table 3's A).
return {
  name = "resnet34_a",
  input = { 3, 224, 224 },
  classes = 1000,
  stem = "imagenet",
  block = "basic",
  depth = 34,
  widths = { 64, 128, 256, 512 },
  shortcut = "A",
}
