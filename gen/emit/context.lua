-- gen/emit/context.lua: the emission context handed to the layer kinds (gen/layers/*.lua,
-- `forward(L, e, grp)` / `backward(L, e, grp)`): pointers into the model's buffers, scratch
-- and caches, kernel registration, and the calls a layer makes, kept as records:
--   { kernel = <kernel record, gen/emit/kernels.lua>, args = { "A + 0 * n", ... },
--     needs = { A = true, Wk = true, nt = true, ... }, layer = <name>, guard = <C condition> }
-- A call's C text is `<kernel>(n, <args>)` (`m`, the micro-batch's images, in a part that
-- runs in micro-batches); `needs` names the locals its arguments read, noted by the helpers
-- that wrote them. Comments are records { comment = text }.
-- Does not decide where the records go: the schedules (gen/emit/schedules.lua) and the conv
-- entry points (gen/emit/entries.lua) set `records` and render them.
local kernels = require("emit.kernels")

local M = {}

local format, concat, select = string.format, table.concat, select

local Ctx = {}
Ctx.__index = Ctx
M.Ctx = Ctx

-- A context emitting for `model` in `mode` ("train" or "infer") with memory plan `plan`.
-- plain: the inference-only file's context (no training work area, no cache).
function M.new(model, mode, plan, plain)
  return setmetatable({ model = model, isa = model.isa, mode = mode, plan = plan, plain = plain or false,
                        records = {}, needs = {}, used = {}, max_scratch = 0, max_thread_scratch = 0 }, Ctx)
end

-- Note that the next call reads local `name` (A, P, S, G, Wk, nt).
function Ctx:need(name) self.needs[name] = true end

-- Activation pointer of tensor t (the logits are the caller's buffer); in a part that runs
-- in micro-batches (self.micro, set by gen/emit/schedules.lua), of the micro-batch's first
-- image b0, which a tensor inside the part holds as its first (gen/plan.lua, micro_internal).
function Ctx:x(t)
  if t == self.model.g.logits then return "logits" end
  self:need("A")
  if self.micro and not self.plan.micro_internal[t] then
    return format("A + %d * n + b0 * %d", self.plan.act[t], t.size)
  end
  return format("A + %d * n", self.plan.act[t])
end

-- Gradient pointer of tensor t (d loss / d logits is the caller's buffer).
function Ctx:dx(t)
  if t == self.model.g.logits then return "dlogits" end
  self:need("A")
  return format("A + %d * n", self.plan.grad[t])
end

-- Pointers to a named tensor's parameters, their gradient, its statistics (gen/graph.lua,
-- named), and to `offset` in the training work area (gen/graph.lua, work).
function Ctx:p(entry) self:need("P"); return format("P + %d", entry.offset) end
function Ctx:dp(entry) self:need("G"); return format("G + %d", entry.offset) end
function Ctx:s(entry) self:need("S"); return format("S + %d", entry.offset) end
function Ctx:w(offset)
  if self.plain then error("internal: the inference-only code has no training work area", 0) end
  self:need("Wk")
  return format("Wk + %d", offset)
end

-- The thread count argument of a kernel that splits its work over threads.
function Ctx:threads() self:need("nt"); return "nt" end

-- Shared scratch at the end of the work buffer (e.g. rearranged weights); the inference-only
-- code's work buffer holds nothing else, so there it starts at 0.
function Ctx:scratch(count)
  local m = self.model
  if count > m.scratch then m.scratch = count end
  if count > self.max_scratch then self.max_scratch = count end
  self:need("Wk")
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
  self:need("Wk")
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

-- Whether the gradient of residual add L's shortcut lives in its output's gradient buffer
-- (gen/plan.lua, shortcut_in_dy): the fused BN backward then writes no copy of it.
function Ctx:shortcut_in_dy(L) return self.plan.shortcut_in_dy[L] == true end

-- The layer that gathers or uses L's batch statistics in the training forward (a conv and
-- its BN: gen/fuse.lua, stats_pairs), or nil.
function Ctx:stats_partner(L) return self.mode == "train" and self.plan.stats[L] or nil end

-- The BN-ReLU group whose output's gradient conv L's backward-data finishes right before the
-- group's backward (gen/fuse.lua, grad_pairs), or nil.
function Ctx:grad_partner(L) return self.mode == "train" and self.plan.grad_pairs[L] or nil end

-- Note that a conv's backward-data gathered the sums of BN bn's backward in its epilogue
-- (BNGRAD); bn's backward, emitted next, takes them (sums_given).
function Ctx:give_sums(bn)
  self.given = self.given or {}
  self.given[bn] = true
end
function Ctx:sums_given(bn) return self.given ~= nil and self.given[bn] == true end

-- Whether layer L's backward shares its first input's gradient with its output's.
function Ctx:grad_shared(L) return self.plan.grad_shared[L] or false end

-- Whether the gradient of x is computed. The input's gradient is optional at run time:
-- the next call is then guarded by r->dinput.
function Ctx:wants_grad(x)
  if x.is_input then self.guard = "r->dinput" end
  return true
end

-- Register a kernel (gen/emit/kernels.lua, register: name, template, params, layer, pass,
-- acc) for this context's calls. Returns its record, the first argument of call.
function Ctx:kernel(spec)
  local k = kernels.register(self.model, spec)
  self.used[k.name] = true
  return k
end

-- Append a call of kernel record k with the given argument expressions (nil or false ones
-- are left out, so optional arguments can be written `cond and e:x(t)`).
function Ctx:call(k, ...)
  local args = {}
  for i = 1, select("#", ...) do
    local a = select(i, ...)
    if a then args[#args + 1] = a end
  end
  local rec = { kernel = k, args = args, needs = self.needs, layer = self.layer, guard = self.guard,
                images = self.micro and "m" or "n" }
  self.needs, self.guard = {}, nil
  self.records[#self.records + 1] = rec
end

-- Append a comment.
function Ctx:comment(text) self.records[#self.records + 1] = { comment = text } end

-- The C expression of a call record (a statement with ";").
function M.call_text(rec)
  return format("%s(%s, %s)", rec.kernel.name, rec.images or "n", concat(rec.args, ", "))
end

return M
