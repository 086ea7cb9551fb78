-- ResNet-20 (option A) for Fashion-MNIST: 1x28x28 grey images, 10 classes.
return {
  name = "resnet20_fmnist",
  input = { 1, 28, 28 },
  classes = 10,
  stem = "cifar",
  block = "basic",
  depth = 20,
  widths = { 16, 32, 64 },
  shortcut = "A",
}
