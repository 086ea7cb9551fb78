-- gen/template.lua: C templates with a tiny line-oriented syntax (after XNNPACK's xngen).
--
--   $ lua code            a line whose first non-blank character is '$' (not '${') is Lua
--   text ${expr} text     any other line is output, each ${expr} replaced by its value
--
-- Values substitute as themselves (strings) or as integers (numbers must be integral:
-- floats in C text are formatted by the caller, so LuaJIT and Lua 5.4 emit identical
-- bytes). Reading an undefined name in a template is an error, not a silent nil.
-- Provides compile and render; does not know about C or layers.
local M = {}

local concat, format, floor = table.concat, string.format, math.floor
local setmetatable, tostring, type, error, load = setmetatable, tostring, type, error, load

-- Format one substituted value.
local function subst(v, where)
  local t = type(v)
  if t == "string" then return v end
  if t == "number" then
    if v ~= floor(v) then error(where .. ": non-integer number " .. tostring(v) .. " substituted", 0) end
    return format("%d", v)
  end
  error(where .. ": cannot substitute a " .. t, 0)
end

-- Translate template source into Lua source that appends to table _o.
local function translate(src, name)
  local code, lineno = { "local _o, _s = ...\n" }, 0
  if src:sub(-1) ~= "\n" then src = src .. "\n" end
  for line in src:gmatch("(.-)\n") do
    lineno = lineno + 1
    local lua = line:match("^%s*%$(.*)$")
    if lua and lua:sub(1, 1) ~= "{" then
      code[#code + 1] = lua .. "\n"
    else
      local parts, pos = {}, 1
      while true do
        local a, b = line:find("%${", pos)
        if not a then break end
        local depth, e = 1, b + 1
        while e <= #line and depth > 0 do
          local ch = line:sub(e, e)
          if ch == "{" then depth = depth + 1 elseif ch == "}" then depth = depth - 1 end
          e = e + 1
        end
        if depth > 0 then error(format("%s:%d: unclosed ${", name, lineno), 0) end
        if a > pos then parts[#parts + 1] = format("%q", line:sub(pos, a - 1)) end
        parts[#parts + 1] = format("_s(%s, %q)", line:sub(b + 1, e - 2), name .. ":" .. lineno)
        pos = e
      end
      if pos <= #line then parts[#parts + 1] = format("%q", line:sub(pos)) end
      parts[#parts + 1] = '"\\n"'
      code[#code + 1] = "_o[#_o+1] = " .. concat(parts, " .. ") .. "\n"
    end
  end
  return concat(code)
end

-- Compile template text; returns render(params) -> string. `base` holds names every
-- template may use (helpers); params shadow it.
function M.compile(src, name, base)
  local lua = translate(src, name)
  return function(params)
    local env = setmetatable({}, { __index = function(_, k)
      local v = params[k]
      if v == nil and base then v = base[k] end
      if v == nil then error(name .. ": undefined template name '" .. tostring(k) .. "'", 0) end
      return v
    end })
    local chunk, err = load(lua, "@" .. name, "t", env)
    if not chunk then error(err, 0) end
    local out = {}
    chunk(out, subst)
    return concat(out)
  end
end

-- Cache of compiled templates by file path.
local cache = {}

-- Render templates/<file> with params; `dir` is the templates folder.
function M.render_file(dir, file, params, base)
  local path = dir .. "/" .. file
  local render = cache[path]
  if not render then
    local f = assert(io.open(path, "rb"), "cannot open template " .. path)
    local src = f:read("*a")
    f:close()
    render = M.compile(src, "templates/" .. file, base)
    cache[path] = render
  end
  return render(params)
end

return M
