-- gen/resnetc.lua: the resnetc generator's command line.
--
--   resnetc.lua summary  SPEC                        per-layer table and exact totals
--   resnetc.lua generate SPEC --out DIR [--name N] [--isa generic|avx2|avx512] [--mode full|infer]
--                        [--conv auto|direct|f2|f4]  write DIR/N.c, DIR/N.h, DIR/N_main.c
--                        [--tuning FILE]             (--mode infer: DIR/N_infer.c, DIR/N_infer.h,
--                        [--entries layers|all]      eval-mode forward without the runtime;
--                        [--micro-batch-bytes B]     --conv: the 3x3 stride-1 algorithm, gen/winograd.lua;
--                                                    --tuning: measured choices for auto, gen/tuning.lua;
--                                                    --entries all: every algorithm's conv entry
--                                                    points, the tuning program of tools/tune.sh;
--                                                    --micro-batch-bytes: the cache that eval mode's
--                                                    micro-batches may fill, 0 for none, gen/microbatch.lua)
--   resnetc.lua check    SPEC                        validate only
--   resnetc.lua isa      NAME                        the ISA's compile flags and CPU features
--                                                    (gen/isa.lua), two lines, for CMake
--
-- Runs under LuaJIT or Lua 5.4 and emits identical bytes under both. On any error it
-- prints a compiler-style message, writes no output file, and exits 1.
local script_dir = (arg and arg[0] or ""):match("^(.*)[/\\]") or "."
package.path = script_dir .. "/?.lua;" .. package.path
local root = script_dir:match("^(.*)[/\\]gen$") or (script_dir == "gen" and "." or script_dir .. "/..")

require("strict")
local spec_mod = require("spec")
local resnet = require("resnet")
local summary = require("summary")

local VERSION = "0.1.0"

local function usage()
  io.stderr:write([[
usage: resnetc.lua summary  SPEC
       resnetc.lua check    SPEC
       resnetc.lua generate SPEC --out DIR [--name NAME] [--isa generic|avx2|avx512] [--mode full|infer]
                            [--conv auto|direct|f2|f4] [--tuning FILE] [--entries layers|all]
                            [--micro-batch-bytes BYTES]
       resnetc.lua isa      NAME
]])
  os.exit(2)
end

-- Parse "--flag value" pairs after the spec.
local function parse_flags(args, first, allowed)
  local flags = {}
  local i = first
  while i <= #args do
    local a = args[i]
    local name = a:match("^%-%-([%w-]+)$")
    if not name or not allowed[name] then
      io.stderr:write("resnetc: unknown argument '" .. a .. "'\n")
      usage()
    end
    if args[i + 1] == nil then
      io.stderr:write("resnetc: missing value for --" .. name .. "\n")
      usage()
    end
    flags[name] = args[i + 1]
    i = i + 2
  end
  return flags
end

