-- Open bug in gen/spec.lua (found while triaging concat_doubling): table.concat is in the
-- sandbox unchecked; 50 references to one 20 MB string make a 1 GB result in ONE call,
-- between two budget checks.
local s = string.rep("x", 20 * 1024 * 1024)
local t = {}
for i = 1, 50 do t[i] = s end
local big = table.concat(t)
return { name = "x", input = { 1, 8, 8 }, classes = 2, widths = { 4 }, depth = 8 }
