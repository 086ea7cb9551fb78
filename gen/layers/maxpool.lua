-- gen/layers/maxpool.lua: max pooling with -inf padding (the ImageNet stem's 3x3/2), both
-- passes from templates/maxpool.c.in. A NaN propagates and the first maximal element in scan
-- order wins (the runtime's rn_maxpool_* follows the same rule); the backward recomputes
-- that arg-max from the input instead of storing indices.
local M = {}

M.saves = { input = true }

function M.infer(L)
  local x = L.inputs[1]
  L.oh = math.floor((x.h + 2 * L.pad - L.kh) / L.stride) + 1
  L.ow = math.floor((x.w + 2 * L.pad - L.kw) / L.stride) + 1
  return L.oh, L.ow, x.c
end

function M.describe(L)
  return string.format("max pool %dx%d/%d pad %d", L.kh, L.kw, L.stride, L.pad)
end

local function shape(L)
  local x = L.inputs[1]
  return string.format("maxpool%dx%d_s%d_p%d_c%d_h%dw%d", L.kh, L.kw, L.stride, L.pad, x.c, x.h, x.w),
    { H = x.h, W = x.w, C = x.c, KH = L.kh, KW = L.kw, S = L.stride, P = L.pad, OH = L.oh, OW = L.ow }
end

function M.forward(L, e)
  local sig, p = shape(L)
  p.BWD, p.ACC = 0, 0
  local fn = e:kernel{ name = sig .. "_fwd", template = "maxpool.c.in", params = p, layer = L, pass = "fwd" }
  e:call(fn, e:x(L.inputs[1]), e:x(L.output), e:threads())
end

function M.backward(L, e)
  local sig, p = shape(L)
  local x = L.inputs[1]
  p.BWD, p.ACC = 1, e:accumulate(x, L)
  local fn = e:kernel{ name = sig .. "_bwd" .. (p.ACC == 1 and "_acc" or ""), template = "maxpool.c.in",
                       params = p, layer = L, pass = "bwd", acc = p.ACC == 1 }
  e:call(fn, e:x(x), e:dx(L.output), e:dx(x), e:threads())
end

return M
