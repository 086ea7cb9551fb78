return { name = "x", input = { 1, 8, nil, 8 }, classes = 2, widths = { 4, [5] = 8 }, depth = 8 }
