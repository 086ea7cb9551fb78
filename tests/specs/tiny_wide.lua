-- Wide layers on a small map: 256 channels at 8x8, so the conv kernels take their large-layer
-- paths (weights rearranged into contiguous blocks in forward and backward-data, the
-- inference-only code's work buffer, backward-weights by blocks over the batch).
return { name = "tiny_wide", input = { 3, 8, 8 }, classes = 5, stem = "cifar", block = "basic",
         stages = { 1 }, widths = { 256 }, shortcut = "A" }
