-- expect: missing_name.lua: error: missing required field 'name'
return { input = { 3, 32, 32 }, classes = 10, depth = 20, widths = { 16, 32, 64 } }
