-- expect: too_many_blocks.lua:3: error: field 'depth': 49999 residual blocks in all, at most 1000 (the paper's deepest, ResNet-1202, has 600)
return { name = "x", input = { 1, 8, 8 }, classes = 2, widths = { 4 },
  depth = 100000 }
