-- A 3-channel stem whose 72 output channels end in a tail block on avx512 (a block of 4
-- vectors, then one of 8 channels): the stem's taps run as one loop over a row's channels
-- (conv_simd.c.in, conv_bwd_weights_simd.c.in), and that loop must cover the tail block too.
-- This shape did not compile at aea022e (-Werror=misleading-indentation) while every other
-- spec passed.
return { name = "tiny_stem_run", input = { 3, 9, 9 }, classes = 4, stem = "cifar", block = "basic",
         stages = { 1 }, widths = { 72 }, shortcut = "A" }
