-- gen/tuning.lua: a tuning file, the per-machine measurements behind `generate --tuning FILE`
-- (tools/tune.sh writes it; docs/design.md, "Tuning"). Plain text:
--
--   # resnetc tuning 1                               the format, the first line
--   # isa: avx512                                    header lines "# key: value": isa is
--   # cpu: Intel Xeon ...  batch: 32  threads: 1 ... checked against --isa, the rest is
--                                                    provenance
--   conv3x3_s1_c16k16_h32w32 fwd f4  direct=1.234ms f2=0.981ms f4=0.712ms
--
-- One line per layer signature (the kernel name's shape part, gen/layers/conv.lua) and
-- direction (fwd: forward, also the eval forward; bwd_data; bwd_weights): the algorithm
-- chosen (direct, f2, f4) and the measured medians, which the generated kernel's comment
-- repeats. Other lines starting with '#' and blank lines are ignored. Errors name the file
-- and the line: a missing first line, a malformed line, an unknown direction or algorithm, a
-- line given twice, and (when the generator meets that layer: gen/winograd.lua, choose) an
-- algorithm that does not fit the layer's shape. A chosen algorithm that is not the fastest
-- listed is allowed (a hand edit; the comment says so). Signatures the model does not have
-- are ignored: one file may serve several models (resnet20, 56 and 110 share theirs).
local M = {}

local format = string.format

M.DIRECTIONS = { fwd = true, bwd_data = true, bwd_weights = true }
M.ALGOS = { direct = true, f2 = true, f4 = true }
M.ALGO_ORDER = { "direct", "f2", "f4" }
M.MAGIC = "# resnetc tuning 1"

local function fail(where, msg) error(format("%s: %s", where, msg), 0) end

-- Parse the text of a tuning file; `shown` names it in messages and comments.
-- Returns { name = shown, header = { key = value }, entries = { [sig .. " " .. dir] = entry } }
-- where entry = { sig, dir, algo, times = { [algo] = ms }, line, where }.
function M.parse(text, shown)
  local t = { name = shown, header = {}, entries = {}, order = {} }
  local n, first = 0, true
  for raw in (text:gsub("\r\n", "\n") .. (text:sub(-1) == "\n" and "" or "\n")):gmatch("([^\n]*)\n") do
    n = n + 1
    local where = format("%s:%d", shown, n)
    local line = raw:gsub("^%s+", ""):gsub("%s+$", "")
    if first then
      if line ~= M.MAGIC then fail(where, format("not a tuning file: expected '%s' on the first line", M.MAGIC)) end
      first = false
    elseif line:sub(1, 1) == "#" then
      local key, value = line:match("^#%s*([%w_]+):%s*(.-)$")
      if key then t.header[key] = value end
    elseif line ~= "" then
      local fields = {}
      for f in line:gmatch("%S+") do fields[#fields + 1] = f end
      local sig, dir, algo = fields[1], fields[2], fields[3]
      if not (sig and dir and algo) then
        fail(where, "expected 'SIGNATURE DIRECTION ALGORITHM [ALGO=TIMEms ...]'")
      end
      if not sig:match("^conv%d+x%d+_s%d+_c%d+k%d+_h%d+w%d+[_%w]*$") then
        fail(where, format("'%s' is not a conv layer signature (e.g. conv3x3_s1_c16k16_h32w32)", sig))
      end
      if not M.DIRECTIONS[dir] then
        fail(where, format("unknown direction '%s' (expected fwd, bwd_data or bwd_weights)", dir))
      end
      if not M.ALGOS[algo] then
        fail(where, format("unknown algorithm '%s' (expected direct, f2 or f4)", algo))
      end
      local times = {}
      for i = 4, #fields do
        local a, ms = fields[i]:match("^(%w+)=([%d.]+)ms$")
        if not a or not tonumber(ms) then
          fail(where, format("expected ALGO=TIMEms (e.g. f4=0.712ms), got '%s'", fields[i]))
        end
        if not M.ALGOS[a] then fail(where, format("unknown algorithm '%s' in '%s'", a, fields[i])) end
        if times[a] then fail(where, format("%s timed twice", a)) end
        times[a] = tonumber(ms)
      end
      local key = sig .. " " .. dir
      if t.entries[key] then
        fail(where, format("%s %s given twice (first on line %d)", sig, dir, t.entries[key].line))
      end
      t.entries[key] = { sig = sig, dir = dir, algo = algo, times = times, line = n, where = where }
      t.order[#t.order + 1] = key
    end
  end
  if first then fail(format("%s:1", shown), "empty file: not a tuning file") end
  return t
end

-- Read and parse a tuning file; `shown` as in parse (default: the path).
function M.load(path, shown)
  shown = shown or path
  local f, err = io.open(path, "rb")
  if not f then error(format("%s: cannot read the tuning file: %s", shown, err), 0) end
  local text = f:read("*a")
  f:close()
  return M.parse(text, shown)
end

-- Check the file against the ISA being generated: measurements of another ISA's kernels say
-- nothing about this one's.
function M.check_isa(t, isa)
  local want = t.header.isa
  if not want then error(format("%s: no '# isa: NAME' header line", t.name), 0) end
  if want ~= isa then
    error(format("%s: measured for ISA %s, but generating for %s (tune again with --isa %s)", t.name, want, isa, isa), 0)
  end
end

-- The entry for a signature and direction, or nil.
function M.lookup(t, sig, dir)
  return t and t.entries[sig .. " " .. dir]
end

-- "measured (file:line): f4 0.712 ms < f2 0.981 ms < direct 1.234 ms", fastest first, for the
-- kernel's comment.
function M.describe(entry)
  local list = {}
  for _, a in ipairs(M.ALGO_ORDER) do
    if entry.times[a] then list[#list + 1] = a end
  end
  table.sort(list, function(x, y)
    if entry.times[x] ~= entry.times[y] then return entry.times[x] < entry.times[y] end
    return x < y
  end)
  local parts = {}
  for _, a in ipairs(list) do parts[#parts + 1] = format("%s %.3f ms", a, entry.times[a]) end
  local text = format("measured (%s): %s", entry.where, #parts > 0 and table.concat(parts, " < ") or "no times given")
  if #list > 0 and list[1] ~= entry.algo then text = text .. format("; %s as the file says", entry.algo) end
  return text
end

return M
