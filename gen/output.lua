-- gen/output.lua: write generated files all-or-nothing. Every file is rendered before
-- this runs; each is written to a temporary name and renamed over its target, and a file
-- whose content did not change is left alone so incremental builds stay fast.
local M = {}

-- Read a whole file, or nil.
local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

-- files: list of { name, content }. Creates dir if needed.
function M.write_all(dir, files)
  os.execute("mkdir -p '" .. dir:gsub("'", "'\\''") .. "'")
  local pending = {}
  for _, file in ipairs(files) do
    local path = dir .. "/" .. file[1]
    if slurp(path) ~= file[2] then
      local tmp = path .. ".tmp"
      local f, err = io.open(tmp, "wb")
      if not f then
        for _, t in ipairs(pending) do os.remove(t[1]) end
        error("cannot write " .. tmp .. ": " .. tostring(err), 0)
      end
      f:write(file[2])
      f:close()
      pending[#pending + 1] = { tmp, path }
    end
  end
  for _, t in ipairs(pending) do
    local ok, err = os.rename(t[1], t[2])
    if not ok then error("cannot rename " .. t[1] .. ": " .. tostring(err), 0) end
  end
end

return M
