-- Tiny residual net: option B shortcuts (projections where the shape changes).
return { name = "tiny_b", input = { 3, 8, 8 }, classes = 5, stem = "cifar", block = "basic",
         stages = { 1, 1, 1 }, widths = { 4, 8, 16 }, shortcut = "B" }
