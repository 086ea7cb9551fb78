-- gen/layers/relu.lua: y = max(x, 0), in place over its input where the plan allows.
-- Backward masks the gradient with the output (y > 0), so only the output is kept.
local M = {}

M.saves = { output = true }
M.inplace = true       -- forward may write over its input
M.grad_inplace = true  -- backward may write the input's gradient over the output's

function M.infer(L)
  local x = L.inputs[1]
  return x.h, x.w, x.c
end

function M.describe() return "relu" end

local function shape(L)
  local x = L.inputs[1]
  return string.format("relu_n%d", x.size), { COUNT = x.size }
end

function M.forward(L, e)
  local sig, p = shape(L)
  local fn = e:kernel{ name = sig .. "_fwd", template = "relu_fwd.c.in", params = p, layer = L, pass = "fwd" }
  e:call(fn, e:x(L.inputs[1]), e:x(L.output))
end

function M.backward(L, e)
  local sig, p = shape(L)
  local x = L.inputs[1]
  p.ACC = e:accumulate(x, L)
  local fn = e:kernel{ name = sig .. "_bwd" .. (p.ACC == 1 and "_acc" or ""), template = "relu_bwd.c.in", params = p,
                       layer = L, pass = "bwd", acc = p.ACC == 1 }
  e:call(fn, e:x(L.output), e:dx(L.output), e:dx(x))
end

return M
