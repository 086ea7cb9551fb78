-- Tiny residual net: option C shortcuts (projections on every block).
return { name = "tiny_c", input = { 3, 8, 8 }, classes = 5, stem = "cifar", block = "basic",
         stages = { 2, 1 }, widths = { 4, 8 }, shortcut = "C" }
