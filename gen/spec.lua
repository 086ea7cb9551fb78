-- gen/spec.lua: load a spec file as sandboxed Lua data, check it against the schema, and
-- normalize it (defaults filled in, `depth` turned into `stages`).
--
-- A spec is a Lua chunk that returns a table. It runs with no standard library but a few
-- pure functions, under an instruction and memory budget, so a spec can compute values
-- but cannot touch files, processes or the generator. Errors read like a compiler's:
--   specs/resnet56.lua:9: error: field 'shortcut': expected one of A, B, C, got 'D'
-- Does not build layers (gen/graph.lua does).
local M = {}

local format, concat, floor = string.format, table.concat, math.floor
local type, pairs, ipairs, tostring, pcall, load, error = type, pairs, ipairs, tostring, pcall, load, error
local sort = table.sort

local INSTRUCTION_LIMIT = 10000000 -- a spec is data: ten million VM instructions is plenty
local MEMORY_LIMIT_KB = 64 * 1024
local HOOK_EVERY = 1 -- the memory check must see every step: one concatenation can double a string

-- A spec error: carries the file and (where known) the line of the offending field.
local function fail(ctx, field, msg)
  error({ resnetc_spec_error = true, file = ctx.file, line = ctx.line_of(field), msg = msg }, 0)
end

-- Names a spec may use: pure functions only.
local function sandbox_env()
  local safe_string = {}
  for _, k in ipairs({ "byte", "char", "find", "format", "len", "lower", "match", "rep",
                       "reverse", "sub", "upper", "gmatch" }) do
    safe_string[k] = string[k]
  end
  -- library calls that run in C, outside the instruction count, are capped by size
  local LIMIT = MEMORY_LIMIT_KB * 1024
  safe_string.rep = function(s, n, sep)
    if type(n) == "number" and n > 0 and
       #tostring(s) * n + (sep and #tostring(sep) * (n - 1) or 0) > LIMIT then
      error("resnetc-limit: string.rep result too large", 2)
    end
    return string.rep(s, n, sep)
  end
  -- patterns backtrack in C: keep subjects and patterns small
  local function pattern_guard(name, f)
    return function(subject, pattern, init, plain)
      if not (name == "find" and plain) then
        local _, reps = tostring(pattern):gsub("[%*%+%-%?]", "")
        if #tostring(subject) > 256 or reps > 2 then
          error("resnetc-limit: string." .. name .. " on a long subject or a complex pattern", 2)
        end
      end
      return f(subject, pattern, init, plain)
    end
  end
  for _, k in ipairs({ "find", "match", "gmatch" }) do safe_string[k] = pattern_guard(k, string[k]) end
  local safe_math = {}
  for k, v in pairs(math) do if k ~= "random" and k ~= "randomseed" then safe_math[k] = v end end
  local safe_table = { insert = table.insert, remove = table.remove,
                       sort = table.sort, unpack = table.unpack or unpack }
  safe_table.concat = function(t, sep, i, j)
    local total = 0
    i, j = i or 1, j or #t
    for k = i, j do
      total = total + #tostring(t[k]) + (sep and #tostring(sep) or 0)
      if total > MEMORY_LIMIT_KB * 1024 then error("resnetc-limit: table.concat result too large", 2) end
    end
    return table.concat(t, sep, i, j)
  end
  -- the same message under LuaJIT and Lua 5.4 for anything outside the sandbox
  local function forbid(where)
    return { __index = function(_, k)
      error(format("'%s%s' is not available: specs run sandboxed (no os, io, require, load, dofile, debug, string.dump)",
                   where, tostring(k)), 2)
    end }
  end
  setmetatable(safe_string, forbid("string."))
  setmetatable(safe_math, forbid("math."))
  setmetatable(safe_table, forbid("table."))
  return setmetatable({
    ipairs = ipairs, pairs = pairs, next = next, select = select, type = type,
    tostring = tostring, tonumber = tonumber, error = error, assert = assert,
    string = safe_string, math = safe_math, table = safe_table,
  }, forbid(""))
end

