-- gen/layers/conv.lua: 2-D convolution without bias (every ResNet conv is followed by BN).
-- Attributes: k (output channels), kh, kw, stride, pad. Weights HWIO in the params buffer,
-- OIHW in the state dict. Backward: data (into the input's gradient) and weights.
local M = {}

M.saves = { input = true }   -- backward-weights reads the input

function M.infer(L, g)
  local x = L.inputs[1]
  L.oh = math.floor((x.h + 2 * L.pad - L.kh) / L.stride) + 1
  L.ow = math.floor((x.w + 2 * L.pad - L.kw) / L.stride) + 1
  L.weight = g:named(L.name .. ".weight", "RN_CONV_WEIGHT", { L.k, x.c, L.kh, L.kw })
  return L.oh, L.ow, L.k
end

function M.macs(L)
  return L.oh * L.ow * L.k * L.inputs[1].c * L.kh * L.kw
end

function M.describe(L)
  local x = L.inputs[1]
  return string.format("conv %dx%d/%d pad %d, %d->%d", L.kh, L.kw, L.stride, L.pad, x.c, L.k)
end

-- Kernel parameters shared by the three passes.
local function shape(L)
  local x = L.inputs[1]
  local sig = string.format("conv%dx%d_s%d_c%dk%d_h%dw%d", L.kh, L.kw, L.stride, x.c, L.k, x.h, x.w)
  if L.pad ~= math.floor(L.kh / 2) then sig = sig .. "_p" .. L.pad end
  return sig, { H = x.h, W = x.w, C = x.c, K = L.k, KH = L.kh, KW = L.kw, S = L.stride, P = L.pad,
                OH = L.oh, OW = L.ow }
end

function M.forward(L, e)
  local sig, p = shape(L)
  local fn = e:kernel(sig .. "_fwd", "conv_fwd.c.in", p, L)
  e:call("%s(n, %s, %s, %s);", fn, e:x(L.inputs[1]), e:p(L.weight), e:x(L.output))
end

function M.backward(L, e)
  local sig, p = shape(L)
  local x = L.inputs[1]
  local fn = e:kernel(sig .. "_bwd_weights", "conv_bwd_weights.c.in", p, L)
  e:call("%s(n, %s, %s, %s);", fn, e:x(x), e:dx(L.output), e:dp(L.weight))
  if e:wants_grad(x) then
    local acc = e:accumulate(x, L)
    p.ACC = acc
    fn = e:kernel(sig .. "_bwd_data" .. (acc == 1 and "_acc" or ""), "conv_bwd_data.c.in", p, L)
    e:call("%s(n, %s, %s, %s, %s);", fn, e:dx(L.output), e:p(L.weight),
           e:scratch(L.kh * L.kw * x.c * L.k), e:dx(x))
  end
end

return M
