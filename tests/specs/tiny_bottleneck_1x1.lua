-- Tiny bottleneck net, stride on the first 1x1 as in the paper, option C.
return { name = "tiny_bottleneck_1x1", input = { 3, 32, 32 }, classes = 3, stem = "imagenet",
         block = "bottleneck", stages = { 1, 1 }, widths = { 4, 8 }, stem_width = 8, shortcut = "C",
         bottleneck_stride = "1x1" }