-- The spec path as shown in generated files: relative to the resnetc root when inside it,
-- so that generated output does not depend on where the checkout lives.
local function display_path(path)
  local function abs(p)
    if p:sub(1, 1) == "/" then return p end
    local pwd = os.getenv("PWD") or "."
    return pwd .. "/" .. p
  end
  local function norm(p)
    local parts = {}
    for seg in p:gmatch("[^/]+") do
      if seg == ".." then parts[#parts] = nil elseif seg ~= "." then parts[#parts + 1] = seg end
    end
    return "/" .. table.concat(parts, "/")
  end
  local p, r = norm(abs(path)), norm(abs(root))
  if p:sub(1, #r + 1) == r .. "/" then return p:sub(#r + 2) end
  return p:match("([^/]+)$")
end

local function main(args)
  local cmd, path = args[1], args[2]
  if not cmd or not path then usage() end
  if cmd == "isa" then
    parse_flags(args, 3, {})
    local isa, why = require("isa").get(path)
    if not isa then
      io.stderr:write("resnetc: isa: " .. why .. "\n")
      os.exit(2)
    end
    print("cflags=" .. (isa.cflags or ""))
    print("cpu_features=" .. isa.cpu_features)
    return
  end
  local shown = display_path(path)
  local spec = spec_mod.load(path, shown)
  if cmd == "check" then
    parse_flags(args, 3, {})
    print(shown .. ": ok")
    return
  end
  if cmd == "summary" then
    parse_flags(args, 3, {})
    local g = resnet.build(spec)
    io.write(summary.render(g, require("emit").memory(g, { isa = "generic", templates = root .. "/templates" })))
    return
  end
  if cmd == "generate" then
    local flags = parse_flags(args, 3, { out = true, name = true, isa = true, mode = true, conv = true,
                                         tuning = true, entries = true, ["micro-batch-bytes"] = true })
    if not flags.out then io.stderr:write("resnetc: generate needs --out DIR\n"); usage() end
    local isa = flags.isa or "generic"
    local known, why = require("isa").get(isa)
    if not known then
      io.stderr:write("resnetc: --isa: " .. why .. "\n")
      os.exit(2)
    end
    local mode = flags.mode or "full"
    if mode ~= "full" and mode ~= "infer" then
      io.stderr:write("resnetc: --mode: expected full or infer, got '" .. mode .. "'\n")
      os.exit(2)
    end
    local conv = flags.conv or "auto"
    local policies = require("winograd").policies
    local ok = false
    for _, p in ipairs(policies) do ok = ok or p == conv end
    if not ok then
      io.stderr:write("resnetc: --conv: expected " .. table.concat(policies, ", ") .. ", got '" .. conv .. "'\n")
      os.exit(2)
    end
    local entries = flags.entries or "layers"
    if entries ~= "layers" and entries ~= "all" then
      io.stderr:write("resnetc: --entries: expected layers or all, got '" .. entries .. "'\n")
      os.exit(2)
    end
    local tuning, tuning_shown
    if flags.tuning then
      if conv ~= "auto" then
        io.stderr:write("resnetc: --tuning: the tuning file chooses under --conv auto, not --conv " .. conv .. "\n")
        os.exit(2)
      end
      local tmod = require("tuning")
      tuning_shown = display_path(flags.tuning)
      tuning = tmod.load(flags.tuning, tuning_shown)
      tmod.check_isa(tuning, isa)
    end
    local micro_bytes = require("microbatch").MICRO_BATCH_BYTES
    if flags["micro-batch-bytes"] then
      micro_bytes = tonumber(flags["micro-batch-bytes"])
      if not micro_bytes or micro_bytes < 0 or micro_bytes ~= math.floor(micro_bytes) or micro_bytes > 2 ^ 40 then
        io.stderr:write("resnetc: --micro-batch-bytes: expected a whole number of bytes from 0 to 2^40, got '"
                        .. flags["micro-batch-bytes"] .. "'\n")
        os.exit(2)
      end
    end
    local name = flags.name or spec.name
    if not name:match("^[%a_][%w_]*$") then
      io.stderr:write("resnetc: --name: expected a C identifier, got '" .. name .. "'\n")
      os.exit(2)
    end
    local emit = require("emit")
    local files = emit.generate(resnet.build(spec), {
      name = name, isa = isa, mode = mode, conv = conv, tuning = tuning, entries = entries, spec_path = shown,
      micro_batch_bytes = micro_bytes,
      version = VERSION, templates = root .. "/templates",
      command = string.format("gen/resnetc.lua generate %s --name %s --isa %s%s%s%s%s", shown, name, isa,
                              conv ~= "auto" and (" --conv " .. conv) or "",
                              tuning and (" --tuning " .. tuning_shown) or "",
                              entries ~= "layers" and (" --entries " .. entries) or "",
                              flags["micro-batch-bytes"] and (" --micro-batch-bytes " .. string.format("%d", micro_bytes)) or ""),
    })
    local out = require("output")
    out.write_all(flags.out, files)
    return
  end
  usage()
end

local ok, err = pcall(main, arg)
if not ok then
  local msg = spec_mod.format_error(err)
  if not msg then
    msg = "resnetc: error: " .. tostring(err)
    if type(err) ~= "string" then msg = msg end
  end
  io.stderr:write(msg, "\n", "resnetc: no output file generated\n")
  os.exit(1)
end
