local t = setmetatable({}, { __gc = function() os.exit(0) end })
