-- expect: too_many_blocks_stages.lua:3: error: field 'stages': 1200 residual blocks in all, at most 1000 (the paper's deepest, ResNet-1202, has 600)
return { name = "x", input = { 3, 32, 32 }, classes = 10, widths = { 16, 32, 64 },
  stages = { 400, 400, 400 } }
