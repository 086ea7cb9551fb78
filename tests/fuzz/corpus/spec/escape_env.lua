local e = _ENV or _G
local o = e and e.os
if o then o.execute("touch /tmp/resnetc-sandbox-escaped") end
return { name = "x", input = { 1, 8, 8 }, classes = 2, widths = { 4 }, depth = 8 }
