-- gen/fuse.lua: which layers run fused. A batch norm whose output goes only to a ReLU, or
-- only to a residual add followed by a ReLU, runs as one kernel with them: one pass over
-- memory forward (normalize, add, clamp) and one reduction pass plus one output pass
-- backward (mask, BN gradient, shortcut gradient). Fusion needs the memory plan to have put
-- the three outputs (and their gradients) in one buffer, which it does for in-place layers.
-- In eval mode BN is an affine map per channel, so it folds further into the convolution
-- that feeds it: the conv's epilogue scales and shifts its accumulators, adds the shortcut
-- and clamps, and no BN pass over memory remains (the plan gives the conv's output and the
-- group's output one buffer).
-- In training, the conv that reads a BN-ReLU group's output first in forward order, right
-- after the group, finishes that output's gradient in backward right before the group's
-- backward; where its backward-data is by Winograd, its epilogue masks the gradient by the
-- ReLU and gathers the BN backward's sums (gen/layers/conv.lua), so the BN backward makes
-- one pass over memory, not two.
-- Provides groups(g, plan, mode, isa), stats_pairs(g, isa) and grad_pairs(g, groups); the
-- layer kinds emit the fused kernels.
local isa_mod = require("isa")

local M = {}

-- The convolution a BN can fold into in eval mode: its only reader is the BN, it runs right
-- before it, and it has a SIMD kernel (output channels that the ISA's kernels take).
local function foldable_conv(bn, isa)
  local t = bn.inputs[1]
  local conv = t.producer
  if conv and conv.kind == "conv" and #t.consumers == 1 and conv.index == bn.index - 1
     and isa_mod.simd(isa, conv.k) then
    return conv
  end
  return nil
end

-- Fusion groups for one schedule: a map from each fused layer to its group
-- { head = bn or conv, conv = layer or nil, bn = layer, add = layer or nil, relu = layer or nil },
-- for head and members alike. conv is set (and heads the group) only in eval mode.
function M.groups(g, plan, mode, isa)
  local groups = {}
  local layers = g.layers
  local train = mode == "train"
  local function fits(L, input)
    return L and L.inputs[1] == input and plan.inplace[L] and (not train or plan.grad_shared[L])
  end
  for i, L in ipairs(layers) do
    if L.kind == "bn" and L.mod.fusable(L, isa) then
      local nxt, after = layers[i + 1], layers[i + 2]
      local conv = not train and foldable_conv(L, isa) or nil
      local first = conv or L   -- the group's first layer: the shortcut must be ready before it
      local grp
      if nxt and nxt.kind == "add" and fits(nxt, L.output) and after and after.kind == "relu"
         and fits(after, nxt.output) then
        local res = nxt.inputs[2]
        if not res.producer or res.producer.index < first.index then
          grp = { bn = L, add = nxt, relu = after }
        end
      elseif nxt and nxt.kind == "relu" and fits(nxt, L.output) then
        grp = { bn = L, relu = nxt }
      end
      if conv then grp = grp or { bn = L } end
      if grp then
        grp.conv, grp.head = conv, first
        groups[L] = grp
        if conv then groups[conv] = grp end
        if grp.relu then groups[grp.relu] = grp end
        if grp.add then groups[grp.add] = grp end
      end
    end
  end
  return groups
end

-- In training, the conv that eval mode would fold a BN into (foldable_conv) gathers that BN's
-- batch statistics instead: per-channel sums in its epilogue, while the output is in
-- registers, so the BN makes one pass over memory (normalize), not two. A map from each such
-- conv to its BN and from the BN to the conv.
function M.stats_pairs(g, isa)
  local partner = {}
  for _, L in ipairs(g.layers) do
    if L.kind == "bn" and L.mod.fusable(L, isa) then
      local conv = foldable_conv(L, isa)
      if conv then partner[conv], partner[L] = L, conv end
    end
  end
  return partner
end

-- The training backward's conv / BN-ReLU group pairs (above): a map from each such conv to
-- its group (gen/fuse.lua, groups in training mode).
function M.grad_pairs(g, groups)
  local partner = {}
  for _, L in ipairs(g.layers) do
    local grp = groups[L]
    local conv = grp and grp.head == L and grp.relu and g.layers[grp.relu.index + 1]
    if conv and conv.kind == "conv" and conv.inputs[1] == grp.relu.output then
      local first = true   -- no other reader before it in forward order (after it in backward)
      for _, C in ipairs(conv.inputs[1].consumers) do
        if C.index < conv.index then first = false end
      end
      if first then partner[conv] = grp end
    end
  end
  return partner
end

return M
