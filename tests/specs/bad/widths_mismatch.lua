-- expect: widths_mismatch.lua:3: error: field 'widths': 2 widths for 3 stages
return { name = "x", input = { 3, 32, 32 }, classes = 10, stages = { 3, 3, 3 },
  widths = { 16, 32 } }
