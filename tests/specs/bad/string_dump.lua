-- expect: string_dump.lua:2: error: 'string.dump' is not available: specs run sandboxed
local s = ("x").dump(function() end)
return s
