-- gen/emit.lua: lower a planned layer graph to C: the model's header, its source (one
-- static function per distinct kernel signature, then the straight-line schedules
-- forward_train, forward_infer and backward, the tensor table and the rn_model), and a
-- three-line main; or, in inference-only mode, <name>_infer.{c,h}: the eval-mode forward with
-- no dependency on the runtime. Returns the files as strings; writes nothing.
-- The jobs live in gen/emit/: context.lua (what a layer kind emits through: pointers,
-- kernels, call records), kernels.lua (kernel dedup, templates, definitions), schedules.lua
-- (the passes and their parts), entries.lua (the conv entry points), files.lua (the files).
local isa_mod = require("isa")
local plan_mod = require("plan")
local microbatch = require("microbatch")
local schedules = require("emit.schedules")
local entries = require("emit.entries")
local files = require("emit.files")

local M = {}

-- A fresh emission state for graph g with both memory plans.
local function new_model(g, opts)
  local model = { g = g, opts = opts, kernels = {}, kernel_order = {}, scratch = 0, thread_scratch = 0,
                  cache = 0, profile = {} }
  model.isa = assert(isa_mod.get(opts.isa))
  local micro = opts.micro_batch_bytes or microbatch.MICRO_BATCH_BYTES
  model.plans = { train = plan_mod.plan(g, "train", model.isa, 0), infer = plan_mod.plan(g, "infer", model.isa, micro) }
  return model
end

-- The three schedules, in the order that numbers their profile entries. infer_only: the
-- eval forward as the inference-only file's.
local function build_schedules(model, infer_only)
  local s = {}
  for _, pass in ipairs({ "train", "infer", "backward" }) do
    local parts, calls, e = schedules.build(model, pass, pass == "infer" and infer_only)
    s[pass] = { parts = parts, calls = calls, e = e }
  end
  return s
end

-- The memory a model needs, in floats: the plans' arenas (per image) and the scratch the
-- schedules ask for (per thread, and batch-independent work).
local function memory_of(model, s)
  local g = model.g
  local e_train, e_infer, e_bwd = s.train.e, s.infer.e, s.backward.e
  return {
    params = g.param_floats, stats = g.stats_floats,
    infer_act = model.plans.infer.total, infer_thread = e_infer.max_thread_scratch,
    infer_work = math.ceil(e_infer.max_scratch / 16) * 16,   -- whole 64-byte lines
    train_act = model.plans.train.total,
    train_work = g.work_floats + math.max(e_train.max_scratch, e_bwd.max_scratch),
    train_thread = math.max(e_train.max_thread_scratch, e_bwd.max_thread_scratch),
  }
end

-- The memory figures of graph g (see summary.memory_lines) without writing any file.
-- opts: isa, templates.
function M.memory(g, opts)
  local model = new_model(g, opts)
  return memory_of(model, build_schedules(model, false))
end

-- Generate the files of graph g. opts: name, isa, spec_path, version, command, templates,
-- micro_batch_bytes (gen/microbatch.lua; its default where absent),
-- mode ("full", the default: <name>.{c,h} and <name>_main.c against the runtime; "infer":
-- <name>_infer.{c,h}, eval-mode forward only, with no dependency on the runtime).
function M.generate(g, opts)
  local infer_only = opts.mode == "infer"
  local model = new_model(g, opts)
  local s = build_schedules(model, infer_only)
  local mem = memory_of(model, s)
  -- before the parameters: the entry points' kernels and scratch count in the model's
  local conv = not infer_only and { entries.conv_entries(model) }
  local p = files.params(model, mem)
  if infer_only then return files.infer_only(model, p, s.infer) end
  return files.full(model, p, s, conv)
end

return M
