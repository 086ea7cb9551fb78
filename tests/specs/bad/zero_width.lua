-- expect: zero_width.lua:3: error: field 'widths[2]': expected a positive integer, got 0
return { name = "x", input = { 3, 32, 32 }, classes = 10, depth = 20,
  widths = { 16, 0, 64 } }
