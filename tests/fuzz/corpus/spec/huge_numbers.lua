return { name = "x", input = { 1, 2^53, 1/0 }, classes = 0/0, widths = { 1e308 }, depth = -0 }
