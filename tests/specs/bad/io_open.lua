-- expect: io_open.lua:2: error: 'io' is not available: specs run sandboxed
local f = io.open("/etc/passwd")
return { name = "x", input = { 3, 32, 32 }, classes = 10, depth = 20, widths = { 16, 32, 64 }, f = f }
