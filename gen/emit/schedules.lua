-- gen/emit/schedules.lua: the straight-line schedules forward_train, forward_infer and
-- backward. Each walks the graph's layers (forward or reverse order, fused groups as one
-- step: gen/fuse.lua), lets each layer kind record its calls (gen/emit/context.lua), and
-- renders the records: every call timed into r->profile (its name: pass, layer, kernel) and,
-- where the input's gradient is optional, guarded by r->dinput.
-- A schedule is cut into parts at the graph's sections (gen/microbatch.lua, part_of). Each
-- part is its own function, so that a deep net's schedule is many small functions rather
-- than one the compiler must optimize whole; in eval mode some parts run their layers over a
-- micro-batch of images at a time (gen/microbatch.lua).
-- Does not write files (gen/emit/files.lua).
local context = require("emit.context")
local kernels = require("emit.kernels")
local microbatch = require("microbatch")

local M = {}

local format, concat = string.format, table.concat

local function shape_text(t) return format("%dx%dx%d", t.c, t.h, t.w) end

-- Names and description of a layer, or of a fused group headed by it (a BN, or in eval
-- mode the conv before it).
local function group_name(L, grp)
  if not grp then return L.name end
  local short = function(member) return member.name:match("([^.]+)$") end
  local names = { L.name }
  if grp.conv then names[#names + 1] = short(grp.bn) end
  if grp.add then names[#names + 1] = short(grp.add) end
  if grp.relu then names[#names + 1] = short(grp.relu) end
  return concat(names, " + ")
end

local function group_text(L, grp, plan)
  if not grp then return L.mod.describe(L) end
  local add = grp.add and (plan.over_residual[grp.add] and ", residual add (output over the shortcut's buffer)"
                           or ", residual add") or ""
  return L.mod.describe(L) .. (grp.conv and ", batch norm folded in" or "") .. add
         .. (grp.relu and ", relu" or "") .. " (fused)"
end

-- Start a new part when layer L is not in the current one; the calls of a part that runs in
-- micro-batches take the micro-batch's images (gen/emit/context.lua, micro).
local function enter_part(e, L)
  local key, title = microbatch.part_of(L)
  if e.part and e.part.key == key then return end
  e.part = { key = key, title = title, records = {}, micro = e.micro_parts[key] }
  e.parts[#e.parts + 1] = e.part
  e.records = e.part.records
  e.micro = e.part.micro
end

-- The input's layout conversion pseudo-layer (for the kernels' "used by" and describe).
local INPUT = { name = "input", mod = { describe = function() return "input layout" end } }

-- Record the calls of one schedule into the parts of context e.
local function record(model, e, pass)
  local g = model.g
  local groups = e.plan.groups
  local x = g.input
  if pass ~= "backward" then
    enter_part(e, nil)
    e:comment(format("input: NCHW %s -> NHWC", shape_text(x)))
    e.layer = "input"
    local k = e:kernel{ name = format("nchw_to_nhwc_c%dh%dw%d", x.c, x.h, x.w), template = "nchw_to_nhwc.c.in",
                        params = { C = x.c, H = x.h, W = x.w }, layer = INPUT, pass = "layout" }
    e:call(k, "x", e:x(x), e:threads())
    for _, L in ipairs(g.layers) do
      local grp = groups[L]
      if not grp or grp.head == L then
        local inputs = {}
        for i, t in ipairs(L.inputs) do inputs[i] = shape_text(t) end
        if grp and grp.add then inputs[2] = shape_text(grp.add.inputs[2]) end
        enter_part(e, L)
        e:comment(format("%s: %s; %s -> %s", group_name(L, grp), group_text(L, grp, e.plan), concat(inputs, " + "),
                         shape_text(L.output)))
        e.layer = L.name
        L.mod.forward(L, e, grp)
      end
    end
  else
    for i = #g.layers, 1, -1 do
      local L = g.layers[i]
      local grp = groups[L]
      if not grp or grp.head == L then
        enter_part(e, L)
        e:comment(format("%s: %s (backward)", group_name(L, grp), group_text(L, grp, e.plan)))
        e.layer = L.name
        L.mod.backward(L, e, grp)
      end
    end
    enter_part(e, nil)
    e:comment(format("input gradient: NHWC -> NCHW %s", shape_text(x)))
    e.layer = "input"
    local k = e:kernel{ name = format("nhwc_to_nchw_c%dh%dw%d", x.c, x.h, x.w), template = "nhwc_to_nchw.c.in",
                        params = { C = x.c, H = x.h, W = x.w }, layer = INPUT, pass = "layout" }
    e.guard = "r->dinput"
    e:call(k, e:dx(x), "r->dinput")
  end
end

-- The C lines of a part's records: in the full model each call timed as profile entry
-- number #model.profile (its name appended there); in the inference-only file (plain) as
-- it is.
local function render(model, records, fn_pass, plain, indent)
  local lines = {}
  for _, rec in ipairs(records) do
    local line
    if rec.comment then
      line = "/* " .. rec.comment .. " */"
    elseif plain then
      if rec.guard then error("internal: a guarded statement in the inference-only schedule", 0) end
      line = context.call_text(rec) .. ";"
    else
      local id = #model.profile
      model.profile[id + 1] = format("%s %s %s", fn_pass, rec.layer or "?", rec.kernel.name)
      line = format("RN_TIMED(%d, %s);", id, context.call_text(rec))
      if rec.guard then line = format("if (%s)\n        %s", rec.guard, line) end
    end
    lines[#lines + 1] = indent .. line:gsub("\n", "\n" .. indent:sub(5))
  end
  return concat(lines, "\n")
end

-- One schedule: pass "train" or "infer" (forward) or "backward". infer_only: the
-- inference-only file's (statements without profiling, parts taking its context).
-- Returns the parts' C, the calls that make the schedule, and the context (kernels used,
-- scratch needed).
function M.build(model, pass, infer_only)
  local mode = pass == "infer" and "infer" or "train"
  local e = context.new(model, mode, model.plans[mode], infer_only)
  e.parts, e.micro_parts = {}, e.plan.micro   -- the parts the plan laid out for micro-batches
  local fn_pass = pass == "train" and "forward_train" or (pass == "infer" and "forward_infer" or "backward")
  record(model, e, pass)
  -- the parts as functions, then the calls that make the schedule
  local funcs, calls = {}, {}
  local args = pass == "backward" and "r, dlogits" or "r, x, logits"
  for _, part in ipairs(e.parts) do
    local fn = fn_pass .. "_" .. part.key
    local micro = part.micro or false
    funcs[#funcs + 1] = kernels.render(model, "schedule_part.c.in", {
      FN = fn, PASS = pass, TITLE = part.title, INFER_ONLY = infer_only or false,
      BODY = render(model, part.records, fn_pass, infer_only, micro and "        " or "    "),
      MICRO = micro and { images = micro.images, image_bytes = micro.image_bytes, budget = e.plan.micro_bytes } })
    calls[#calls + 1] = format("    %s(%s);", fn, args)
  end
  return concat(funcs, "\n"), concat(calls, "\n"), e
end

return M
