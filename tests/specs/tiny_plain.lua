-- Tiny plain net: no shortcuts.
return { name = "tiny_plain", input = { 3, 8, 8 }, classes = 5, stem = "cifar", block = "basic",
         stages = { 1, 1, 1 }, widths = { 4, 8, 16 }, plain = true }
