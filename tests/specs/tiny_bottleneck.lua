-- Tiny bottleneck net with the ImageNet stem (7x7/2 conv, 3x3/2 max-pool), option B.
return { name = "tiny_bottleneck", input = { 3, 32, 32 }, classes = 3, stem = "imagenet",
         block = "bottleneck", stages = { 1, 1 }, widths = { 4, 8 }, stem_width = 8, shortcut = "B" }
