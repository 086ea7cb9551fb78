-- Winograd's partial tiles (gen/winograd.lua, templates/conv_winograd.c.in): maps that do not
-- divide into 2x2 or 4x4 tiles, 11x13 then 6x7 after a stride-2 stage entry, with channels in
-- whole vectors of every ISA (16, 32), so that F(2x2) and F(4x4) take every 3x3 stride-1 layer.
return { name = "wino_odd", input = { 3, 11, 13 }, classes = 4, stem = "cifar", block = "basic",
         stages = { 1, 1 }, widths = { 16, 32 }, shortcut = "B" }
