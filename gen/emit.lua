-- gen/emit.lua: lower a planned layer graph to C: the model's header, its source (one
-- static function per distinct kernel signature, then the straight-line schedules
-- forward_train, forward_infer and backward, the tensor table and the rn_model), and a
-- three-line main; or, in inference-only mode, <name>_infer.{c,h}: the eval-mode forward with
-- no dependency on the runtime. Layer kinds emit their own calls through the context `e`
-- below; kernel bodies come from templates/. Returns the files as strings; writes nothing.
local isa_mod = require("isa")
local plan_mod = require("plan")
local summary = require("summary")
local template = require("template")

local M = {}

local format, concat = string.format, table.concat

-- Vector access helpers of the SIMD templates, for vectors of `vw` floats. vl(at, lanes): an
-- expression loading `lanes` floats at `at` (a whole vector, or one masked to its first lanes:
-- gen/isa.lua); vs(at, val, lanes): the statement storing them.
local function vector_io(vw)
  local function vl(at, lanes)
    if lanes == vw then return format("vload(%s)", at) end
    return format("vloadn(%s, %d)", at, lanes)
  end
  local function vs(at, val, lanes)
    if lanes == vw then return format("vstore(%s, %s);", at, val) end
    return format("vstoren(%s, %s, %d);", at, val, lanes)
  end
  return vl, vs
end

