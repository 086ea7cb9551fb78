-- gen/summary.lua: the per-layer table of a model (name, kind, output shape, parameters,
-- MACs per image) and its exact totals. Printed by `resnetc.lua summary` and embedded in
-- the generated model for `<model> summary`.
local M = {}

local format, concat = string.format, table.concat

-- 1234567 -> "1,234,567"
local function commas(n)
  local s = format("%d", n)
  local out = s:reverse():gsub("(%d%d%d)", "%1,"):reverse()
  return (out:gsub("^,", ""))
end
M.commas = commas

-- Parameters declared by each layer (exact counts, statistics excluded), by layer name.
local function layer_params(g)
  local per = {}
  for _, e in ipairs(g.tensor_table) do
    if e.buffer == "params" then
      local owner = e.name:match("^(.*)%.[^.]+$")
      per[owner] = (per[owner] or 0) + e.count
    end
  end
  return per
end

-- Memory lines from emit.memory's figures (floats): bytes as functions of the batch n and
-- the thread count t, and their values at n = 1, t = 1. The generated headers define the
-- same figures as macros (<NAME>_PARAM_BYTES, <NAME>_INFER_BYTES(n, t), <NAME>_TRAIN_BYTES(n, t)).
function M.memory_lines(mem)
  local B = 4
  local params = (mem.params + mem.stats) * B
  local ia, it, iw = mem.infer_act * B, mem.infer_thread * B, mem.infer_work * B
  local tf, ta, tt = (mem.params + mem.train_work) * B, mem.train_act * B, mem.train_thread * B
  return {
    "memory in bytes (float32; n images in the batch, t threads):",
    format("  parameters + BN statistics:   %s", commas(params)),
    format("  activations per image:        %s inference, %s training", commas(ia), commas(ta)),
    format("  inference working memory:     %s + %s n + %s t (rearranged weights; activations; scratch)",
           commas(iw), commas(ia), commas(it)),
    format("  training working memory:      %s + %s n + %s t (gradients, work; activations; scratch)",
           commas(tf), commas(ta), commas(tt)),
    format("  at n = 1, t = 1:              inference %s, training %s", commas(iw + ia + it), commas(tf + ta + tt)),
  }
end

-- The table as a string; with mem (emit.memory), the memory lines after the totals.
function M.render(g, mem)
  local rows = { { "layer", "kind", "output (CxHxW)", "params", "MACs/image" } }
  local x = g.input
  local per_layer = layer_params(g)
  rows[2] = { "input", "input", format("%dx%dx%d", x.c, x.h, x.w), "", "" }
  for _, L in ipairs(g.layers) do
    local t = L.output
    local p = per_layer[L.name] or 0
    rows[#rows + 1] = { L.name, L.kind, format("%dx%dx%d", t.c, t.h, t.w),
                        p > 0 and commas(p) or "", L.macs > 0 and commas(L.macs) or "" }
  end
  local params, macs = g:totals()
  local widths = {}
  for _, r in ipairs(rows) do
    for i, c in ipairs(r) do widths[i] = math.max(widths[i] or 0, #c) end
  end
  local out = {}
  local function line(r)
    local cells = {}
    for i, c in ipairs(r) do
      cells[i] = (i >= 4) and format("%" .. widths[i] .. "s", c) or format("%-" .. widths[i] .. "s", c)
    end
    out[#out + 1] = (concat(cells, "  "):gsub("%s+$", ""))
  end
  for i, r in ipairs(rows) do
    line(r)
    if i == 1 then
      local dashes = {}
      for j = 1, #widths do dashes[j] = string.rep("-", widths[j]) end
      out[#out + 1] = concat(dashes, "  ")
    end
  end
  out[#out + 1] = ""
  out[#out + 1] = format("model %s: %d layers (%d weighted), input %dx%dx%d, %d classes",
    g.spec.name, #g.layers, M.weighted(g), x.c, x.h, x.w, g.spec.classes)
  out[#out + 1] = format("total parameters: %s", commas(params))
  out[#out + 1] = format("forward MACs per image: %s", commas(macs))
  if mem then
    out[#out + 1] = ""
    for _, l in ipairs(M.memory_lines(mem)) do out[#out + 1] = l end
  end
  return concat(out, "\n") .. "\n"
end

-- Number of layers with weights (convs and the classifier).
function M.weighted(g)
  local n = 0
  for _, L in ipairs(g.layers) do if L.kind == "conv" or L.kind == "fc" then n = n + 1 end end
  return n
end

return M
