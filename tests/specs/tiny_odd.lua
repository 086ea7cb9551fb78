-- Tile edges: odd, non-square input (9x7), channel counts that are not multiples of 8.
return { name = "tiny_odd", input = { 2, 9, 7 }, classes = 4, stem = "cifar", block = "basic",
         stages = { 1, 2 }, widths = { 3, 5 }, shortcut = "B" }
