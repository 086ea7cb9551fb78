-- gen/plan.lua: the memory plan: where each activation and each activation gradient lives
-- in the one arena, in floats per image (every such tensor scales with the batch).
--
-- Steps: forward layer i runs at step i (the input conversion at step 0); in training,
-- backward of layer i runs at step 2N+1-i. A tensor lives from the step that writes it to
-- the last step that reads it; what backward reads (a layer kind's `saves`) stays alive
-- until then. Tensors whose lifetimes do not overlap share memory (first fit by offset).
-- In-place layers (ReLU, the residual add) write over their input when no one else needs it,
-- and their backward shares the gradient buffer the same way.
-- In eval mode a part of the schedule that runs in micro-batches (gen/microbatch.lua) runs its
-- layers once per micro-batch: the tensors it shares with the rest of the schedule live over
-- all of its steps, and the others hold one micro-batch (micro_internal).
-- Provides plan(g, mode, isa, micro_bytes); does not emit code.
local graph = require("graph")
local fuse = require("fuse")
local microbatch = require("microbatch")

local M = {}

local align = graph.align

-- Union-find over storages: tensors that share memory share one storage.
local function find(s)
  while s.parent do s = s.parent end
  return s
end

local function union(a, b)
  a, b = find(a), find(b)
  if a == b then return a end
  b.parent = a
  if b.first < a.first then a.first = b.first end
  if b.last > a.last then a.last = b.last end
  if b.size > a.size then a.size = b.size end
  return a
end

-- Whether layer L is the last reader of tensor x in forward order: the first to write x's
-- gradient in backward (the others add to it).
local function last_reader(x, L)
  for _, C in ipairs(x.consumers) do if C.index > L.index then return false end end
  return true
end

-- Plan the arena of graph g for mode "train" (forward keeps what backward needs, plus
-- gradients) or "infer" (forward only, maximal reuse), for the kernels of `isa` (gen/isa.lua:
-- which layers fuse) and eval mode's micro-batches within micro_bytes of cache.
function M.plan(g, mode, isa, micro_bytes)
  local N = #g.layers
  local train = mode == "train"
  local function bstep(L) return 2 * N + 1 - L.index end
  local storages = {}
  local function storage(size, first, last)
    local s = { size = align(size), first = first, last = last, id = #storages + 1 }
    storages[#storages + 1] = s
    return s
  end

  -- activations
  local act = {}
  for _, t in ipairs(g.tensors) do
    if t ~= g.logits then
      local first = t.producer and t.producer.index or 0
      local last = first
      for _, L in ipairs(t.consumers) do
        if L.index > last then last = L.index end
        if train and L.mod.saves.input and bstep(L) > last then last = bstep(L) end
      end
      if train and t.producer and t.producer.mod.saves.output then last = math.max(last, bstep(t.producer)) end
      act[t] = storage(t.size, first, last)
    end
  end
  -- in place: write over the first input when it has no other reader
  local inplace = {}
  for _, L in ipairs(g.layers) do
    local t = L.inputs[1]
    if L.mod.inplace and L.output ~= g.logits and #t.consumers == 1 and not t.is_input
       and not t.producer.mod.saves.output and not (train and L.mod.saves.input)
       and t.size == L.output.size then
      union(act[t], act[L.output])
      inplace[L] = true
    end
  end

  -- gradients of activations
  local grad, grad_shared = {}, {}
  if train then
    for _, t in ipairs(g.tensors) do
      if t ~= g.logits then
        local first_reader = 0
        for _, L in ipairs(t.consumers) do if L.index > first_reader then first_reader = L.index end end
        local first = 2 * N + 1 - first_reader
        local last = t.producer and bstep(t.producer) or 2 * N + 1
        grad[t] = storage(t.size, first, last)
      end
    end
    for _, L in ipairs(g.layers) do
      local t = L.inputs[1]
      if L.mod.grad_inplace and L.output ~= g.logits and #t.consumers == 1 then
        union(grad[t], grad[L.output])
        grad_shared[L] = true
      end
    end
  end

  -- Fusion. In training, a fused BN + (add +) ReLU reads the ReLU's output in the BN's
  -- backward step, later than the ReLU's own. In eval mode, a conv with its BN folded in
  -- writes the group's output itself: the conv's output and the group's share one buffer,
  -- live from the conv's step (so never over the conv's input). Where the group adds a
  -- shortcut that nothing reads after the add, that buffer is the shortcut's own: the
  -- epilogue reads each residual vector and stores the output over it, so the stores land
  -- on lines just read instead of fetching the lines of a fresh buffer from memory first
  -- (over_residual: the kernel's res and y are then one pointer).
  -- In training, the shortcut's gradient is the group's: where the group's backward writes it
  -- first (the add is the shortcut's last reader in forward order), it is g, the output's
  -- gradient masked by the ReLU, which that buffer already holds; the shortcut's gradient then
  -- lives in it (shortcut_in_dy), the group's BN backward stores no copy, and the readers of
  -- the shortcut before the add add their gradients into it. A stage's chain of identity blocks
  -- keeps one gradient buffer.
  local groups = fuse.groups(g, { inplace = inplace, grad_shared = grad_shared }, mode, isa)
  local over_residual, shortcut_in_dy = {}, {}
  for L, grp in pairs(groups) do
    if grp.head == L then
      if train then
        local s = find(act[grp.relu.output])
        if bstep(L) > s.last then s.last = bstep(L) end
        local res = grp.add and grp.add.inputs[2]
        if res and last_reader(res, grp.add) then
          union(grad[res], grad[grp.relu.output])
          shortcut_in_dy[grp.add] = true
        end
      elseif grp.conv then
        union(act[grp.conv.output], act[grp.bn.output])
        -- the shortcut's storage: read by nothing after the add, not the conv's input's
        local res = grp.add and grp.add.inputs[2]
        local s = res and not res.is_input and find(act[res])
        if s and s.last <= grp.add.index and s ~= find(act[grp.conv.inputs[1]]) then
          union(act[res], act[grp.bn.output])
          over_residual[grp.add] = true
        end
      end
    end
  end

  -- Micro-batched parts (eval mode). A tensor that a part reads from before it or leaves to
  -- after it (a boundary tensor: its storage holds one) holds the whole batch, each
  -- micro-batch at its own images, and lives over all of the part's steps, so that nothing
  -- written inside the part lands on it. Every other tensor of the part holds one
  -- micro-batch, at the storage's first images, and keeps its lifetime and sharing: each
  -- micro-batch runs the part's layers in order, so what one layer writes over is dead for
  -- that micro-batch, as it would be for the batch. The micro-batch's maps then stay in the
  -- same few lines of cache from one micro-batch to the next.
  local micro = microbatch.micro_parts(g, mode, micro_bytes)
  local internal = {}
  for _, part in pairs(micro) do
    local function inside(L) return L and L.index >= part.first and L.index <= part.last end
    local tensors, boundary = {}, {}
    for i = part.first, part.last do
      local L = g.layers[i]
      for _, t in ipairs({ L.output, L.inputs[1], L.inputs[2] }) do
        tensors[#tensors + 1] = t
        local crosses = not inside(t.producer)
        for _, C in ipairs(t.consumers) do crosses = crosses or not inside(C) end
        if crosses then boundary[find(act[t])] = true end
      end
    end
    for _, t in ipairs(tensors) do
      local s = find(act[t])
      if boundary[s] then
        s.first, s.last = math.min(s.first, part.first), math.max(s.last, part.last)
      else
        internal[t] = true
      end
    end
  end

  -- first fit by offset over storages ordered by their first step
  local roots = {}
  for _, s in ipairs(storages) do if not s.parent then roots[#roots + 1] = s end end
  table.sort(roots, function(a, b)
    if a.first ~= b.first then return a.first < b.first end
    return a.id < b.id
  end)
  local active, total = {}, 0
  for _, s in ipairs(roots) do
    local kept = {}
    for _, a in ipairs(active) do if a.last >= s.first then kept[#kept + 1] = a end end
    table.sort(kept, function(a, b) return a.offset < b.offset end)
    local off = 0
    for _, a in ipairs(kept) do
      if off + s.size <= a.offset then break end
      if a.offset + a.size > off then off = a.offset + a.size end
    end
    s.offset = off
    if off + s.size > total then total = off + s.size end
    kept[#kept + 1] = s
    active = kept
  end

  local P = { mode = mode, total = total, act = {}, grad = {}, grad_shared = grad_shared, inplace = inplace,
              over_residual = over_residual, shortcut_in_dy = shortcut_in_dy, micro_bytes = micro_bytes, micro = micro, micro_internal = internal, groups = groups,
              stats = train and fuse.stats_pairs(g, isa) or {},
              grad_pairs = train and fuse.grad_pairs(g, groups) or {} }
  for t, s in pairs(act) do P.act[t] = find(s).offset end
  for t, s in pairs(grad) do P.grad[t] = find(s).offset end
  -- d(loss)/d(x) is written by the last reader in forward order (the first in backward);
  -- every other reader adds to it
  function P.accumulate(x, L) return last_reader(x, L) and 0 or 1 end
  return P
end

return M
