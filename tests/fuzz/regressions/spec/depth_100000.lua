return { name = "x", input = { 1, 8, 8 }, classes = 2, widths = { 4 }, depth = 100000 }
