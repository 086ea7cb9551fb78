-- Tile edges of every ISA (gen/isa.lua): 8, 24, 48, 80 and 88 channels (on avx512: a masked
-- vector alone; one whole and one masked; three whole; five whole; five whole blocks then a
-- masked tail block: each block kind of isa.blocks), an odd 17x19 input and a stride-2 entry
-- to each later stage, with projection shortcuts.
return { name = "tiny_edges", input = { 3, 17, 19 }, classes = 5, stem = "cifar", block = "basic",
         stages = { 1, 1, 1, 1, 1 }, widths = { 8, 24, 48, 80, 88 }, shortcut = "B" }
