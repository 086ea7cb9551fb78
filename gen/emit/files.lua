-- gen/emit/files.lua: the generated files from the rendered pieces: the full model's
-- <name>.h, <name>.c (kernels, schedule parts, tensor, activation and layer tables, conv
-- entry points, the rn_model) and <name>_main.c; or the inference-only <name>_infer.{h,c},
-- free of the runtime. Returns { file name, content } pairs; writes nothing (gen/output.lua).
-- Does not render kernels or schedules (gen/emit/kernels.lua, gen/emit/schedules.lua).
local kernels = require("emit.kernels")
local summary = require("summary")

local M = {}

local format, concat = string.format, table.concat

local ROLE_NAMES = { "RN_CONV_WEIGHT", "RN_BN_WEIGHT", "RN_BN_BIAS", "RN_FC_WEIGHT", "RN_FC_BIAS",
                     "RN_BN_MEAN", "RN_BN_VAR" }

-- The C string literal of a text, one source line per text line.
local function c_string(text)
  local out = {}
  for line in text:gmatch("([^\n]*)\n") do
    out[#out + 1] = '    "' .. line:gsub("\\", "\\\\"):gsub('"', '\\"') .. '\\n"'
  end
  return concat(out, "\n")
end

-- The template parameters both modes share; mem: the memory figures (gen/emit.lua).
function M.params(model, mem)
  local g, opts = model.g, model.opts
  local params, macs = g:totals()
  return {
    name = opts.name, NAME = opts.name:upper(), version = opts.version, spec_path = opts.spec_path,
    command = opts.command, isa = opts.isa, cpu_features = model.isa.cpu_features, description = g.spec.description or "",
    spec = g.spec, params = params, macs = macs, layers = #g.layers, weighted = summary.weighted(g),
    commas = summary.commas, mem = mem,
    param_floats = g.param_floats, stats_floats = g.stats_floats,
    train_act = model.plans.train.total, infer_act = model.plans.infer.total,
    work_floats = g.work_floats + model.scratch + model.cache, thread_scratch = model.thread_scratch,
    work_cache = g.work_floats + model.scratch, cache_floats = model.cache,
    prelude = kernels.render(model, model.isa.prelude, {}) .. "\n" .. kernels.render(model, "threads.c.in", {}) .. "\n"
              .. kernels.render(model, "simd_common.c.in", {}),
    ntensors = #g.tensor_table,
    summary = c_string(summary.render(g, mem)), roles = ROLE_NAMES,
    input = g.input, classes = g.spec.classes,
  }
end

-- The inference-only files: <name>_infer.h and <name>_infer.c, with the kernels its
-- schedule (infer, built infer-only) calls.
function M.infer_only(model, p, infer)
  local g, opts = model.g, model.opts
  local tensors = {}
  for _, t in ipairs(g.tensor_table) do
    if #t.name >= 64 then error("tensor name longer than 63 characters: " .. t.name, 0) end
    local shape = {}
    for i = 1, 4 do shape[i] = format("%d", t.shape[i] or 0) end
    local offset = t.buffer == "stats" and g.param_floats + t.offset or t.offset
    tensors[#tensors + 1] = format('    { "%s", %d, { %s }, %d, %d, %d },', t.name, #t.shape, concat(shape, ", "),
                                   t.role == "RN_CONV_WEIGHT" and 1 or 0, offset, t.count)
  end
  p.tensors = concat(tensors, "\n")
  p.kernels, p.nkernels = kernels.definitions(model, function(k) return infer.e.used[k.name] end)
  p.parts, p.forward_infer = infer.parts, infer.calls
  p.command = p.command .. " --mode infer"
  return {
    { opts.name .. "_infer.h", kernels.render(model, "model_infer.h.in", p) },
    { opts.name .. "_infer.c", kernels.render(model, "model_infer.c.in", p) },
  }
end

-- The full model's files: <name>.h, <name>.c and <name>_main.c. s: the three schedules
-- (train, infer, backward: { parts = C, calls = C, e = context }, gen/emit/schedules.lua);
-- entries: the conv entry points (gen/emit/entries.lua: C, rows, count).
function M.full(model, p, s, entries)
  local g, opts = model.g, model.opts
  local tensors = {}
  for _, t in ipairs(g.tensor_table) do
    local shape = {}
    for i = 1, 4 do shape[i] = format("%d", t.shape[i] or 0) end
    tensors[#tensors + 1] = format('    { "%s", %s, %d, { %s }, %d, %d },', t.name, t.role, #t.shape,
                                   concat(shape, ", "), t.offset, t.count)
  end
  local acts, layers = {}, {}
  for _, t in ipairs(g.tensors) do acts[#acts + 1] = format("    { %d, %d, %d },", t.h, t.w, t.c) end
  for _, L in ipairs(g.layers) do
    local function idx(e) return e and format("%d", e.index) or "-1" end
    layers[#layers + 1] = format('    { "%s", RN_LAYER_%s, { %d, %d }, %d, %d, %d, %d, %d, %d, %d, { %s, %s, %s, %s } },',
      L.name, L.kind:upper(), L.inputs[1].id - 1, L.inputs[2] and L.inputs[2].id - 1 or -1, L.output.id - 1,
      L.k or L.out or 0, L.kh or 0, L.kw or 0, L.stride or 0, L.pad or 0, L.pad_lo or 0,
      idx(L.weight or L.gamma), idx(L.bias or L.beta), idx(L.mean), idx(L.var))
  end
  p.kernels, p.nkernels = kernels.definitions(model, function() return true end)
  p.forward_train, p.forward_infer, p.backward = s.train.calls, s.infer.calls, s.backward.calls
  p.parts = concat({ s.train.parts, s.infer.parts, s.backward.parts }, "\n")
  p.tensors = concat(tensors, "\n")
  local names = {}
  for _, name in ipairs(model.profile) do names[#names + 1] = format('    "%s",', name) end
  p.profile_names, p.nprofile = concat(names, "\n"), #model.profile
  p.acts, p.nacts, p.layer_table, p.nlayers = concat(acts, "\n"), #g.tensors, concat(layers, "\n"), #g.layers
  p.conv_funcs, p.conv_rows, p.nconvs = entries[1], entries[2], entries[3]
  return {
    { opts.name .. ".h", kernels.render(model, "model.h.in", p) },
    { opts.name .. ".c", kernels.render(model, "model.c.in", p) },
    { opts.name .. "_main.c", kernels.render(model, "main.c.in", p) },
  }
end

return M
