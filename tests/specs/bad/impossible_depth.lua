-- expect: impossible_depth.lua:3: error: field 'depth': 21 is not 6n+2 for 3 stages of basic blocks
return { name = "x", input = { 3, 32, 32 }, classes = 10, widths = { 16, 32, 64 },
  depth = 21 }
