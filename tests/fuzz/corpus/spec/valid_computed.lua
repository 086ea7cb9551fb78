-- fields computed by code (allowed: a spec may compute values)
local n = 3
local widths = {}
for i = 1, 3 do widths[#widths + 1] = 16 * 2 ^ (i - 1) end
return { name = string.format("resnet%d", 6 * n + 2), input = { 3, 32, 32 }, classes = 10,
         depth = 6 * n + 2, widths = widths, shortcut = ("b"):upper() }
