-- Tiny residual net for gradient checks: option A shortcuts (padding on both sides).
return { name = "tiny_a", input = { 3, 8, 8 }, classes = 5, stem = "cifar", block = "basic",
         stages = { 1, 1, 1 }, widths = { 4, 8, 16 }, shortcut = "A" }
