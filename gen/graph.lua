-- gen/graph.lua: the layer graph: tensors with inferred shapes, layers in forward order,
-- and the model's named parameters and statistics with their buffer offsets.
--
-- A builder adds layers one at a time (b:add(kind, name, inputs, attrs)); each layer kind's
-- module (gen/layers/<kind>.lua) infers the output shape and declares its parameters.
-- The builder also marks the net's sections: the layers before the first block are the stem,
-- b:block(stage, index) starts a block (every layer until the next block or b:head() gets
-- L.block = { stage = stage, index = index }), and the layers after b:head() are the head
-- (L.section: "stem", "block" or "head"). The schedules are cut into functions there.
-- Provides the builder; does not know about ResNets (gen/resnet.lua) or memory (gen/plan.lua).
local M = {}

local format = string.format

local ALIGN = 16 -- floats: every tensor starts on a 64-byte boundary

local function align(x) return math.floor((x + ALIGN - 1) / ALIGN) * ALIGN end
M.align = align

local kinds = {}
-- The module of a layer kind, loaded on first use.
function M.kind(name)
  local k = kinds[name]
  if not k then
    k = require("layers." .. name)
    kinds[name] = k
  end
  return k
end

local Builder = {}
Builder.__index = Builder

-- A new, empty graph.
function M.new()
  return setmetatable({
    layers = {}, tensors = {},
    tensor_table = {},     -- named parameters and statistics in state-dict order
    param_floats = 0, stats_floats = 0, work_floats = 0,
    section = "stem",      -- of the layers added next; block: their block
  }, Builder)
end

-- Start block number `index` (from 0) of stage `stage` (a name, e.g. "layer2"): the layers
-- added next belong to it.
function Builder:block(stage, index)
  self.section, self.current_block = "block", { stage = stage, index = index }
end

-- End the blocks: the layers added next are the head.
function Builder:head()
  self.section, self.current_block = "head", nil
end

-- A new activation tensor of shape h x w x c (per image, NHWC).
function Builder:tensor(name, h, w, c)
  local t = { id = #self.tensors + 1, name = name, h = h, w = w, c = c,
              size = h * w * c, consumers = {} }
  self.tensors[#self.tensors + 1] = t
  return t
end

-- The network input (C x H x W as the spec gives it; stored NHWC inside).
function Builder:input(c, h, w)
  local t = self:tensor("input", h, w, c)
  t.is_input = true
  self.input = t
  return t
end

-- Declare a named tensor of the state dict. role: see runtime/include/resnetc/model.h.
local STATS = { RN_BN_MEAN = true, RN_BN_VAR = true }
function Builder:named(name, role, shape)
  local count = 1
  for _, d in ipairs(shape) do count = count * d end
  local entry = { name = name, role = role, shape = shape, count = count, index = #self.tensor_table }
  if STATS[role] then
    entry.buffer = "stats"
    entry.offset = self.stats_floats
    self.stats_floats = align(self.stats_floats + count)
  else
    entry.buffer = "params"
    entry.offset = self.param_floats
    self.param_floats = align(self.param_floats + count)
  end
  self.tensor_table[#self.tensor_table + 1] = entry
  return entry
end

-- Reserve batch-independent scratch floats (BN batch statistics) in the work buffer.
function Builder:work(count)
  local off = self.work_floats
  self.work_floats = align(self.work_floats + count)
  return off
end

-- Add a layer of `kind` named `name` (a torchvision module path) reading `inputs`.
-- attrs are the kind's attributes (kernel size, stride...). Returns the output tensor.
function Builder:add(kind, name, inputs, attrs)
  local mod = M.kind(kind)
  local L = { name = name, kind = kind, mod = mod, inputs = inputs, index = #self.layers + 1,
              section = self.section, block = self.current_block }
  for k, v in pairs(attrs or {}) do L[k] = v end
  local h, w, c = mod.infer(L, self)
  if h < 1 or w < 1 or c < 1 then
    error(format("layer %s: empty output %dx%dx%d", name, h, w, c), 0)
  end
  L.output = self:tensor(name, h, w, c)
  L.output.producer = L
  for _, t in ipairs(inputs) do t.consumers[#t.consumers + 1] = L end
  L.macs = mod.macs and mod.macs(L) or 0
  self.layers[#self.layers + 1] = L
  return L.output
end

-- Totals: parameter count (exact, without alignment) and forward MACs per image.
function Builder:totals()
  local params, macs = 0, 0
  for _, e in ipairs(self.tensor_table) do
    if e.buffer == "params" then params = params + e.count end
  end
  for _, L in ipairs(self.layers) do macs = macs + L.macs end
  return params, macs
end

return M
