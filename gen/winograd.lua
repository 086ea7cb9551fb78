-- gen/winograd.lua: Winograd's minimal filtering F(m x m, 3 x 3) (Lavin and Gray, "Fast
-- Algorithms for Convolutional Neural Networks", 2016) as data, and which convolutions take it.
-- An output tile of m x m pixels comes from an input tile of a x a (a = m + 2) as
--   Y = A^T [ (G g G^T) (.) (B^T d B) ] A
-- per pair of channels, the elementwise products (.) summed over the input channels: a^2
-- matrix products of [tiles x IC] by [IC x OC] instead of 9 m^2 multiply-adds per pixel pair.
-- templates/conv_winograd.c.in writes the transforms out as straight-line vector code.
local M = {}

-- B^T (a x a) and A^T (m x a) have small integer entries; G (a x 3) is written as C constant
-- expressions, rounded once to float by the compiler.
M.F = {
  [2] = {
    m = 2, a = 4,
    BT = { { 1, 0, -1, 0 }, { 0, 1, 1, 0 }, { 0, -1, 1, 0 }, { 0, 1, 0, -1 } },
    G = { { "1.0f", "0.0f", "0.0f" }, { "0.5f", "0.5f", "0.5f" }, { "0.5f", "-0.5f", "0.5f" }, { "0.0f", "0.0f", "1.0f" } },
    AT = { { 1, 1, 1, 0 }, { 0, 1, -1, -1 } },
  },
  [4] = {
    m = 4, a = 6,
    BT = { { 4, 0, -5, 0, 1, 0 }, { 0, -4, -4, 1, 1, 0 }, { 0, 4, -4, -1, 1, 0 },
           { 0, -2, -1, 2, 1, 0 }, { 0, 2, -1, -2, 1, 0 }, { 0, 4, 0, -5, 0, 1 } },
    G = { { "1.0f / 4", "0.0f", "0.0f" }, { "-1.0f / 6", "-1.0f / 6", "-1.0f / 6" },
          { "-1.0f / 6", "1.0f / 6", "-1.0f / 6" }, { "1.0f / 24", "1.0f / 12", "1.0f / 6" },
          { "1.0f / 24", "-1.0f / 12", "1.0f / 6" }, { "0.0f", "0.0f", "1.0f" } },
    AT = { { 1, 1, 1, 1, 1, 0 }, { 0, 1, -1, 2, -2, 0 }, { 0, 1, 1, 4, 4, 0 }, { 0, 1, -1, 8, -8, 1 } },
  },
}

-- Whether a convolution of shape p (conv.lua: C, K, KH, KW, S, P, OH, OW) can take F(m x m, 3 x 3)
-- on this ISA: 3x3, stride 1, pad 1, channels in whole vectors, a map of at least one tile. An
-- output not divisible into m x m tiles takes partial tiles at its bottom and right edges
-- (computed whole from an input padded with zeros, stored in part).
function M.fits(isa, p, m)
  return p.KH == 3 and p.KW == 3 and p.S == 1 and p.P == 1 and p.C % isa.vw == 0 and p.K % isa.vw == 0
         and p.OH >= m and p.OW >= m
end

-- Whether the output divides into whole m x m tiles (no partial tiles).
function M.whole(p, m) return p.OH % m == 0 and p.OW % m == 0 end

-- Transformed weights (a^2 x C x K floats) of at least this many bytes are written past the
-- caches (conv_winograd.c.in, WSTREAM; measured in gen/layers/conv.lua), which the cost model
-- counts on (M.model).
M.STREAM_BYTES = 16 * 1024 * 1024

-- Whether F(m x m)'s transformed weights for C input and K output channels are written so.
function M.streams(m, C, K)
  local a = m + 2
  return a * a * C * K * 4 >= M.STREAM_BYTES
end

