-- expect: error: resnetc-limit:
local t = {}
for i = 1, 100000000 do t[i] = { i, i, i } end
return t