-- Run `src` (named `file`) in the sandbox; returns the table it produced.
local function run_sandboxed(src, file, ctx)
  if src:sub(1, 1) == "\27" then fail(ctx, nil, "binary (precompiled) chunks are not accepted") end
  local env = sandbox_env()
  local chunk, err = load(src, "@" .. file, "t", env)
  if not chunk then
    local line, msg = err:match(":(%d+): (.*)$")
    error({ resnetc_spec_error = true, file = file, line = tonumber(line), msg = "syntax: " .. (msg or err) }, 0)
  end
  local dbg, steps = debug, 0
  local start_kb = collectgarbage("count")
  dbg.sethook(function()
    steps = steps + HOOK_EVERY
    -- the hook removes itself before raising, so nothing fires after pcall returns
    if steps > INSTRUCTION_LIMIT then
      dbg.sethook()
      error("resnetc-limit: the spec runs longer than " .. INSTRUCTION_LIMIT .. " instructions", 0)
    end
    if collectgarbage("count") - start_kb > MEMORY_LIMIT_KB then
      dbg.sethook()
      error("resnetc-limit: the spec uses more than " .. MEMORY_LIMIT_KB .. " KB of memory", 0)
    end
  end, "", HOOK_EVERY)
  -- methods on strings ("x"):rep(...) go through the string metatable: point it at the
  -- safe table while the spec runs, so string.dump and an uncapped rep are out of reach
  local string_mt = getmetatable("")
  local string_index = string_mt.__index
  string_mt.__index = env.string
  -- LuaJIT runs compiled traces without calling hooks: interpret the spec
  local luajit = rawget(_G, "jit")
  if luajit then luajit.off(chunk, true) end
  local ok, result = pcall(chunk)
  string_mt.__index = string_index
  dbg.sethook()
  if not ok then
    local msg = tostring(result)
    local line, text = msg:match("^[^:]*:(%d+): (.*)$")
    error({ resnetc_spec_error = true, file = file, line = tonumber(line), msg = text or msg }, 0)
  end
  if type(result) ~= "table" then
    fail(ctx, nil, "a spec must return a table, got " .. type(result))
  end
  return result
end

