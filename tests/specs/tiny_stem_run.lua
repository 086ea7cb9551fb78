-- A 3-channel stem whose 68 output channels end in a tail block on every ISA (avx512: a block
-- of 4 vectors, then 4 channels; avx2 and generic: two blocks of 4 vectors, then 4 channels):
-- the stem's taps run as one loop over a row's channels (conv_simd.c.in,
-- conv_bwd_weights_simd.c.in), and that loop must cover the tail block too. Such a shape (72
-- channels on avx512) did not compile at aea022e (-Werror=misleading-indentation) while every
-- other spec passed.
return { name = "tiny_stem_run", input = { 3, 9, 9 }, classes = 4, stem = "cifar", block = "basic",
         stages = { 1 }, widths = { 68 }, shortcut = "A" }
