-- expect: negative_input.lua:2: error: field 'input[3]': expected a positive integer, got -32
return { name = "x", input = { 3, 32, -32 }, classes = 10, depth = 20,
  widths = { 16, 32, 64 } }
