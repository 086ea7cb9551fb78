local s = string.rep("ab", 1000000)
return { name = "x", input = { 1, 8, 8 }, classes = 2, widths = { 4 }, depth = 8,
         description = s:sub(1, 10) }
