-- Tiny Fashion-MNIST residual net for the data-parallel tests (tests/dist): widths 6 and 12
-- take the scalar BN kernels, 24 the SIMD ones, so synchronized BN is checked in both.
return { name = "dist_tiny", input = { 1, 28, 28 }, classes = 10, stem = "cifar",
         block = "basic", stages = { 1, 1, 1 }, widths = { 6, 12, 24 }, shortcut = "A" }