-- Register-tile helpers of the conv templates. zeros(t, kv): the declarators of row t's
-- accumulators, "a<t>_0 = vzero(), ..., a<t>_<kv-1> = vzero()".
local function zeros(t, kv)
  local a = {}
  for v = 0, kv - 1 do a[#a + 1] = format("a%d_%d = vzero()", t, v) end
  return concat(a, ", ")
end

-- outer_product(rows, lanes, vw, indent): the lines of one rank-1 update of a rows x #lanes
-- tile: vectors d<v> of lanes[v + 1] floats from dq, a broadcast b<t> from xq[t] per row,
-- a<t>_<v> += b<t> * d<v>.
local function outer_product(rows, lanes, vw, indent)
  local vl = vector_io(vw)
  local out = {}
  for v = 0, #lanes - 1 do
    out[#out + 1] = format("%sconst vf d%d = %s;", indent, v, vl(format("dq + %d", v * vw), lanes[v + 1]))
  end
  for t = 0, rows - 1 do
    out[#out + 1] = format("%sconst vf b%d = vbcast(xq + %d);", indent, t, t)
    for v = 0, #lanes - 1 do out[#out + 1] = format("%sa%d_%d = vfma(b%d, d%d, a%d_%d);", indent, t, v, t, v, t, v) end
  end
  return concat(out, "\n")
end

-- split(n, tmax): the tile width that covers n pixels (or channels) in as few tiles of at
-- most tmax as possible, as evenly as possible (32 pixels by at most 24: 16 + 16, not
-- 24 + 8, whose short tile has too few accumulators to hide the FMA latency).
local function split(n, tmax)
  local tiles = math.ceil(n / tmax)
  return math.ceil(n / tiles)
end

-- Helpers every template may use.
local TEMPLATE_BASE = { ipairs = ipairs, math = math, string = string, table = table, format = format,
                        zeros = zeros, outer_product = outer_product, split = split }

-- Kernel name suffixes and what they mean, longest first.
local PASSES = {
  { "_bwd_weights", "backward to the weights" }, { "_bwd_data", "backward to the input" },
  { "_fwd_eval", "forward in eval mode" }, { "_fwd", "forward" }, { "_bwd", "backward" },
}

-- What a kernel name's pass suffix means, for its comment.
function M.pass_text(name)
  local acc = name:find("_acc$") ~= nil
  local base = acc and name:sub(1, -5) or name
  if base:match("^grad_pass_") then   -- the residual add's backward to its shortcut
    return "backward" .. (acc and ", adding into the input gradient" or "")
  end
  for _, p in ipairs(PASSES) do
    if base:sub(-#p[1]) == p[1] then
      return p[2] .. (acc and ", adding into the input gradient" or "")
    end
  end
  return "layout conversion"
end

-- The emission context handed to layer kinds: pointers into the buffers, kernel
-- registration and the schedule being written.
local Ctx = {}
Ctx.__index = Ctx

local function new_ctx(model, mode, plan)
  return setmetatable({ model = model, isa = model.isa, mode = mode, plan = plan, lines = {}, used = {},
                        max_scratch = 0, max_thread_scratch = 0 }, Ctx)
end

-- Activation pointer of tensor t (the logits are the caller's buffer).
function Ctx:x(t)
  if t == self.model.g.logits then return "logits" end
  return format("A + %d * n", self.plan.act[t])
end

-- Gradient pointer of tensor t (d loss / d logits is the caller's buffer).
function Ctx:dx(t)
  if t == self.model.g.logits then return "dlogits" end
  return format("A + %d * n", self.plan.grad[t])
end

function Ctx:p(entry) return format("P + %d", entry.offset) end
function Ctx:dp(entry) return format("G + %d", entry.offset) end
function Ctx:s(entry) return format("S + %d", entry.offset) end
function Ctx:w(offset)
  if self.plain then error("internal: the inference-only code has no training work area", 0) end
  return format("Wk + %d", offset)
end

-- Shared scratch at the end of the work buffer (e.g. rearranged weights); the inference-only
-- code's work buffer holds nothing else, so there it starts at 0.
function Ctx:scratch(count)
  local m = self.model
  if count > m.scratch then m.scratch = count end
  if count > self.max_scratch then self.max_scratch = count end
  return format("Wk + %d", self.plain and 0 or m.g.work_floats)
end

-- A cache of `count` floats derived from the parameters (rearranged weights) that persists
-- between calls of the eval forward, after the scratch in the work area (WORK_CACHE,
-- model.c.in), or nil where nothing persists (training, the inference-only file). Returns
-- the cache's pointer and its tag's: a uint64_t holding r->params_epoch + 1 of the
-- parameters it was made from (0: never made), so the kernel redoes it when they change.
function Ctx:cache(count)
  if self.plain or self.mode ~= "infer" then return nil end
  local m = self.model
  local at = m.cache
  m.cache = at + 16 + math.ceil(count / 16) * 16   -- the tag on a 64-byte line of its own
  return format("Wk + WORK_CACHE + %d", at + 16), format("(uint64_t *)(void *)(Wk + WORK_CACHE + %d)", at)
end

-- Per-thread scratch of `count` floats (padded images, partial sums).
function Ctx:thread_scratch(count)
  local m = self.model
  if count > m.thread_scratch then m.thread_scratch = count end
  if count > self.max_thread_scratch then self.max_thread_scratch = count end
  return "r->scratch"
end

-- 1 if layer L's backward must add into x's gradient, 0 if it writes it first.
function Ctx:accumulate(x, L) return self.plan.accumulate(x, L) end

-- The layer that gathers or uses L's batch statistics in the training forward (a conv and
-- its BN: gen/fuse.lua, stats_pairs), or nil.
function Ctx:stats_partner(L) return self.mode == "train" and self.plan.stats[L] or nil end

-- Whether layer L's backward shares its first input's gradient with its output's.
function Ctx:grad_shared(L) return self.plan.grad_shared[L] or false end

-- Whether the gradient of x is computed. The input's gradient is optional at run time:
-- the next call is then guarded by r->dinput.
function Ctx:wants_grad(x)
  if x.is_input then self.guard = "r->dinput" end
  return true
end

-- Register kernel `name` rendered from `file` with params (once per distinct name) and
-- note layer L as one of its users. Returns the name to call.
function Ctx:kernel(name, file, params, L)
  local m = self.model
  local k = m.kernels[name]
  if not k then
    params.NAME = name
    params.ISA, params.VW = m.isa.name, m.isa.vw
    params.vl, params.vs = vector_io(m.isa.vw)
    k = { name = name, body = template.render_file(m.opts.templates, file, params, TEMPLATE_BASE),
          users = {}, seen = {}, what = L.mod.describe(L), pass = M.pass_text(name) }
    m.kernels[name] = k
    m.kernel_order[#m.kernel_order + 1] = k
  end
  self.used[name] = true
  if not k.seen[L.name] then
    k.seen[L.name] = true
    k.users[#k.users + 1] = L.name
  end
  return name
end

-- Append one statement to the schedule, timed into r->profile when profiling (a plain
-- statement in the inference-only file, which has no profiling).
function Ctx:call(fmt, ...)
  local m = self.model
  if self.plain then
    local line = format(fmt, ...)
    if self.guard then error("internal: a guarded statement in the inference-only schedule", 0) end
    self.lines[#self.lines + 1] = "    " .. line
    return
  end
  local id = #m.profile
  local kernel = fmt:match("^%%s%(") and select(1, ...) or "?"
  m.profile[#m.profile + 1] = format("%s %s %s", self.pass, self.layer or "?", kernel)
  local line = format("RN_TIMED(%d, %s);", id, format(fmt, ...):gsub(";$", ""))
  if self.guard then
    line = format("if (%s)\n        %s", self.guard, line)
    self.guard = nil
  end
  self.lines[#self.lines + 1] = "    " .. line
end

function Ctx:comment(text) self.lines[#self.lines + 1] = "    /* " .. text .. " */" end

local function shape_text(t) return format("%dx%dx%d", t.c, t.h, t.w) end

-- Names and description of a layer, or of a fused group headed by it (a BN, or in eval
-- mode the conv before it).
local function group_name(L, grp)
  if not grp then return L.name end
  local short = function(M) return M.name:match("([^.]+)$") end
  local names = { L.name }
  if grp.conv then names[#names + 1] = short(grp.bn) end
  if grp.add then names[#names + 1] = short(grp.add) end
  if grp.relu then names[#names + 1] = short(grp.relu) end
  return concat(names, " + ")
end

local function group_text(L, grp)
  if not grp then return L.mod.describe(L) end
  return L.mod.describe(L) .. (grp.conv and ", batch norm folded in" or "") .. (grp.add and ", residual add" or "")
         .. (grp.relu and ", relu" or "") .. " (fused)"
end

-- One schedule: forward ("train" or "infer") or backward.
-- Schedules are split into parts: the stem, every BLOCKS_PER_PART blocks of a stage, the
-- head. Each part is its own function, so that a deep net's schedule is many small
-- functions rather than one the compiler must optimize whole.
local BLOCKS_PER_PART = 16

-- The part a layer belongs to: its key and the C name of its first member.
local function part_of(name)
  local stage, block = name:match("^(layer%d+)%.(%d+)%.")
  if stage then
    local first = math.floor(tonumber(block) / BLOCKS_PER_PART) * BLOCKS_PER_PART
    return stage .. "_" .. first, format("%s.%d", stage, first)
  end
  if name == "avgpool" or name == "fc" then return "head", "head" end
  return "stem", "stem"
end

-- Start a new part when layer `name` is not in the current one.
local function enter_part(e, name)
  local key, title = part_of(name)
  if e.part and e.part.key == key then return end
  e.part = { key = key, title = title, lines = {} }
  e.parts[#e.parts + 1] = e.part
  e.lines = e.part.lines
end

-- infer_only: statements without profiling, parts taking the inference-only context.
-- Returns the parts' C, the calls that make the schedule, and the context (kernels used,
-- scratch needed).
local function schedule(model, pass, infer_only)
  local g = model.g
  local mode = pass == "infer" and "infer" or "train"
  local e = new_ctx(model, mode, model.plans[mode])
  e.plain = infer_only or false
  e.parts = {}
  e.pass = pass == "train" and "forward_train" or (pass == "infer" and "forward_infer" or "backward")
  local groups = model.plans[mode].groups
  local x = g.input
  local conv = format("nchw_to_nhwc_c%dh%dw%d", x.c, x.h, x.w)
  if pass ~= "backward" then
    enter_part(e, "input")
    e:comment(format("input: NCHW %s -> NHWC", shape_text(x)))
    e.layer = "input"
    e:call("%s(n, x, %s);", e:kernel(conv, "nchw_to_nhwc.c.in", { C = x.c, H = x.h, W = x.w },
                                     { name = "input", mod = { describe = function() return "input layout" end } }),
           e:x(x))
    for _, L in ipairs(g.layers) do
      local grp = groups[L]
      if not grp or grp.head == L then
        local inputs = {}
        for i, t in ipairs(L.inputs) do inputs[i] = shape_text(t) end
        if grp and grp.add then inputs[2] = shape_text(grp.add.inputs[2]) end
        enter_part(e, L.name)
        e:comment(format("%s: %s; %s -> %s", group_name(L, grp), group_text(L, grp), concat(inputs, " + "),
                         shape_text(L.output)))
        e.layer = L.name
        L.mod.forward(L, e, grp)
      end
    end
  else
    for i = #g.layers, 1, -1 do
      local L = g.layers[i]
      local grp = groups[L]
      if not grp or grp.head == L then
        enter_part(e, L.name)
        e:comment(format("%s: %s (backward)", group_name(L, grp), group_text(L, grp)))
        e.layer = L.name
        L.mod.backward(L, e, grp)
      end
    end
    e:comment(format("input gradient: NHWC -> NCHW %s", shape_text(x)))
    e.layer = "input"
    local back = format("nhwc_to_nchw_c%dh%dw%d", x.c, x.h, x.w)
    e.guard = "r->dinput"
    e:call("%s(n, %s, r->dinput);", e:kernel(back, "nhwc_to_nchw.c.in", { C = x.c, H = x.h, W = x.w },
                                             { name = "input", mod = { describe = function() return "input layout" end } }),
           e:dx(x))
  end
  -- the parts as functions, then the calls that make the schedule
  local funcs, calls = {}, {}
  local args = pass == "backward" and "r, dlogits" or "r, x, logits"
  for _, part in ipairs(e.parts) do
    local fn = e.pass .. "_" .. part.key
    funcs[#funcs + 1] = template.render_file(model.opts.templates, "schedule_part.c.in", {
      FN = fn, PASS = pass, TITLE = part.title, BODY = concat(part.lines, "\n"),
      INFER_ONLY = infer_only or false }, TEMPLATE_BASE)
    calls[#calls + 1] = format("    %s(%s);", fn, args)
  end
  return concat(funcs, "\n"), concat(calls, "\n"), e
end

-- Standalone entry points of every conv layer's kernels (rn_conv_entry, model.h): the
-- kernels the schedules call (forward as in training, backward-data writing rather than
-- adding), each behind a wrapper with uniform arguments, for per-kernel benchmarks and
-- tests. The layer kind emits the calls through a context whose pointers are the wrapper's
-- arguments.
local Standalone = setmetatable({}, { __index = Ctx })
Standalone.__index = Standalone

function Standalone:x(t) return t == self.L.output and "y" or "x" end
function Standalone:dx(t) return t == self.L.output and "dy" or "dx" end
function Standalone:p() return "w" end
function Standalone:dp() return "dw" end
function Standalone:accumulate() return 0 end
function Standalone:stats_partner() return nil end
function Standalone:wants_grad() return true end
function Standalone:call(fmt, ...)
  local kernel = select(1, ...)
  local pass = kernel:find("_bwd_weights") and "bwd_weights" or (kernel:find("_bwd_data") and "bwd_data" or "fwd")
  self.calls[pass] = { kernel = kernel, text = format(fmt, ...) }
end

local ENTRY_ARGS = {
  fwd = "const float *restrict x, const float *restrict w, float *restrict y",
  bwd_data = "const float *restrict dy, const float *restrict w, float *restrict dx",
  bwd_weights = "const float *restrict x, const float *restrict dy, float *restrict dw",
}

local function conv_entries(model)
  local funcs, rows = {}, {}
  for _, L in ipairs(model.g.layers) do
    if L.kind == "conv" then
      local e = setmetatable(new_ctx(model, "train", model.plans.train), Standalone)
      e.L, e.calls = L, {}
      L.mod.forward(L, e)
      L.mod.backward(L, e)
      local id = format("conv_entry_%d", L.index - 1)
      local names = {}
      for _, pass in ipairs({ "fwd", "bwd_data", "bwd_weights" }) do
        local c = e.calls[pass]
        local decl = { "    const size_t n = (size_t)r->n;" }
        if c.text:find("nt%)") then
          decl[#decl + 1] = "    const int nt = r->threads < r->max_threads ? r->threads : r->max_threads;"
        end
        if c.text:find("Wk") then decl[#decl + 1] = "    float *const Wk = r->work;" end
        funcs[#funcs + 1] = format("/* %s (%s), %s alone: r->n images */\nstatic void %s_%s(rn_run *r, %s)\n{\n%s\n    %s\n}\n",
                                   L.name, L.mod.describe(L), pass, id, pass, ENTRY_ARGS[pass],
                                   concat(decl, "\n"), c.text)
        names[#names + 1] = format('"%s"', c.kernel)
      end
      rows[#rows + 1] = format("    { %d, %s, %s_fwd, %s_bwd_data, %s_bwd_weights },", L.index - 1,
                               concat(names, ", "), id, id, id)
    end
  end
  return concat(funcs, "\n"), concat(rows, "\n"), #rows
end

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

-- A fresh emission state for graph g with both memory plans.
local function new_model(g, opts)
  local model = { g = g, opts = opts, kernels = {}, kernel_order = {}, scratch = 0, thread_scratch = 0,
                  cache = 0, profile = {} }
  model.isa = assert(isa_mod.get(opts.isa))
  model.plans = { train = plan_mod.plan(g, "train", model.isa), infer = plan_mod.plan(g, "infer", model.isa) }
  return model
end

-- The memory a model needs, in floats: the plans' arenas (per image) and the scratch the
-- schedules ask for (per thread, and batch-independent work).
local function memory_of(model, e_train, e_infer, e_bwd)
  local g = model.g
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
  local _, _, e_train = schedule(model, "train")
  local _, _, e_infer = schedule(model, "infer")
  local _, _, e_bwd = schedule(model, "backward")
  return memory_of(model, e_train, e_infer, e_bwd)
end

-- Kernel definitions (with their comments) of the kernels for which keep(name) holds.
local function kernel_text(model, keep)
  local kernels = {}
  for _, k in ipairs(model.kernel_order) do
    if keep(k.name) then
      local users = concat(k.users, ", ")
      if #k.users > 6 then
        users = concat({ k.users[1], k.users[2], k.users[3] }, ", ") .. format(", ... (%d layers)", #k.users)
      end
      kernels[#kernels + 1] = format("/* %s: %s, %s.\n * Used by: %s. */\n%s", k.name, k.what, k.pass, users,
                                     k.body)
    end
  end
  return concat(kernels, "\n"), #kernels
end

-- The inference-only files: <name>_infer.h and <name>_infer.c, free of the runtime.
local function generate_infer(model, p, fwd_infer, parts_infer, e_infer)
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
  p.kernels, p.nkernels = kernel_text(model, function(name) return e_infer.used[name] end)
  p.parts, p.forward_infer = parts_infer, fwd_infer
  p.command = p.command .. " --mode infer"
  local dir = opts.templates
  return {
    { opts.name .. "_infer.h", template.render_file(dir, "model_infer.h.in", p, TEMPLATE_BASE) },
    { opts.name .. "_infer.c", template.render_file(dir, "model_infer.c.in", p, TEMPLATE_BASE) },
  }
end

-- Generate the files of graph g. opts: name, isa, spec_path, version, command, templates,
-- mode ("full", the default: <name>.{c,h} and <name>_main.c against the runtime; "infer":
-- <name>_infer.{c,h}, eval-mode forward only, with no dependency on the runtime).
function M.generate(g, opts)
  local infer_only = opts.mode == "infer"
  local model = new_model(g, opts)
  local parts_train, fwd_train, e_train = schedule(model, "train")
  local parts_infer, fwd_infer, e_infer = schedule(model, "infer", infer_only)
  local parts_bwd, bwd, e_bwd = schedule(model, "backward")
  local mem = memory_of(model, e_train, e_infer, e_bwd)
  local conv_funcs, conv_rows, nconvs
  if not infer_only then conv_funcs, conv_rows, nconvs = conv_entries(model) end
  local params, macs = g:totals()
  local NAME = opts.name:upper()
  local p = {
    name = opts.name, NAME = NAME, version = opts.version, spec_path = opts.spec_path,
    command = opts.command, isa = opts.isa, cpu_features = model.isa.cpu_features, description = g.spec.description or "",
    spec = g.spec, params = params, macs = macs, layers = #g.layers, weighted = summary.weighted(g),
    commas = summary.commas, mem = mem,
    param_floats = g.param_floats, stats_floats = g.stats_floats,
    train_act = model.plans.train.total, infer_act = model.plans.infer.total,
    work_floats = g.work_floats + model.scratch + model.cache, thread_scratch = model.thread_scratch,
    work_cache = g.work_floats + model.scratch, cache_floats = model.cache,
    prelude = template.render_file(opts.templates, model.isa.prelude, {}, TEMPLATE_BASE)
      .. "\n" .. template.render_file(opts.templates, "threads.c.in", {}, TEMPLATE_BASE),
    ntensors = #g.tensor_table,
    summary = c_string(summary.render(g, mem)), roles = ROLE_NAMES,
    input = g.input, classes = g.spec.classes,
  }
  if infer_only then return generate_infer(model, p, fwd_infer, parts_infer, e_infer) end

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
  p.kernels, p.nkernels = kernel_text(model, function() return true end)
  p.forward_train, p.forward_infer, p.backward = fwd_train, fwd_infer, bwd
  p.parts = concat({ parts_train, parts_infer, parts_bwd }, "\n")
  p.tensors = concat(tensors, "\n")
  p.profile_names = (function()
    local out = {}
    for _, name in ipairs(model.profile) do out[#out + 1] = format('    "%s",', name) end
    return concat(out, "\n")
  end)()
  p.nprofile = #model.profile
  p.acts, p.nacts, p.layer_table, p.nlayers = concat(acts, "\n"), #g.tensors, concat(layers, "\n"), #g.layers
  p.conv_funcs, p.conv_rows, p.nconvs = conv_funcs, conv_rows, nconvs
  local dir = opts.templates
  return {
    { opts.name .. ".h", template.render_file(dir, "model.h.in", p, TEMPLATE_BASE) },
    { opts.name .. ".c", template.render_file(dir, "model.c.in", p, TEMPLATE_BASE) },
    { opts.name .. "_main.c", template.render_file(dir, "main.c.in", p, TEMPLATE_BASE) },
  }
end

return M
