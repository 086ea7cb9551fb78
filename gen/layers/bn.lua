-- gen/layers/bn.lua: batch normalization over the channels of NHWC data.
-- Training mode uses batch statistics and updates the running ones as PyTorch does
-- (momentum, unbiased running variance); eval mode uses the running statistics.
-- The batch mean and 1/sqrt(var + eps) are kept in the work buffer for backward.
local M = {}

M.saves = { input = true }   -- backward recomputes xhat from the input

function M.infer(L, g)
  local x = L.inputs[1]
  L.gamma = g:named(L.name .. ".weight", "RN_BN_WEIGHT", { x.c })
  L.beta = g:named(L.name .. ".bias", "RN_BN_BIAS", { x.c })
  L.mean = g:named(L.name .. ".running_mean", "RN_BN_MEAN", { x.c })
  L.var = g:named(L.name .. ".running_var", "RN_BN_VAR", { x.c })
  L.save = g:work(2 * x.c)   -- batch mean [C], then inverse std [C]
  return x.h, x.w, x.c
end

function M.describe(L)
  return string.format("batch norm, %d channels", L.inputs[1].c)
end

local function shape(L)
  local x = L.inputs[1]
  return string.format("bn_c%d_hw%d", x.c, x.h * x.w), { C = x.c, HW = x.h * x.w }
end

function M.forward(L, e)
  local sig, p = shape(L)
  if e.mode == "train" then
    local fn = e:kernel(sig .. "_fwd", "bn_fwd_train.c.in", p, L)
    e:call("%s(n, %s, %s, %s, %s, %s, %s, %s, r->bn_momentum, r->bn_eps);", fn, e:x(L.inputs[1]),
           e:x(L.output), e:p(L.gamma), e:p(L.beta), e:s(L.mean), e:s(L.var), e:w(L.save))
  else
    local fn = e:kernel(sig .. "_fwd_eval", "bn_fwd_eval.c.in", p, L)
    e:call("%s(n, %s, %s, %s, %s, %s, %s, r->bn_eps);", fn, e:x(L.inputs[1]), e:x(L.output),
           e:p(L.gamma), e:p(L.beta), e:s(L.mean), e:s(L.var))
  end
end

function M.backward(L, e)
  local sig, p = shape(L)
  local x = L.inputs[1]
  p.ACC = e:accumulate(x, L)
  local fn = e:kernel(sig .. "_bwd" .. (p.ACC == 1 and "_acc" or ""), "bn_bwd.c.in", p, L)
  e:call("%s(n, %s, %s, %s, %s, %s, %s, %s);", fn, e:x(x), e:dx(L.output), e:dx(x),
         e:p(L.gamma), e:w(L.save), e:dp(L.gamma), e:dp(L.beta))
end

return M
