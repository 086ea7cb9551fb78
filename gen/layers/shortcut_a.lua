-- gen/layers/shortcut_a.lua: option A shortcut (He et al. 2016, section 3.3): identity
-- subsampled by the stride, its channels zero-padded up to k. The channel layout of the
-- padding is the spec's shortcut_pad: "both" puts (k - c) / 2 zero channels first (as the
-- common CIFAR reference code does), "end" puts them all after. No parameters.
local M = {}

M.saves = {}

function M.infer(L)
  local x = L.inputs[1]
  if L.k < x.c then
    error(string.format("layer %s: option A cannot shrink %d channels to %d", L.name, x.c, L.k), 0)
  end
  L.pad_lo = L.pad_layout == "both" and math.floor((L.k - x.c) / 2) or 0
  L.oh = math.floor((x.h - 1) / L.stride) + 1
  L.ow = math.floor((x.w - 1) / L.stride) + 1
  return L.oh, L.ow, L.k
end

function M.describe(L)
  return string.format("option A shortcut /%d, %d->%d (pad %s)", L.stride, L.inputs[1].c, L.k, L.pad_layout)
end

local function shape(L)
  local x = L.inputs[1]
  return string.format("shortcut_a_s%d_c%dk%d_h%dw%d_lo%d", L.stride, x.c, L.k, x.h, x.w, L.pad_lo),
    { H = x.h, W = x.w, C = x.c, K = L.k, S = L.stride, OH = L.oh, OW = L.ow, LO = L.pad_lo }
end

function M.forward(L, e)
  local sig, p = shape(L)
  local fn = e:kernel{ name = sig .. "_fwd", template = "shortcut_a_fwd.c.in", params = p, layer = L, pass = "fwd" }
  e:call(fn, e:x(L.inputs[1]), e:x(L.output), e:threads())
end

function M.backward(L, e)
  local sig, p = shape(L)
  local x = L.inputs[1]
  p.ACC = e:accumulate(x, L)
  local fn = e:kernel{ name = sig .. "_bwd" .. (p.ACC == 1 and "_acc" or ""), template = "shortcut_a_bwd.c.in",
                       params = p, layer = L, pass = "bwd", acc = p.ACC == 1 }
  e:call(fn, e:dx(L.output), e:dx(x), e:threads())
end

return M
