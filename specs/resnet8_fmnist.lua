-- A small residual net for Fashion-MNIST (1x28x28): ResNet-8 (6n+2 with n = 1), option A,
-- the README's quick end-to-end job.
return {
  name = "resnet8_fmnist",
  input = { 1, 28, 28 },
  classes = 10,
  stem = "cifar",
  block = "basic",
  depth = 8,
  widths = { 16, 32, 64 },
  shortcut = "A",
}
