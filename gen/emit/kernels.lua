-- gen/emit/kernels.lua: the model's kernels: one static function per distinct kernel name,
-- rendered from its template once, with the record of what it is (its pass, whether it adds
-- into the input gradient, the layers that call it), and the kernels' definitions with their
-- comments. Also the helpers every template may use (vector access, register tiles).
-- Does not name kernels (each layer kind does, by the convention in docs/design.md) and does
-- not write schedules (gen/emit/schedules.lua).
local template = require("template")

local M = {}

local format, concat = string.format, table.concat

-- Vector access helpers of the SIMD templates, for vectors of `vw` floats. vl(at, lanes): an
-- expression loading `lanes` floats at `at` (a whole vector, or one masked to its first lanes:
-- gen/isa.lua); vs(at, val, lanes): the statement storing them.
local function vector_io(vw)
  local function vl(at, lanes)
    if lanes == vw then return format("vload(%s)", at) end
    return format("vloadn(%s, %d)", at, lanes)
  end
  local function vs(at, val, lanes)
    if lanes == vw then return format("vstore(%s, %s);", at, val) end
    return format("vstoren(%s, %s, %d);", at, val, lanes)
  end
  return vl, vs
end

-- Register-tile helpers of the conv templates. zeros(t, kv): the declarators of row t's
-- accumulators, "a<t>_0 = vzero(), ..., a<t>_<kv-1> = vzero()".
local function zeros(t, kv)
  local a = {}
  for v = 0, kv - 1 do a[#a + 1] = format("a%d_%d = vzero()", t, v) end
  return concat(a, ", ")
end

-- outer_product(rows, lanes, vw, indent): the lines of one rank-1 update of a rows x #lanes
-- tile: vectors d<v> of lanes[v + 1] floats from dq, a broadcast b<t> from xq[t] per row,
-- a<t>_<v> += b<t> * d<v>.
local function outer_product(rows, lanes, vw, indent)
  local vl = vector_io(vw)
  local out = {}
  for v = 0, #lanes - 1 do
    out[#out + 1] = format("%sconst vf d%d = %s;", indent, v, vl(format("dq + %d", v * vw), lanes[v + 1]))
  end
  for t = 0, rows - 1 do
    out[#out + 1] = format("%sconst vf b%d = vbcast(xq + %d);", indent, t, t)
    for v = 0, #lanes - 1 do out[#out + 1] = format("%sa%d_%d = vfma(b%d, d%d, a%d_%d);", indent, t, v, t, v, t, v) end
  end
  return concat(out, "\n")
end

-- split(n, tmax): the tile width that covers n pixels (or channels) in as few tiles of at
-- most tmax as possible, as evenly as possible (32 pixels by at most 24: 16 + 16, not
-- 24 + 8, whose short tile has too few accumulators to hide the FMA latency).
local function split(n, tmax)
  local tiles = math.ceil(n / tmax)
  return math.ceil(n / tiles)
end

-- image_split(claim): how a conv kernel's threads go through the images (templates/threads.c.in):
-- rn_next_group's arguments before n (the threads' ranges when they claim images, NULL for
-- the fixed split) and the image past which the thread is not likely to take the next (the
-- batch's end when claiming, else its range's), for the next image's prefetch.
local function image_split(claim)
  if claim then return "ranges, by_image, tid, threads", "n" end
  return "NULL, by_image, tid, nt", "rn_images_end(n, tid, nt, by_image)"
end

-- Helpers every template may use.
local TEMPLATE_BASE = { ipairs = ipairs, math = math, string = string, table = table, format = format,
                        zeros = zeros, outer_product = outer_product, split = split, image_split = image_split }

-- Render templates/<file> of the model's template folder with params.
function M.render(model, file, params)
  return template.render_file(model.opts.templates, file, params, TEMPLATE_BASE)
end

-- The passes a kernel may serve, and what each means in its comment.
local PASS_TEXT = {
  fwd = "forward", fwd_eval = "forward in eval mode", bwd = "backward",
  bwd_data = "backward to the input", bwd_weights = "backward to the weights", layout = "layout conversion",
}

-- The steps of a conv tile's epilogue (templates/threads.c.in, rn_epilogue) that a kernel's
-- params ask for: ACC (params.ACC == 1), STATS, BN, RES, RELU, BNGRAD.
local EPILOGUE = { "ACC", "STATS", "BN", "RES", "RELU", "BNGRAD" }
local function epilogue(params)
  local e = {}
  for _, step in ipairs(EPILOGUE) do
    if step == "ACC" then e[step] = params.ACC == 1 else e[step] = params[step] or false end
  end
  return e
end

-- Register the kernel a layer kind asks for (once per distinct name) and note its layer as
-- one of its users. spec: name, template (a file of templates/), params, layer (whose
-- describe() says what the kernel computes), pass (a key of PASS_TEXT), acc (true where the
-- kernel adds into the input gradient), why (optional: how its algorithm was chosen, for
-- the comment: gen/winograd.lua, choose), also (optional: what else its epilogue does, for
-- the comment), body (optional: the name of the tile functions it
-- shares with the other kernels of the same body, which differ only in their epilogues; the
-- template then renders them with PART = "body" and the kernel with PART = "kernel", both
-- when the definitions are written, knowing every user: see definitions). Returns the
-- kernel's record.
function M.register(model, spec)
  local name, L = spec.name, spec.layer
  if not PASS_TEXT[spec.pass] then
    error(format("internal: kernel %s: unknown pass '%s'", name, tostring(spec.pass)), 0)
  end
  local k = model.kernels[name]
  if not k then
    local params = spec.params
    params.NAME = name
    params.ISA, params.VW = model.isa.name, model.isa.vw
    params.vl, params.vs = vector_io(model.isa.vw)
    k = { name = name, template = spec.template, pass = spec.pass, acc = spec.acc or false,
          what = L.mod.describe(L), why = spec.why, also = spec.also, users = {}, seen = {} }
    if spec.body then
      k.shared, k.params, k.epilogue = spec.body, params, epilogue(params)
      params.BODY = spec.body
    else
      k.body = M.render(model, spec.template, params)
    end
    model.kernels[name] = k
    model.kernel_order[#model.kernel_order + 1] = k
  elseif k.template ~= spec.template or k.pass ~= spec.pass or k.acc ~= (spec.acc or false)
         or k.shared ~= spec.body then
    error(format("internal: kernel %s registered twice, as %s %s and as %s %s", name, k.template, k.pass,
                 spec.template, spec.pass), 0)
  end
  if not k.seen[L.name] then
    k.seen[L.name] = true
    k.users[#k.users + 1] = L.name
  end
  return k
end

-- The epilogue hook of each shared body, from the kernels of `kernels` that use it: a step
-- every one of them takes is "always" (written unconditionally), one only some take "some"
-- (a branch on the tile's `epi` argument, a constant at each call), one none takes is absent.
-- EPI_ARG: whether the tile takes `epi` (some step is "some").
local function hooks(kernels)
  local users, count = {}, {}
  for _, k in ipairs(kernels) do
    if k.shared then
      local b = k.shared
      users[b], count[b] = (users[b] or 0) + 1, count[b] or {}
      for _, step in ipairs(EPILOGUE) do
        if k.epilogue[step] then count[b][step] = (count[b][step] or 0) + 1 end
      end
    end
  end
  local epi = {}
  for b, n in pairs(users) do
    local e = { EPI_ARG = false }
    for _, step in ipairs(EPILOGUE) do
      local c = count[b][step] or 0
      if c == n then e[step] = "always" elseif c > 0 then e[step] = "some"; e.EPI_ARG = true end
    end
    epi[b] = e
  end
  return epi
end

-- Render kernel k (or with part = "body", the body it shares) with the epilogue hook epi.
local function render_shared(model, k, epi, part)
  local params = k.params
  params.EPI, params.PART = epi, part
  local text = M.render(model, k.template, params)
  params.EPI, params.PART = nil, nil
  return text
end

-- Kernel definitions (with their comments) of the kernels for which keep(k) holds, and
-- their count. A shared body comes right before the first kernel that uses it, rendered for
-- the kept kernels only (the inference-only file keeps no training epilogue).
function M.definitions(model, keep)
  local kept = {}
  for _, k in ipairs(model.kernel_order) do
    if keep(k) then kept[#kept + 1] = k end
  end
  local epi, written, out = hooks(kept), {}, {}
  for _, k in ipairs(kept) do
    local body = k.body
    if k.shared then
      local b = k.shared
      if not written[b] then
        -- every user must render the same body (same shape, class and tiles)
        local text, names = render_shared(model, k, epi[b], "body"), {}
        for _, u in ipairs(kept) do
          if u.shared == b then
            names[#names + 1] = u.name
            if render_shared(model, u, epi[b], "body") ~= text then
              error(format("internal: kernels %s and %s share body %s but render it differently", k.name, u.name, b), 0)
            end
          end
        end
        out[#out + 1] = format("/* %s_*: the tiles of %s, for the kernels that share them\n"
                               .. " * (their epilogues: rn_epilogue): %s. */\n%s", b, k.what, concat(names, ", "), text)
        written[b] = true
      end
      body = render_shared(model, k, epi[b], "kernel")
    end
    local users = concat(k.users, ", ")
    if #k.users > 6 then
      users = concat({ k.users[1], k.users[2], k.users[3] }, ", ") .. format(", ... (%d layers)", #k.users)
    end
    local pass = PASS_TEXT[k.pass] .. (k.acc and ", adding into the input gradient" or "") .. (k.also and ", " .. k.also or "")
    local why = k.why and format("\n * Algorithm: %s.", k.why) or ""
    out[#out + 1] = format("/* %s: %s, %s.%s\n * Used by: %s. */\n%s", k.name, k.what, pass, why, users, body)
  end
  return concat(out, "\n"), #kept
end

return M
