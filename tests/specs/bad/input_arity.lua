-- expect: input_arity.lua:2: error: field 'input': expected 3 elements, got 2
return { name = "x", input = { 32, 32 }, classes = 10, depth = 20,
  widths = { 16, 32, 64 } }
