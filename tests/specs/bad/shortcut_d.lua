-- expect: shortcut_d.lua:3: error: field 'shortcut': expected one of A, B, C, got 'D'
return { name = "x", input = { 3, 32, 32 }, classes = 10, depth = 20, widths = { 16, 32, 64 },
  shortcut = "D" }
