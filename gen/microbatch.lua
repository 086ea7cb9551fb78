-- gen/microbatch.lua: the parts of a schedule, and which parts of the eval-mode forward run
-- in micro-batches.
--
-- A schedule is cut into parts at the graph's sections (gen/graph.lua): the stem, every
-- BLOCKS_PER_PART blocks of a stage, the head; each part is one C function
-- (gen/emit/schedules.lua). In eval mode nothing ties one image to another, so a part may
-- run all its layers over a few images before it takes the next few. Over the whole batch,
-- the maps that one layer writes and the next reads go to memory once they outgrow the
-- caches (ResNet-50's 56x56x256 maps: 51 MiB a batch of 16 against a 32 MiB L3); over a
-- micro-batch they are still in cache. What it costs: every micro-batch reads the part's
-- weights again.
--
-- A block part runs in micro-batches where that reads fewer bytes from beyond the caches:
-- its micro-batch is as many images as keep one block's maps (the block's input and the maps
-- its convolutions write) within MICRO_BATCH_BYTES, at most MAX_IMAGES, and its weights, read
-- once per micro-batch, must weigh less than the maps of the part that such a micro-batch
-- keeps in cache. The runtime runs the whole batch at once where its maps fit twice the
-- budget (the cache the budget is half of), and otherwise rounds the micro-batch to whole
-- images per thread (rn_micro_batch, templates/threads.c.in). The memory plan (gen/plan.lua)
-- decides where the part's tensors live.
-- Provides part_of(L) and micro_parts(g, mode, budget); does not emit code.
local M = {}

local format = string.format

M.BLOCKS_PER_PART = 16

-- The cache that a micro-batch's maps may fill, by default (`generate --micro-batch-bytes`
-- sets it; 0 runs every part over the whole batch): half the L3 of the CPUs measured (32 MiB
-- on the Zen 5 of docs/benchmarks.md).
M.MICRO_BATCH_BYTES = 16 * 1024 * 1024

-- A part whose micro-batch would hold more images than this runs whole: its maps are small
-- for an image, so the batches it is used with mostly fit the cache anyway, and the tensors it
-- shares with the rest of the schedule (gen/plan.lua) would cost memory at every batch
-- (ResNet-20, whose parts would take 85 to 256 images: its eval arena grew by 63% and its
-- inference at batch 128, run whole, was 6% slower, 10 interleaved rounds).
M.MAX_IMAGES = 15

-- The part that layer L (nil: the input's layout conversion, in the stem) belongs to: its
-- key (a C identifier's tail) and its title (for the comment). A stage's blocks go
-- BLOCKS_PER_PART to a part, named after the stage and its first block.
function M.part_of(L)
  local b = L and L.block
  if b then
    local first = math.floor(b.index / M.BLOCKS_PER_PART) * M.BLOCKS_PER_PART
    return format("%s_%d", b.stage:gsub("[^%w_]", "_"), first), format("%s.%d", b.stage, first)
  end
  if L and L.section == "head" then return "head", "head" end
  return "stem", "stem"
end

-- The parts of graph g's schedule in `mode` ("infer": eval mode) that run in micro-batches
-- within `budget` bytes of cache: a map from the part's key to { first, last (its layers'
-- indices), images (per micro-batch, before the runtime's rounding), image_bytes (one
-- block's maps per image, the largest in the part), weight_bytes, maps_bytes (the part's
-- maps per image) }. Empty in training (the batch statistics tie the images together) and
-- where budget is 0.
function M.micro_parts(g, mode, budget)
  if mode ~= "infer" or budget == 0 then return {} end
  local parts, order = {}, {}
  for _, L in ipairs(g.layers) do
    if L.block then
      local key = M.part_of(L)
      local p = parts[key]
      if not p then
        p = { key = key, first = L.index, last = L.index, blocks = {}, weight_bytes = 0, maps_bytes = 0 }
        parts[key], order[#order + 1] = p, p
      end
      p.last = L.index
      local blk = p.blocks[L.block.index]
      if not blk then
        blk = { bytes = 4 * L.inputs[1].size }   -- the block's input (its first layer's)
        p.blocks[L.block.index] = blk
      end
      if L.kind == "conv" then   -- the BN, add and ReLU after it write the same buffer (gen/fuse.lua)
        blk.bytes = blk.bytes + 4 * L.output.size
        p.maps_bytes = p.maps_bytes + 4 * L.output.size
        p.weight_bytes = p.weight_bytes + 4 * L.kh * L.kw * L.inputs[1].c * L.k
      end
    end
  end
  local micro = {}
  for _, p in ipairs(order) do
    p.image_bytes = 0
    for _, blk in pairs(p.blocks) do p.image_bytes = math.max(p.image_bytes, blk.bytes) end
    p.blocks = nil
    p.images = math.max(1, math.floor(budget / p.image_bytes))
    if p.images <= M.MAX_IMAGES and p.weight_bytes < p.images * p.maps_bytes then micro[p.key] = p end
  end
  return micro
end

return M
