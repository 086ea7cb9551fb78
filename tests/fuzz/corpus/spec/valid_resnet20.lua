return { name = "resnet20", input = { 3, 32, 32 }, classes = 10, stem = "cifar", block = "basic",
         depth = 20, widths = { 16, 32, 64 }, shortcut = "A" }
