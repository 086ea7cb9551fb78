-- ResNet-18's 3x3 stride-1 convolution shapes at 224x224 (64 channels on 56x56, 128 on 28x28,
-- 256 on 14x14, 512 on 7x7) with one basic block per stage: the Winograd accuracy test
-- (tests/gen/check_winograd.c) runs every distinct conv kernel of it against float64.
return {
  name = "wino_resnet18",
  input = { 3, 224, 224 },
  classes = 10,
  stem = "imagenet",
  block = "basic",
  stages = { 1, 1, 1, 1 },
  widths = { 64, 128, 256, 512 },
  shortcut = "B",
}
