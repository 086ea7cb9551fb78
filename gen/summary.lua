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

-- The table as a string.
function M.render(g)
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
  return concat(out, "\n") .. "\n"
end

-- Number of layers with weights (convs and the classifier).
function M.weighted(g)
  local n = 0
  for _, L in ipairs(g.layers) do if L.kind == "conv" or L.kind == "fc" then n = n + 1 end end
  return n
end

return M
