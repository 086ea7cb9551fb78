-- gen/emit/entries.lua: standalone entry points of every conv layer's kernels (rn_conv_entry,
-- model.h): the kernels the schedules call (forward as in training, backward-data writing
-- rather than adding), each behind a wrapper with uniform arguments, for per-kernel
-- benchmarks and tests. The layer kind records its calls through a context whose pointers
-- are the wrapper's arguments; each wrapper declares the locals its call needs.
-- Does not write the schedules (gen/emit/schedules.lua).
-- With opts.entries == "all" (`generate --entries all`, the tuning program of tools/tune.sh)
-- every conv layer has one entry per algorithm that fits it (direct, f2, f4: the policy forced
-- through the context's conv_policy), so one build times every candidate.
local context = require("emit.context")

local M = {}

local format, concat = string.format, table.concat

local Standalone = setmetatable({}, { __index = context.Ctx })
Standalone.__index = Standalone

function Standalone:x(t) return t == self.L.output and "y" or "x" end
function Standalone:dx(t) return t == self.L.output and "dy" or "dx" end
function Standalone:p() return "w" end
function Standalone:dp() return "dw" end
function Standalone:accumulate() return 0 end
function Standalone:stats_partner() return nil end
function Standalone:grad_partner() return nil end
function Standalone:wants_grad() return true end

local PASSES = { "fwd", "bwd_data", "bwd_weights" }

local ENTRY_ARGS = {
  fwd = "const float *restrict x, const float *restrict w, float *restrict y",
  bwd_data = "const float *restrict dy, const float *restrict w, float *restrict dx",
  bwd_weights = "const float *restrict x, const float *restrict dy, float *restrict dw",
}

-- The wrappers' C, the rows of the entry table, and their count.
function M.conv_entries(model)
  local funcs, rows = {}, {}
  local policies = model.opts.entries == "all" and { "direct", "f2", "f4" } or { false }
  for _, L in ipairs(model.g.layers) do
    local seen = {}
    for _, policy in ipairs(L.kind == "conv" and policies or {}) do
      local e = setmetatable(context.new(model, "train", model.plans.train), Standalone)
      e.L, e.conv_policy = L, policy or nil
      L.mod.forward(L, e)
      L.mod.backward(L, e)
      local calls = {}
      for _, rec in ipairs(e.records) do
        if rec.kernel then calls[rec.kernel.pass] = rec end
      end
      local triple = {}
      for _, pass in ipairs(PASSES) do triple[#triple + 1] = calls[pass] and calls[pass].kernel.name or "?" end
      triple = concat(triple, " ")
      if not seen[triple] then
        seen[triple] = true
        local id = format("conv_entry_%d", L.index - 1) .. (policy and ("_" .. policy) or "")
        local names = {}
        for _, pass in ipairs(PASSES) do
          local c = calls[pass] or error(format("internal: conv %s recorded no %s call", L.name, pass), 0)
          local decl = { "    const size_t n = (size_t)r->n;" }
          if c.needs.nt then
            decl[#decl + 1] = "    const int nt = r->threads < r->max_threads ? r->threads : r->max_threads;"
          end
          if c.needs.Wk then decl[#decl + 1] = "    float *const Wk = r->work;" end
          funcs[#funcs + 1] = format("/* %s (%s), %s alone: r->n images */\n"
                                     .. "static void %s_%s(rn_run *r, %s)\n{\n%s\n    %s;\n}\n",
                                     L.name, L.mod.describe(L), pass, id, pass, ENTRY_ARGS[pass],
                                     concat(decl, "\n"), context.call_text(c))
          names[#names + 1] = format('"%s"', c.kernel.name)
        end
        rows[#rows + 1] = format("    { %d, %s, %s_fwd, %s_bwd_data, %s_bwd_weights },", L.index - 1,
                                 concat(names, ", "), id, id, id)
      end
    end
  end
  return concat(funcs, "\n"), concat(rows, "\n"), #rows
end

return M
