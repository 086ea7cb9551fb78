-- gen/layers/fc.lua: the classifier, y = x W^T + b, W as PyTorch's [out][in].
-- Its output is the model's logits, written straight into the caller's buffer.
local M = {}

M.saves = { input = true }

function M.infer(L, g)
  local x = L.inputs[1]
  L.infeatures = x.size
  L.weight = g:named(L.name .. ".weight", "RN_FC_WEIGHT", { L.out, x.size })
  L.bias = g:named(L.name .. ".bias", "RN_FC_BIAS", { L.out })
  return 1, 1, L.out
end

function M.macs(L) return L.infeatures * L.out end

function M.describe(L) return string.format("fully connected, %d->%d", L.infeatures, L.out) end

local function shape(L)
  return string.format("fc_i%do%d", L.infeatures, L.out), { IN = L.infeatures, OUT = L.out }
end

function M.forward(L, e)
  local sig, p = shape(L)
  local fn = e:kernel{ name = sig .. "_fwd", template = "fc_fwd.c.in", params = p, layer = L, pass = "fwd" }
  e:call(fn, e:x(L.inputs[1]), e:p(L.weight), e:p(L.bias), e:x(L.output), e:threads())
end

function M.backward(L, e)
  local sig, p = shape(L)
  local x = L.inputs[1]
  p.ACC = e:accumulate(x, L)
  local fn = e:kernel{ name = sig .. "_bwd" .. (p.ACC == 1 and "_acc" or ""), template = "fc_bwd.c.in", params = p,
                       layer = L, pass = "bwd", acc = p.ACC == 1 }
  e:call(fn, e:x(x), e:p(L.weight), e:dx(L.output), e:dx(x), e:dp(L.weight), e:dp(L.bias))
end

return M
