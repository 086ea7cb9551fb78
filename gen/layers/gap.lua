-- gen/layers/gap.lua: global average pooling, H x W x C -> 1 x 1 x C.
local M = {}

M.saves = {}

function M.infer(L)
  return 1, 1, L.inputs[1].c
end

function M.describe(L)
  local x = L.inputs[1]
  return string.format("global average pool %dx%d", x.h, x.w)
end

local function shape(L)
  local x = L.inputs[1]
  return string.format("gap_c%d_hw%d", x.c, x.h * x.w), { C = x.c, HW = x.h * x.w }
end

function M.forward(L, e)
  local sig, p = shape(L)
  local fn = e:kernel{ name = sig .. "_fwd", template = "gap_fwd.c.in", params = p, layer = L, pass = "fwd" }
  e:call(fn, e:x(L.inputs[1]), e:x(L.output), e:threads())
end

function M.backward(L, e)
  local sig, p = shape(L)
  local x = L.inputs[1]
  p.ACC = e:accumulate(x, L)
  local fn = e:kernel{ name = sig .. "_bwd" .. (p.ACC == 1 and "_acc" or ""), template = "gap_bwd.c.in", params = p,
                       layer = L, pass = "bwd", acc = p.ACC == 1 }
  e:call(fn, e:dx(L.output), e:dx(x), e:threads())
end

return M