-- The tile size for conv shape p of a network (its spec: `plain` without shortcuts) under
-- the generator's policy (`--conv`), and why, for the kernel's comment: nil for direct.
-- `how` (optional): { sig = the layer's signature (conv.lua), dir = "fwd" | "eval" | "bwd_data" |
-- "bwd_weights" (eval: the forward in eval mode, which transforms its weights once per weight
-- change; a tuning file's fwd entry serves it too), tuning = a parsed tuning file (gen/tuning.lua) }. The reason is nil where no
-- Winograd tile fits the shape (there was nothing to choose).
--   direct  never Winograd
--   f2, f4  F(2x2, 3x3) / F(4x4, 3x3) wherever it fits
--   auto    the tuning file's measured choice for this signature and direction where it has
--           one, else the cost model below; direct in plain networks, tuning file or not:
--           without shortcuts every perturbation passes through every layer, forward and
--           backward, and Winograd's larger rounding error shows. Measured on plain56 against
--           the reference executor (tests/gen gen_parity_plain56, batch 2): training logits'
--           relative error 7.6e-5 direct, 1.05e-4 with F(2x2) (tolerance 1e-4); plain20's
--           gradients against PyTorch 2.6-6.7e-3 with F(4x4) (tolerance 1e-3). ResNets pass
--           with either.
function M.choose(policy, isa, p, spec, how)
  how = how or {}
  local any = M.fits(isa, p, 2) or M.fits(isa, p, 4)
  local function why(text) return any and text or nil end
  if policy == "direct" then return nil, why("direct: --conv direct") end
  if policy == "f2" or policy == "f4" then
    local m = policy == "f2" and 2 or 4
    if M.fits(isa, p, m) then return m, why("F(" .. m .. "x" .. m .. ", 3x3): --conv " .. policy) end
    return nil, why("direct: --conv " .. policy .. ", which does not fit this shape")
  end
  if spec and spec.plain then
    return nil, why("direct: plain network (Winograd's larger rounding error; gen/winograd.lua)")
  end
  local entry = how.tuning and how.sig and require("tuning").lookup(how.tuning, how.sig, how.dir == "eval" and "fwd" or how.dir)
  if entry and any then
    local m = entry.algo == "f2" and 2 or entry.algo == "f4" and 4 or nil
    if m and not M.fits(isa, p, m) then
      error(string.format("%s: %s does not fit %s (F(%dx%d, 3x3) needs 3x3 stride 1 pad 1, channels in whole "
                          .. "vectors of %d and a map of at least %dx%d)", entry.where, entry.algo, how.sig, m, m, isa.vw, m, m), 0)
    end
    return m, require("tuning").describe(entry)
  end
  local m = M.model(isa, p, how.dir)
  if not m then
    return nil, any and not M.whole(p, 2) and "modelled: direct, backward of a map in partial tiles (gen/winograd.lua)" or nil
  end
  if m == 4 and not M.whole(p, 4) then
    local what = how.dir == "eval" and "eval forward of a wide layer" or how.dir == "bwd_weights"
                 and "backward-weights of a wide layer" or "a wide layer whose weights are written past the caches"
    return 4, "modelled: F(4x4) in partial tiles, " .. what .. " (gen/winograd.lua)"
  end
  if m == 4 then return 4, "modelled: F(4x4) on maps of 8x8 and more in whole tiles (gen/winograd.lua)" end
  if not M.whole(p, 2) then return 2, "modelled: F(2x2) in partial tiles (gen/winograd.lua)" end
  return 2, "modelled: F(2x2) on maps under 8x8 or not in whole 4x4 tiles (gen/winograd.lua)"
end

M.policies = { "auto", "direct", "f2", "f4" }

-- The cost model of `auto`: F(4x4) on maps of 8x8 and more in whole 4x4 tiles, else F(2x2),
-- where each fits. F(4x4) does 4x fewer multiplications than direct against F(2x2)'s 2.25x,
-- but has 36 transformed weight matrices to stream, and an 8x8 map gives it only 4 tiles per
-- image. Measured first (bench/conv_algos.sh --threads 1 --clock cpu --batch 32, resnet20,
-- avx512, Intel Xeon VM; GFLOP/s of the direct count, medians of 3 rounds;
-- docs/benchmarks.md): 16 and 32 channels on 32x32 and 16x16: direct 105/92, F(2x2) 110/114,
-- F(4x4) 145/150 forward, alike in backward-data and backward-weights; 64 channels on 8x8:
-- direct 92, F(2x2) 124, F(4x4) 106; so F(4x4) from 16x16 up. Then, with the kernels as they
-- are now, at the benchmarks' batch 128 on 2 threads (Zen 4, conv_layers_resnet20_candidates
-- --tune --batch 128 --threads 2 --iters 9 --only c64k64_h8, 3 runs, ms a call), 64 channels
-- on 8x8: forward direct 3.11-3.24, F(2x2) 1.78-1.83, F(4x4) 1.04-1.09; backward-data
-- 3.12-3.31, 1.85-1.95, 1.29-1.37; backward-weights 3.26-3.59, 2.08-2.32, 1.45-1.96. Hence
-- F(4x4) from 8x8 up.
-- A map in partial tiles (odd sizes: ResNet-18/50's 7x7) takes F(2x2) forward only (dir, as in
-- `how`; nil: forward). Measured (resnet50's 512 channels on 7x7, batch 16, 2 threads, Zen 4,
-- conv_layers --tune, ms): forward direct 22.7, F(2x2) 14.9, F(4x4) 15.1; backward-data 27.7,
-- 39.0, 30.5; backward-weights 32.6, 42.6, 78.9 (each thread's a^2 x C x K sums: 16 MiB). And
-- F(4x4) in partial tiles on 14x14 measured no faster than F(2x2) in whole ones.
-- After 7x7 maps took chunks of several images (gen/layers/conv.lua, winograd_plan), the
-- same measurement gave: forward direct 22.1, F(2x2) 12.5, F(4x4) 11.5; backward-data 21.7,
-- 16.7, 20.3; and on 256 channels at 14x14, forward F(2x2) 8.7, F(4x4) 8.0 (11.0 and 8.3 in a
-- second run), backward-data 9.6 and 12.7. These include the weights' transform, which the
-- eval forward does once per weight change: there (resnet50 bench --mode infer --profile),
-- F(4x4) took 7.7 ms a call on 256 channels at 14x14 against F(2x2)'s 8.5, and 8.0 on 512 at
-- 7x7 against 12.4; in training F(4x4) lost on 256 channels (58.8 ms a step against 53.9).
-- Hence, for wide layers (256 channels and more in and out): F(4x4) in eval mode where its
-- tiles compute at most 4/3 of the map's pixels (14x14 and 7x7: 1.31), F(2x2) in training;
-- F(2x2) backward-data in partial tiles; backward-weights stays direct there.
-- Backward-weights, after its last step (G^T dU G with the sums over the threads) was
-- vectorized and large sums took chunks of several images (conv.lua, WINO_DU_BYTES), measured
-- (same setup, 4 interleaved rounds, ms): 256 channels at 14x14, direct 18.5-22.8, F(2x2)
-- 11.5-14.0, F(4x4) 10.9-12.3; 512 at 7x7, direct 14.9-17.8, F(2x2) 17.5-20.2, F(4x4)
-- 25.5-29.3 (4 tiles an image, 36 MiB of sums a thread). Hence F(4x4) for wide layers'
-- backward-weights in partial tiles where the waste is at most 4/3 and an image has at least
-- 16 tiles, and direct at 7x7.
-- Then the training forward and backward-data wrote their transformed weights past the caches
-- where those reach STREAM_BYTES (gen/layers/conv.lua): 512 channels at 7x7, Zen 5
-- (conv_layers_resnet50_candidates --batch 16 --threads 2 --tune, 3 interleaved rounds,
-- medians, ms a call): forward F(2x2) 6.55, F(4x4) 5.38; backward-data 7.40 and 6.53 (direct
-- 10.4 and 11.2 in the tuning file of that day). Hence F(4x4) in training too where its
-- weights stream so (512 channels in and out), in tiles of at most 4/3 waste.
function M.model(isa, p, dir)
  dir = dir or "fwd"
  local wide = p.C >= 256 and p.K >= 256
  if M.fits(isa, p, 4) then
    if M.whole(p, 4) and p.OH * p.OW >= 64 then return 4 end
    if dir == "eval" and wide and M.waste(p, 4) <= 4 / 3 then return 4 end
    -- where even F(2x2)'s weights stream
    if (dir == "fwd" or dir == "bwd_data") and wide and M.streams(2, p.C, p.K) and M.waste(p, 4) <= 4 / 3 then
      return 4
    end
    if dir == "bwd_weights" and wide and M.waste(p, 4) <= 4 / 3 and math.ceil(p.OH / 4) * math.ceil(p.OW / 4) >= 16 then
      return 4
    end
  end
  if M.fits(isa, p, 2) and (M.whole(p, 2) or dir == "fwd" or dir == "eval" or dir == "bwd_data" and wide) then return 2 end
  return nil
end

-- The computed pixels per output pixel of F(m x m) tiles on p's map (1 in whole tiles).
function M.waste(p, m)
  return math.ceil(p.OH / m) * m * math.ceil(p.OW / m) * m / (p.OH * p.OW)
end

return M
