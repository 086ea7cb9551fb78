-- gen/layers/bn.lua: batch normalization over the channels of NHWC data.
-- Training mode uses batch statistics and updates the running ones as PyTorch does
-- (momentum, unbiased running variance); eval mode uses the running statistics.
-- The batch mean and 1/sqrt(var + eps) are kept in the work buffer for backward.
-- Training kernels take r->bn_reduce (model.h): when set, the batch statistics are summed
-- over the processes of a data-parallel job (synchronized BN, docs/distributed.md).
local isa_mod = require("isa")

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

-- Whether the SIMD (and fusable) kernels of `isa` apply (gen/isa.lua).
function M.fusable(L, isa) return isa_mod.simd(isa, L.inputs[1].c) end

-- Kernel parameters and name of the SIMD pass, fused with the group's add and ReLU; with
-- stats, the batch statistics come from the conv before (forward: gen/fuse.lua, stats_pairs),
-- or the backward's sums from the conv after (backward: grad_pairs).
local function simd(L, pass, grp, stats)
  local sig, p = shape(L)
  p.PASS, p.RELU, p.RES = pass, grp and grp.relu ~= nil or false, grp and grp.add ~= nil or false
  p.STATS, p.RES_IN_DY = stats or false, false
  local name = sig .. (p.RES and "_add" or "") .. (p.RELU and "_relu" or "") .. (p.STATS and "_stats" or "")
               .. "_" .. pass:gsub("_train", "")
  return name, p
end

function M.forward(L, e, grp)
  if M.fusable(L, e.isa) then
    local out = grp and grp.relu.output or L.output
    local res = grp and grp.add and e:x(grp.add.inputs[2])
    if e.mode == "train" then
      local name, p = simd(L, "fwd_train", grp, e:stats_partner(L) ~= nil)
      local fn = e:kernel{ name = name, template = "bn_simd.c.in", params = p, layer = L, pass = "fwd" }
      e:call(fn, e:x(L.inputs[1]), res, e:x(out), e:p(L.gamma), e:p(L.beta), e:s(L.mean), e:s(L.var), e:w(L.save),
             "r->bn_momentum", "r->bn_eps", "r->bn_reduce", "r->bn_reduce_ctx", e:thread_scratch(4 * L.inputs[1].c),
             e:threads())
    else
      local name, p = simd(L, "fwd_eval", grp)
      local fn = e:kernel{ name = name, template = "bn_simd.c.in", params = p, layer = L, pass = "fwd_eval" }
      e:call(fn, e:x(L.inputs[1]), res, e:x(out), e:p(L.gamma), e:p(L.beta), e:s(L.mean), e:s(L.var), "r->bn_eps",
             e:threads())
    end
    return
  end
  local sig, p = shape(L)
  if e.mode == "train" then
    local fn = e:kernel{ name = sig .. "_fwd", template = "bn_fwd_train.c.in", params = p, layer = L, pass = "fwd" }
    e:call(fn, e:x(L.inputs[1]), e:x(L.output), e:p(L.gamma), e:p(L.beta), e:s(L.mean), e:s(L.var), e:w(L.save),
           "r->bn_momentum", "r->bn_eps", "r->bn_reduce", "r->bn_reduce_ctx")
  else
    local fn = e:kernel{ name = sig .. "_fwd_eval", template = "bn_fwd_eval.c.in", params = p, layer = L,
                         pass = "fwd_eval" }
    e:call(fn, e:x(L.inputs[1]), e:x(L.output), e:p(L.gamma), e:p(L.beta), e:s(L.mean), e:s(L.var), "r->bn_eps")
  end
end

function M.backward(L, e, grp)
  local x = L.inputs[1]
  if M.fusable(L, e.isa) then
    -- with the sums from the conv after (gen/fuse.lua, grad_pairs): dy already masked by the ReLU
    local name, p = simd(L, "bwd", grp, e:sums_given(L))
    p.ACC = e:accumulate(x, L)
    local out = grp and grp.relu.output or L.output
    local dres
    if p.RES then
      local res = grp.add.inputs[2]
      p.RES_ACC = e:accumulate(res, grp.add)
      -- the shortcut's gradient is g, in dy's buffer (gen/plan.lua), or a buffer of its own
      p.RES_IN_DY = e:shortcut_in_dy(grp.add)
      dres = not p.RES_IN_DY and e:dx(res)
      name = name .. (p.RES_ACC == 1 and "_resacc" or "") .. (p.RES_IN_DY and "_res_in_dy" or "")
    end
    name = name .. (p.ACC == 1 and "_acc" or "")
    local fn = e:kernel{ name = name, template = "bn_simd.c.in", params = p, layer = L, pass = "bwd", acc = p.ACC == 1 }
    e:call(fn, e:x(x), p.RELU and not p.STATS and e:x(out), e:dx(out), e:dx(x), dres, e:p(L.gamma), e:w(L.save), e:dp(L.gamma),
           e:dp(L.beta), "r->bn_reduce", "r->bn_reduce_ctx", e:thread_scratch(4 * x.c), e:threads())
    return
  end
  local sig, p = shape(L)
  p.ACC = e:accumulate(x, L)
  local fn = e:kernel{ name = sig .. "_bwd" .. (p.ACC == 1 and "_acc" or ""), template = "bn_bwd.c.in", params = p,
                       layer = L, pass = "bwd", acc = p.ACC == 1 }
  e:call(fn, e:x(x), e:dx(L.output), e:dx(x), e:p(L.gamma), e:w(L.save), e:dp(L.gamma), e:dp(L.beta),
         "r->bn_reduce", "r->bn_reduce_ctx")
end

return M
