-- Open bug in gen/spec.lua: the string.rep cap counts #s * n but not the separator, so a
-- 1-byte string repeated 40 times with a 20 MB separator makes 800 MB in one call.
local sep = string.rep("y", 20 * 1024 * 1024)
local big = string.rep("x", 40, sep)
return { name = "x", input = { 1, 8, 8 }, classes = 2, widths = { 4 }, depth = 8 }