-- Find the line where `field` (a top-level key) is first assigned, for error messages.
local function line_finder(src)
  local lines = {}
  for l in (src .. "\n"):gmatch("(.-)\n") do lines[#lines + 1] = l end
  return function(field)
    if not field then return nil end
    local key = field:match("^([%a_][%w_]*)")
    if not key then return nil end
    for i, l in ipairs(lines) do
      local code = l:gsub("%-%-.*$", "")
      if code:find("%f[%w_]" .. key .. "%s*=") then return i end
    end
    return nil
  end
end

-- What a value looks like in a message.
local function show(v)
  if type(v) == "string" then return "'" .. v .. "'" end
  if type(v) == "table" then return "a table" end
  return tostring(v)
end

local function is_int(v) return type(v) == "number" and v == floor(v) and v > -2^53 and v < 2^53 end

-- Schema checkers: each takes (ctx, path, value) and fails with a message naming the path.
local function positive_int(max)
  return function(ctx, path, v)
    if not is_int(v) then fail(ctx, path, format("field '%s': expected a positive integer, got %s", path, show(v))) end
    if v < 1 then fail(ctx, path, format("field '%s': expected a positive integer, got %s", path, show(v))) end
    if max and v > max then fail(ctx, path, format("field '%s': %d exceeds the limit %d", path, v, max)) end
  end
end

local function one_of(...)
  local choices = { ... }
  return function(ctx, path, v)
    for _, c in ipairs(choices) do if v == c then return end end
    fail(ctx, path, format("field '%s': expected one of %s, got %s", path, concat(choices, ", "), show(v)))
  end
end

local function boolean(ctx, path, v)
  if type(v) ~= "boolean" then fail(ctx, path, format("field '%s': expected true or false, got %s", path, show(v))) end
end

local function string_matching(pattern, what)
  return function(ctx, path, v)
    if type(v) ~= "string" or not v:match(pattern) then
      fail(ctx, path, format("field '%s': expected %s, got %s", path, what, show(v)))
    end
  end
end

-- An array of exactly `len` (or any length >= 1 when nil) elements, each checked by `elem`.
local function array_of(elem, len, max_len)
  return function(ctx, path, v)
    if type(v) ~= "table" then fail(ctx, path, format("field '%s': expected an array, got %s", path, show(v))) end
    local n = #v
    for k in pairs(v) do
      if not is_int(k) or k < 1 or k > n then
        fail(ctx, path, format("field '%s': expected an array, found key %s", path, show(k)))
      end
    end
    if len and n ~= len then fail(ctx, path, format("field '%s': expected %d elements, got %d", path, len, n)) end
    if n == 0 then fail(ctx, path, format("field '%s': expected at least one element", path)) end
    if max_len and n > max_len then fail(ctx, path, format("field '%s': at most %d elements, got %d", path, max_len, n)) end
    for i = 1, n do elem(ctx, format("%s[%d]", path, i), v[i]) end
  end
end

-- The schema: every field a spec may set, in the order they are documented.
local SCHEMA = {
  { "name", string_matching("^[%a_][%w_]*$", "a C identifier (letters, digits, _)"), required = true },
  { "description", string_matching(".", "a non-empty string") },
  { "input", array_of(positive_int(4096), 3), required = true },
  { "classes", positive_int(1000000), required = true },
  { "stem", one_of("cifar", "imagenet") },
  { "stem_width", positive_int(65536) },
  { "block", one_of("basic", "bottleneck") },
  { "depth", positive_int(100000) },
  { "stages", array_of(positive_int(10000), nil, 16) },
  { "widths", array_of(positive_int(65536), nil, 16), required = true },
  { "shortcut", one_of("A", "B", "C") },
  { "plain", boolean },
  { "bottleneck_stride", one_of("3x3", "1x1") },
  { "shortcut_pad", one_of("both", "end") },
}
M.SCHEMA = SCHEMA

-- ImageNet depths of the paper (Table 1).
local IMAGENET_DEPTHS = {
  [18] = { "basic", { 2, 2, 2, 2 } }, [34] = { "basic", { 3, 4, 6, 3 } },
  [50] = { "bottleneck", { 3, 4, 6, 3 } }, [101] = { "bottleneck", { 3, 4, 23, 3 } },
  [152] = { "bottleneck", { 3, 8, 36, 3 } },
}

-- The most residual blocks a network may have: its layer graph (gen/resnet.lua) takes about
-- 16 KB a block, so that the loader and the graph stay within the 64 MB the spec fuzzer holds
-- them to (tests/fuzz/spec_fuzz.lua; depth = 100000 took 812 MB).
local MAX_BLOCKS = 1000

-- Turn `depth` into stages by the paper's rules, or check that both agree.
local function resolve_depth(ctx, s)
  local nst = #s.widths
  if s.depth then
    local stages
    if s.stem == "cifar" then
      -- CIFAR (section 4.2): 2 layers per basic block (3 per bottleneck) per stage, + stem + fc
      local per = s.block == "basic" and 2 or 3
      local n = (s.depth - 2) / (per * nst)
      if n ~= floor(n) or n < 1 then
        fail(ctx, "depth", format("field 'depth': %d is not %dn+2 for %d stages of %s blocks (CIFAR rule, section 4.2)",
          s.depth, per * nst, nst, s.block))
      end
      stages = {}
      for i = 1, nst do stages[i] = n end
    else
      local known = IMAGENET_DEPTHS[s.depth]
      if not known then
        fail(ctx, "depth", format("field 'depth': %d is not an ImageNet depth of the paper (18, 34, 50, 101, 152); give 'stages' instead", s.depth))
      end
      if known[1] ~= s.block then
        fail(ctx, "depth", format("field 'depth': depth %d uses %s blocks, but block is '%s'", s.depth, known[1], s.block))
      end
      if nst ~= 4 then fail(ctx, "widths", format("field 'widths': depth %d has 4 stages, got %d widths", s.depth, nst)) end
      stages = known[2]
    end
    if s.stages then
      for i = 1, math.max(#stages, #s.stages) do
        if stages[i] ~= s.stages[i] then
          fail(ctx, "stages", format("field 'stages': does not match depth %d (expected {%s})", s.depth, concat(stages, ", ")))
        end
      end
    end
    s.stages = stages
  elseif not s.stages then
    fail(ctx, nil, "one of 'depth' or 'stages' is required")
  end
  if #s.stages ~= nst then
    fail(ctx, "widths", format("field 'widths': %d widths for %d stages", nst, #s.stages))
  end
  -- depth as the paper counts it: weighted layers on the main path
  local per = s.block == "basic" and 2 or 3
  local blocks = 0
  for _, b in ipairs(s.stages) do blocks = blocks + b end
  if blocks > MAX_BLOCKS then
    local field = s.depth and "depth" or "stages"
    fail(ctx, field, format("field '%s': %d residual blocks in all, at most %d (the paper's deepest, ResNet-1202, has 600)",
      field, blocks, MAX_BLOCKS))
  end
  s.depth = blocks * per + 2
end

-- Validate and normalize a loaded spec table in place.
local function check(ctx, s)
  local known = {}
  for _, f in ipairs(SCHEMA) do known[f[1]] = true end
  local keys = {}
  for k in pairs(s) do keys[#keys + 1] = tostring(k) end
  sort(keys)
  for _, k in ipairs(keys) do
    if not known[k] then
      local names = {}
      for _, f in ipairs(SCHEMA) do names[#names + 1] = f[1] end
      fail(ctx, k, format("unknown field '%s' (known fields: %s)", k, concat(names, ", ")))
    end
  end
  for _, f in ipairs(SCHEMA) do
    local v = s[f[1]]
    if v == nil then
      if f.required then fail(ctx, nil, format("missing required field '%s'", f[1])) end
    else
      f[2](ctx, f[1], v)
    end
  end
  s.stem = s.stem or "cifar"
  s.block = s.block or "basic"
  s.plain = s.plain or false
  s.bottleneck_stride = s.bottleneck_stride or "3x3"
  if s.plain and s.shortcut then
    fail(ctx, "shortcut", "field 'shortcut': a plain network has no shortcuts; remove 'shortcut' or 'plain'")
  end
  if s.shortcut_pad and (s.plain or (s.shortcut or "A") ~= "A") then
    fail(ctx, "shortcut_pad", "field 'shortcut_pad': only applies to option A shortcuts")
  end
  if not s.plain then s.shortcut = s.shortcut or (s.stem == "cifar" and "A" or "B") end
  if s.shortcut == "A" then s.shortcut_pad = s.shortcut_pad or "both" end
  if s.block ~= "bottleneck" and ctx.given.bottleneck_stride then
    fail(ctx, "bottleneck_stride", "field 'bottleneck_stride': only applies to bottleneck blocks")
  end
  s.stem_width = s.stem_width or s.widths[1]
  resolve_depth(ctx, s)
  if s.shortcut == "A" then
    -- option A pads channels with zeros: it cannot drop any
    local c = s.stem_width
    for i, w in ipairs(s.widths) do
      local out = s.block == "bottleneck" and 4 * w or w
      if out < c then
        fail(ctx, "widths", format("field 'widths[%d]': shortcut A cannot shrink %d channels to %d (widths must not decrease)",
          i, c, out))
      end
      c = out
    end
  end
  -- shapes must stay non-empty through the stem and every stride-2 stage
  local h, w = s.input[2], s.input[3]
  local min = s.stem == "imagenet" and 4 or 1
  for _ = 2, #s.stages do min = min * 2 end
  if h < min or w < min then
    fail(ctx, "input", format("field 'input': %dx%d is too small for this stem and %d stages (at least %dx%d)",
      h, w, #s.stages, min, min))
  end
  return s
end

-- Load, check and normalize the spec at `path`. Raises a spec error table on failure.
function M.load(path, display)
  display = display or path
  local f = io.open(path, "rb")
  if not f then
    error({ resnetc_spec_error = true, file = display, msg = "cannot open spec file" }, 0)
  end
  local src = f:read("*a")
  f:close()
  local ctx = { file = display, line_of = line_finder(src), given = {} }
  local s = run_sandboxed(src, display, ctx)
  local copy = {}
  for k, v in pairs(s) do copy[k] = v; ctx.given[k] = true end
  return check(ctx, copy)
end

-- Format a spec error for stderr, compiler style.
function M.format_error(e)
  if type(e) == "table" and e.resnetc_spec_error then
    if e.line then return format("%s:%d: error: %s", e.file, e.line, e.msg) end
    return format("%s: error: %s", e.file, e.msg)
  end
  return nil
end

return M
