-- expect: depth_stages_disagree.lua:3: error: field 'stages': does not match depth 20
return { name = "x", input = { 3, 32, 32 }, classes = 10, depth = 20, widths = { 16, 32, 64 },
  stages = { 3, 3, 4 } }
