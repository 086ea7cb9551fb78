-- expect: os_execute.lua:3: error: 'os' is not available: specs run sandboxed
local _ = 1
os.execute("touch /tmp/resnetc-pwned")
return { name = "x", input = { 3, 32, 32 }, classes = 10, depth = 20, widths = { 16, 32, 64 } }
