-- Found by tests/fuzz/spec_fuzz.lua (open bug in gen/spec.lua): the memory budget (64 MB) is
-- checked every 1000 VM instructions, but 40 doublings take ~200 instructions, so the
-- string grows to gigabytes (3 GB under LuaJIT, unbounded under Lua 5.4) before a check.
local s = 'x' for i = 1, 40 do s = s .. s end
return { name = "x", input = { 1, 8, 8 }, classes = 2, widths = { 4 }, depth = 8 }
