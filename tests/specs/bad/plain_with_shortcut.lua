-- expect: plain_with_shortcut.lua:3: error: field 'shortcut': a plain network has no shortcuts
return { name = "x", input = { 3, 32, 32 }, classes = 10, depth = 20, widths = { 16, 32, 64 },
  plain = true, shortcut = "B" }
