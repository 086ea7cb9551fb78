-- tests/fuzz/spec_fuzz.lua: a deterministic random-mutation fuzzer for the spec loader
-- (gen/spec.lua: sandboxed loading, schema, normalization) and the layer-graph build that
-- follows it (gen/resnet.lua, gen/summary.lua). libFuzzer is for C; the loader is Lua, so
-- this driver does the same job in Lua, under LuaJIT or Lua 5.4.
--
--   spec_fuzz.lua --root DIR --replay PATH...        run every spec file (or directory of
--        them) once, each in a child process (5 s, 4 GB address space); exit 1 on any finding
--   spec_fuzz.lua --root DIR --fuzz SECONDS --out DIR [--seed N] CORPUS_DIR...
--        mutate the corpus for SECONDS, in process; findings are written to DIR as
--        finding_<n>_<kind>.lua, and the case being run to DIR/current.lua (so a hang that
--        an outer `timeout` kills leaves its input behind); exit 1 on any finding.
--   spec_fuzz.lua --root DIR --one FILE             one case, in process (the child)
--
-- A finding is: an error that is not a spec error (an internal error: the generator must
-- answer bad input with a compiler-style message), a spec that escapes the sandbox (the
-- sentinel file /tmp/resnetc-sandbox-escaped appears), a case that leaves the string
-- metatable or a debug hook changed, a case taking over 5 s of CPU, or (replay) a child
-- that crashes or runs past 5 s, or a case whose peak memory grows by more than 512 MB
-- (the loader promises 64 MB). Mutations: byte edits, number and string substitutions
-- with boundary values, line deletion/duplication/splicing across corpus files, and
-- insertion of hostile snippets (sandbox escapes, allocation and loop bombs).
-- The pseudo-random generator is a Park-Miller LCG, so a seed gives the same cases under
-- both interpreters.
local args = { ... }
local root, mode, seconds, out_dir, seed, inputs = ".", nil, 0, nil, 1, {}
local i = 1
while i <= #args do
  local a = args[i]
  if a == "--root" then root = args[i + 1]; i = i + 2
  elseif a == "--replay" then mode = "replay"; i = i + 1
  elseif a == "--fuzz" then mode = "fuzz"; seconds = tonumber(args[i + 1]); i = i + 2
  elseif a == "--out" then out_dir = args[i + 1]; i = i + 2
  elseif a == "--seed" then seed = tonumber(args[i + 1]); i = i + 2
  elseif a == "--one" then mode = "one"; inputs[#inputs + 1] = args[i + 1]; i = i + 2
  else inputs[#inputs + 1] = a; i = i + 1 end
end
if not mode then io.stderr:write("spec_fuzz.lua: need --replay, --fuzz or --one\n"); os.exit(2) end

package.path = root .. "/gen/?.lua;" .. package.path
local spec_mod = require("spec")
local resnet = require("resnet")
local summary = require("summary")

local SENTINEL = "/tmp/resnetc-sandbox-escaped"
local interp = arg and arg[-1] or "luajit"
local script = arg and arg[0] or "spec_fuzz.lua"

local function read(path)
  local f = io.open(path, "rb"); if not f then return nil end
  local s = f:read("*a"); f:close(); return s
end
local function write(path, s)
  local f = assert(io.open(path, "wb")); f:write(s); f:close()
end
local function exists(path)
  local f = io.open(path, "rb"); if f then f:close(); return true end; return false
end

-- Peak resident memory of this process in KB (VmHWM), and its reset (Linux: writing 5 to
-- /proc/self/clear_refs); nil where /proc is not there.
local function peak_kb()
  local st = read("/proc/self/status")
  return st and tonumber(st:match("VmHWM:%s*(%d+)"))
end
local function reset_peak()
  local f = io.open("/proc/self/clear_refs", "w")
  if f then f:write("5"); f:close() end
end
local MEMORY_FINDING_KB = 512 * 1024 -- the loader's budget is 64 MB; 512 MB is a blow-up

-- Files of a directory (sorted), through ls (plain Lua has no directory listing).
local function list(dir)
  local p = io.popen('ls -1 "' .. dir .. '" 2>/dev/null')
  local names = {}
  for l in p:lines() do if not l:match("^%.") then names[#names + 1] = dir .. "/" .. l end end
  p:close()
  table.sort(names)
  return names
end
local function expand(paths)
  local files = {}
  for _, p in ipairs(paths) do
    local entries = list(p)
    if #entries > 0 then for _, e in ipairs(entries) do files[#files + 1] = e end
    elseif exists(p) and read(p) ~= nil then files[#files + 1] = p end
  end
  return files
end

-- One case: returns nil (fine) or kind, message (a finding).
local string_index = getmetatable("").__index
local function run_case(path)
  os.remove(SENTINEL)
  collectgarbage("collect")
  reset_peak()
  local base = peak_kb()
  local t0 = os.clock()
  local ok, err = pcall(function()
    local s = spec_mod.load(path, "case.lua")
    local g = resnet.build(s)
    summary.render(g)
  end)
  local dt = os.clock() - t0
  if getmetatable("").__index ~= string_index then
    getmetatable("").__index = string_index
    return "leak", "the string metatable was left changed"
  end
  if debug.gethook() then debug.sethook(); return "leak", "a debug hook was left set" end
  if exists(SENTINEL) then os.remove(SENTINEL); return "escape", "the spec wrote " .. SENTINEL end
  if not ok and not spec_mod.format_error(err) then
    return "internal", "not a spec error: " .. tostring(err)
  end
  local peak = peak_kb()
  collectgarbage("collect")
  if base and peak and peak - base > MEMORY_FINDING_KB then
    return "memory", string.format("peak memory grew by %d MB (the spec budget is 64 MB)",
                                   math.floor((peak - base) / 1024))
  end
  if dt > 5 then return "slow", string.format("%.1f s of CPU", dt) end
  return nil
end

if mode == "one" then
  local kind, msg = run_case(inputs[1])
  if kind then io.stderr:write(kind, ": ", msg, "\n"); os.exit(3) end
  os.exit(0)
end

if mode == "replay" then
  local files = expand(inputs)
  local bad = 0
  for _, f in ipairs(files) do
    -- 5 s and 4 GB of address space: a bomb must not take the machine with it
    local p = io.popen(string.format('(ulimit -v 4000000; timeout 5 "%s" "%s" --root "%s" --one "%s") 2>&1; echo "exit=$?"',
                                     interp, script, root, f))
    local m = p:read("*a"); p:close()
    local code = tonumber(m:match("exit=(%d+)%s*$")) or -1
    m = m:gsub("exit=%d+%s*$", ""):gsub("%s+$", "")
    if code ~= 0 then
      bad = bad + 1
      local verdict = code == 3 and "FINDING" or code == 124 and "HANG (over 5 s)"
                      or ("CRASH (exit " .. tostring(code) .. ")")
      print(string.format("replay: %s: %s %s", f, verdict, m))
    else
      print(string.format("replay: %s: ok", f))
    end
  end
  print(string.format("replay: %d spec inputs, %d findings", #files, bad))
  os.exit((bad == 0 and #files > 0) and 0 or 1)
end

-- Fuzzing ---------------------------------------------------------------------------
local state = (seed % 2147483646) + 1
local function rand(n) -- 1..n
  state = (48271 * state) % 2147483647
  return state % n + 1
end
local function pick(t) return t[rand(#t)] end

local NUMBERS = { "0", "-1", "1", "2", "3", "7", "64", "4096", "4097", "65536", "65537",
  "100000", "1000000", "1000001", "2^31", "2^53", "2^63", "1e308", "-1e308", "0/0", "1/0",
  "-1/0", "0.5", "-0", "3.0", "1e-300", "2^53+1", "0x7fffffff", "'8'", "nil", "true", "{}" }
local STRINGS = { "'A'", "'B'", "'C'", "'D'", "'basic'", "'bottleneck'", "'cifar'", "'imagenet'",
  "''", "'3x3'", "'1x1'", "'both'", "'end'", "'x'", "'resnet20'", "'1bad'", "'a b'",
  "'\\0'", "'__metadata__'", "string.rep('w', 300)" }
local SNIPPETS = {
  "os.execute('touch " .. SENTINEL .. "')",
  "io.open('" .. SENTINEL .. "', 'w')",
  "require('os').execute('touch " .. SENTINEL .. "')",
  "load('return 1')()",
  "dofile('/etc/passwd')",
  "getmetatable('').__index.rep('x', 1e9)",
  "('x'):rep(2^40)",
  "string.dump(function() end)",
  "debug.sethook()",
  "collectgarbage('stop')",
  "setmetatable({}, {__gc = function() end})",
  "rawset(_G, 'x', 1)",
  "_G.os = nil",
  "_ENV = nil",
  "local t = {} for i = 1, 1e7 do t[i] = i end",
  "while true do end",
  "repeat local x = {} until false",
  "error({ resnetc_spec_error = true, file = 'x', msg = 'fake' })",
  "error(nil)",
  "error(setmetatable({}, {}))",
  "error(string.rep('e', 1e6))",
  "assert(false, {})",
  "coroutine.wrap(function() end)()",
  "select(-1)",
  "tostring(nil):len()",
  "string.format('%d', 1.5)",
  "string.format('%s', {})",
  "table.concat({{}})",
  "table.sort({3, 1, 2}, function() return true end)",
  "math.floor('x')",
  "pairs(nil)",
  "next({}, 'nope')",
  "(nil)()",
  "local x = 1 // 0",
  "goto done ::done::",
  "return",
  "return nil",
  "return 1",
  "return ''",
  "return function() end",
  "return setmetatable",
  "return {name = 'x', input = {1, 8, 8}, classes = 2, widths = {4}, depth = 8}",
  "return {name = 'x', input = {1, 8, 8}, classes = 2, widths = {4}, stages = {1}, [1] = 3}",
  "return {name = 'x', input = {1, 8, 8}, classes = 2, widths = {4, nil, 8}, depth = 8}",
  "return {name = 'x', input = {3, 4096, 4096}, classes = 1000000, widths = {65536}, stages = {1}}",
}

-- Snippets of earlier findings, all fixed (tests/fuzz/regressions/spec/): they stay in the
-- mix so that a fix that regresses is found again by routine runs, not only by the replays.
for _, k in ipairs({
  "local s = 'x' for i = 1, 40 do s = s .. s end",                       -- concat_doubling
  "local s = string.rep('x', 2^24) local t = {} for i = 1, 64 do t[i] = s end s = table.concat(t)",
  "local s = string.rep('x', 40, string.rep('y', 2^24))",                 -- rep_separator_bomb
  "string.find(string.rep('a', 30), string.rep('a*', 30) .. 'b')",        -- pattern_backtracking
}) do SNIPPETS[#SNIPPETS + 1] = k end

local corpus = {}
for _, f in ipairs(expand(inputs)) do
  local s = read(f)
  if s and #s < 100000 then corpus[#corpus + 1] = s end
end
assert(#corpus > 0, "spec_fuzz.lua: empty corpus")

local function lines_of(s)
  local t = {}
  for l in (s .. "\n"):gmatch("(.-)\n") do t[#t + 1] = l end
  return t
end

local function mutate(src)
  local kind = rand(9)
  if kind == 1 and #src > 0 then -- byte edit
    local p = rand(#src)
    local op = rand(3)
    local c = string.char(rand(256) - 1)
    if op == 1 then return src:sub(1, p - 1) .. c .. src:sub(p + 1)
    elseif op == 2 then return src:sub(1, p - 1) .. c .. src:sub(p)
    else return src:sub(1, p - 1) .. src:sub(p + 1) end
  elseif kind == 2 or kind == 3 then -- replace the k-th number
    local n, k, done = 0, nil, false
    for _ in src:gmatch("%f[%w]%d+%f[^%w]") do n = n + 1 end
    if n == 0 then return src .. "\n" .. pick(SNIPPETS) end
    k = rand(n)
    return (src:gsub("%f[%w]%d+%f[^%w]", function(d)
      k = k - 1
      if k == 0 and not done then done = true; return pick(NUMBERS) end
      return d
    end))
  elseif kind == 4 then -- replace the k-th quoted string
    local n = 0
    for _ in src:gmatch('"[^"\n]*"') do n = n + 1 end
    if n == 0 then return src:gsub("(=%s*)(%d+)", "%1" .. pick(STRINGS), 1) end
    local k = rand(n)
    return (src:gsub('"[^"\n]*"', function(q) k = k - 1; if k == 0 then return pick(STRINGS) end; return q end))
  elseif kind == 5 then -- delete or duplicate a line
    local ls = lines_of(src)
    local p = rand(#ls)
    if rand(2) == 1 then table.remove(ls, p) else table.insert(ls, p, ls[p]) end
    return table.concat(ls, "\n")
  elseif kind == 6 then -- splice a line from another corpus file
    local ls, other = lines_of(src), lines_of(pick(corpus))
    table.insert(ls, rand(#ls + 1), other[rand(#other)])
    return table.concat(ls, "\n")
  elseif kind == 7 then -- insert a hostile snippet before a random line
    local ls = lines_of(src)
    table.insert(ls, rand(#ls + 1), pick(SNIPPETS))
    return table.concat(ls, "\n")
  elseif kind == 8 then -- set or override a field
    local fields = { "name", "input", "classes", "stem", "stem_width", "block", "depth",
                     "stages", "widths", "shortcut", "plain", "bottleneck_stride",
                     "shortcut_pad", "description", "unknown_field" }
    local vals = { pick(NUMBERS), pick(STRINGS), "{" .. pick(NUMBERS) .. "}",
                   "{" .. pick(NUMBERS) .. ", " .. pick(NUMBERS) .. ", " .. pick(NUMBERS) .. "}",
                   "{}", "true", "false", "{{}}", "{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}" }
    local f, v = pick(fields), pick(vals)
    local replaced, n = src:gsub("(%f[%w_]" .. f .. "%s*=%s*)[^\n,]*", "%1" .. v, 1)
    if n > 0 then return replaced end
    return (src:gsub("return%s*{", "return { " .. f .. " = " .. v .. ",", 1))
  else -- truncate
    return src:sub(1, rand(#src + 1) - 1)
  end
end

assert(out_dir, "spec_fuzz.lua: --fuzz needs --out DIR")
os.execute('mkdir -p "' .. out_dir .. '"')
local case_path = out_dir .. "/case.lua"
local current = out_dir .. "/current.lua"
local t_end = os.time() + seconds
local runs, findings, kinds = 0, 0, {}
while os.time() < t_end do
  local src = pick(corpus)
  for _ = 1, rand(3) do src = mutate(src) end
  write(case_path, src)
  write(current, src)
  local kind, msg = run_case(case_path)
  runs = runs + 1
  if kind then
    findings = findings + 1
    kinds[kind] = (kinds[kind] or 0) + 1
    local name = string.format("%s/finding_%d_%s.lua", out_dir, findings, kind)
    write(name, src)
    print(string.format("spec_fuzz: %s: %s (saved as %s)", kind, msg, name))
  elseif rand(20) == 1 and #corpus < 2000 then
    corpus[#corpus + 1] = src -- keep some survivors as new seeds
  end
end
os.remove(current)
os.remove(case_path)
print(string.format("spec_fuzz: %d cases in %d s (seed %d), %d findings",
                    runs, seconds, seed, findings))
os.exit(findings == 0 and 0 or 1)
