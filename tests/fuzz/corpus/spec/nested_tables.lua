return { name = { "x" }, input = { { 1 }, 8, 8 }, classes = {}, widths = { { 4 } }, depth = { 8 } }
