-- Tiny bottleneck net with option A shortcuts (channels zero-padded x4).
return { name = "tiny_bottleneck_a", input = { 3, 32, 32 }, classes = 3, stem = "imagenet",
         block = "bottleneck", stages = { 1, 1 }, widths = { 4, 8 }, stem_width = 8, shortcut = "A" }
