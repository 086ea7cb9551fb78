-- Tiny residual net: option A shortcuts with all zero channels after the identity.
return { name = "tiny_a_end", input = { 3, 8, 8 }, classes = 5, stem = "cifar", block = "basic",
         stages = { 1, 1, 1 }, widths = { 4, 8, 16 }, shortcut = "A", shortcut_pad = "end" }
