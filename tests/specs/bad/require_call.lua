-- expect: require_call.lua:2: error: 'require' is not available: specs run sandboxed
local m = require("os")
return m
