-- ResNet-34 with option C shortcuts: projections on every block (Table 3's C).
return {
  name = "resnet34_c",
  input = { 3, 224, 224 },
  classes = 1000,
  stem = "imagenet",
  block = "basic",
  depth = 34,
  widths = { 64, 128, 256, 512 },
  shortcut = "C",
}
