-- expect: unknown_field.lua:3: error: unknown field 'colour'
return { name = "x", input = { 3, 32, 32 }, classes = 10, depth = 20, widths = { 16, 32, 64 },
  colour = "red" }
