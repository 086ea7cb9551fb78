-- gen/strict.lua: make reads and writes of undeclared globals an error in the generator.
-- Loaded first by the entry point; modules keep everything local, so any global access
-- is a bug (a typo, a missing `local`).
local mt = getmetatable(_G) or {}
mt.__newindex = function(_, k) error("assignment to undeclared global '" .. tostring(k) .. "'", 2) end
mt.__index = function(_, k) error("read of undeclared global '" .. tostring(k) .. "'", 2) end
setmetatable(_G, mt)
