-- expect: wrong_type_classes.lua:3: error: field 'classes': expected a positive integer, got '10'
return { name = "x", input = { 3, 32, 32 }, depth = 20, widths = { 16, 32, 64 },
  classes = "10" }
