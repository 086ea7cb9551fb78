-- gen/fuse.lua: which layers run fused. A batch norm whose output goes only to a ReLU, or
-- only to a residual add followed by a ReLU, runs as one kernel with them: one pass over
-- memory forward (normalize, add, clamp) and one reduction pass plus one output pass
-- backward (mask, BN gradient, shortcut gradient). Fusion needs the memory plan to have put
-- the three outputs (and their gradients) in one buffer, which it does for in-place layers.
-- Provides groups(g, plan, mode); the layer kinds emit the fused kernels.
local M = {}

-- Fusion groups for one schedule: a map from each fused layer to its group
-- { head = bn, add = layer or nil, relu = layer }, for head and members alike.
function M.groups(g, plan, mode)
  local groups = {}
  local layers = g.layers
  local train = mode == "train"
  local function fits(L, input)
    return L and L.inputs[1] == input and plan.inplace[L] and (not train or plan.grad_shared[L])
  end
  for i, L in ipairs(layers) do
    if L.kind == "bn" and L.mod.fusable(L) then
      local nxt, after = layers[i + 1], layers[i + 2]
      local grp
      if nxt and nxt.kind == "add" and fits(nxt, L.output) and after and after.kind == "relu"
         and fits(after, nxt.output) then
        local res = nxt.inputs[2]
        if not res.producer or res.producer.index < L.index then
          grp = { head = L, add = nxt, relu = after }
        end
      elseif nxt and nxt.kind == "relu" and fits(nxt, L.output) then
        grp = { head = L, relu = nxt }
      end
      if grp then
        groups[L] = grp
        groups[grp.relu] = grp
        if grp.add then groups[grp.add] = grp end
      end
    end
  end
  return groups
end

return M
