-- gen/layers/add.lua: the residual addition y = branch + shortcut (inputs 1 and 2).
-- Written over the branch's tensor where the plan allows. Its backward passes the gradient
-- to both inputs: to the branch by sharing the buffer, to the shortcut by a copy or a sum.
local M = {}

M.saves = {}
M.inplace = true
M.grad_inplace = true   -- the branch's gradient is the output's gradient

function M.infer(L)
  local a, b = L.inputs[1], L.inputs[2]
  if a.h ~= b.h or a.w ~= b.w or a.c ~= b.c then
    error(string.format("layer %s: adding %dx%dx%d to %dx%dx%d", L.name, a.h, a.w, a.c, b.h, b.w, b.c), 0)
  end
  return a.h, a.w, a.c
end

function M.describe() return "add shortcut" end

function M.forward(L, e)
  local x = L.inputs[1]
  local fn = e:kernel{ name = string.format("add_n%d_fwd", x.size), template = "add_fwd.c.in",
                       params = { COUNT = x.size }, layer = L, pass = "fwd" }
  e:call(fn, e:x(L.inputs[1]), e:x(L.inputs[2]), e:x(L.output))
end

function M.backward(L, e)
  for i, x in ipairs(L.inputs) do
    if not (i == 1 and e:grad_shared(L)) and e:wants_grad(x) then
      local acc = e:accumulate(x, L)
      local fn = e:kernel{ name = string.format("grad_pass_n%d%s", x.size, acc == 1 and "_acc" or ""),
                           template = "grad_pass.c.in", params = { COUNT = x.size, ACC = acc }, layer = L,
                           pass = "bwd", acc = acc == 1 }
      e:call(fn, e:dx(L.output), e:dx(x))
    end
  end
end

return M
