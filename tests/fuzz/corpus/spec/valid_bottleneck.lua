return { name = "tiny_bn", input = { 3, 64, 64 }, classes = 7, stem = "imagenet",
         block = "bottleneck", stages = { 1, 1 }, widths = { 8, 16 }, shortcut = "B",
         bottleneck_stride = "1x1" }
