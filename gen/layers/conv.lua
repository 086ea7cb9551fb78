-- gen/layers/conv.lua: 2-D convolution without bias (every ResNet conv is followed by BN).
-- Attributes: k (output channels), kh, kw, stride, pad. Weights HWIO in the params buffer,
-- OIHW in the state dict. Backward: data (into the input's gradient) and weights.
local isa_mod = require("isa")
local winograd = require("winograd")

local format = string.format

local M = {}

M.saves = { input = true }   -- backward-weights reads the input

function M.infer(L, g)
  local x = L.inputs[1]
  L.oh = math.floor((x.h + 2 * L.pad - L.kh) / L.stride) + 1
  L.ow = math.floor((x.w + 2 * L.pad - L.kw) / L.stride) + 1
  L.weight = g:named(L.name .. ".weight", "RN_CONV_WEIGHT", { L.k, x.c, L.kh, L.kw })
  return L.oh, L.ow, L.k
end

function M.macs(L)
  return L.oh * L.ow * L.k * L.inputs[1].c * L.kh * L.kw
end

function M.describe(L)
  local x = L.inputs[1]
  return string.format("conv %dx%d/%d pad %d, %d->%d", L.kh, L.kw, L.stride, L.pad, x.c, L.k)
end

-- Kernel parameters shared by the three passes.
local function shape(L)
  local x = L.inputs[1]
  local sig = string.format("conv%dx%d_s%d_c%dk%d_h%dw%d", L.kh, L.kw, L.stride, x.c, L.k, x.h, x.w)
  if L.pad ~= math.floor(L.kh / 2) then sig = sig .. "_p" .. L.pad end
  return sig, { H = x.h, W = x.w, C = x.c, K = L.k, KH = L.kh, KW = L.kw, S = L.stride, P = L.pad,
                OH = L.oh, OW = L.ow }
end

-- Register tiles for `oc` output channels: blocks of vectors by T pixels (or input channels),
-- the ISA's accumulator budget over the block's vectors (gen/isa.lua, blocks). Returns the
-- blocks and the width of a main block (of the tail block where there is none). cols: the
-- pixels of a row of the pass's output, where its tiles run along rows. Each tile streams its
-- block's weights (for every tap and input channel) through L1, so a tile of few pixels
-- makes the weights' lines, not the FMAs, the limit: where blocks of 4 vectors would cut the
-- rows into tiles less than 2/3 full on average (avx512's 7-pixel rows: 4 + 3 of 6), blocks
-- of 2 vectors take twice the pixels (7 of 12). Measured (resnet50, batch 16, 2 threads,
-- conv_layers --tune, 3 interleaved rounds, ms a call, medians): 1x1 512->2048 on 7x7 forward
-- 8.5 -> 6.4, backward-data 10.1 -> 7.0; 3x3 stride-2 512->512 forward 25.3 -> 14.1. Fuller
-- tiles lost: on 14x14 outputs (5 + 5 + 4 against 7 + 7) 3x3 stride-2 256->256 went 29.0 ->
-- 36.2 backward-data and 32.6 -> 37.5 forward (1 thread, CPU time).
local function tiles(isa, oc, cols)
  local b = isa_mod.blocks(isa, oc)
  if cols and b.main and b.main.nv == 4 then
    local t = b.main.t
    if cols / math.ceil(cols / t) < t * 2 / 3 then b = isa_mod.blocks(isa, oc, 2) end
  end
  return b, (b.main or b.tail).width
end

-- Weight gradients larger than this do not stay in L2 (see backward_weights_plan).
local L2_WEIGHT_BYTES = 1024 * 1024

-- Output pixels per chunk of the batch in the by-block weight gradient (backward_weights_plan):
-- 4 images of 7x7. Each block's tile loads and stores its sums once a chunk, so longer chunks
-- spread that over more FMAs, though the chunk's dy (196 pixels of 64 floats: 49 KiB on
-- avx512) no longer fits L1. Measured on Zen 5 (48 KiB L1; conv_layers_resnet50 --batch 16
-- --threads 2, 5 interleaved rounds, GFLOP/s of bwd-wts, 1 image -> 4): 1x1 512->2048
-- 282 -> 351, 2048->512 251 -> 283, stride-2 1x1 1024->2048 207 -> 313, 3x3 512->512 416 -> 457,
-- stride-2 3x3 512->512 282 -> 295; 6 images alike, 8 lower (docs/benchmarks.md).
local BY_BLOCK_PIXELS = 196

-- The bytes of input that a group of images may read while each block of weights runs over
-- them (block_order).
local GROUP_BYTES = 1024 * 1024

-- The share of L2 that a direct pass's weights may take before their blocks go outermost
-- (block_order).
local L2_SHARE = 512 * 1024

-- A direct pass's padding: NOPAD where the padded copy would be the image itself (1x1, pad 0:
-- the tiles read it in place), else the per-thread copy's floats as its scratch.
local function padding(q, h, w, c)
  q.NOPAD = q.PT == 0 and q.PL == 0 and q.HP == h and q.WP == w
  q.scratch = q.NOPAD and 0 or q.HP * q.WP * c
  return q
end

-- Forward rearranges its weights into contiguous blocks (conv_simd.c.in, PREP) from this many
-- output channels on (HWIO rows 1 KiB apart and more). Below it the prefetchers follow the
-- rows, and at batch 1 the rearranging would cost more than it saves (ResNet-20's 64-channel
-- stage: 0.61 -> 0.83 ms per image).
local PACK_MIN_OC = 256

-- Forward as one correlation class over x padded by P on the top and left.
local function forward_plan(L, p, isa)
  local blocks, kb = tiles(isa, p.K, p.OW)
  local hp = math.max(p.P + p.H, (p.OH - 1) * p.S + p.KH)
  local wp = math.max(p.P + p.W, (p.OW - 1) * p.S + p.KW)
  local taps = {}
  for i = 0, p.KH - 1 do
    for j = 0, p.KW - 1 do
      taps[#taps + 1] = { i = i, j = j, off = (i * wp + j) * p.C, index = i * p.KW + j }
    end
  end
  return padding({ IH = p.H, IW = p.W, IC = p.C, OH = p.OH, OW = p.OW, OC = p.K, HP = hp, WP = wp,
           PT = p.P, PL = p.P, BLOCKS = blocks, KB = kb, TAPS = p.KH * p.KW, PREP = p.K > kb and p.K >= PACK_MIN_OC, ACC = 0,
           TRANSPOSE = false, BN = false, RES = false, RELU = false, STATS = false, BNGRAD = false, CACHE = false,
           CLAIM = false, classes = { { what = "every output pixel", rows = p.OH, cols = p.OW, rs = p.S, r0 = 0, c0 = 0,
                         istep = p.S * p.C, ors = 1, or0 = 0, ocs = 1, oc0 = 0, ostep = p.K, taps = taps } } }, p.H, p.W, p.C)
end

-- Backward to the input as stride^2 correlation classes: dx pixel (S*a + pi, S*b + pj)
-- gathers dy[a + di][b + dj] through the taps (i, j) with S*di = pi + P - i, S*dj = pj + P - j.
local function backward_data_plan(L, p, acc, isa)
  local S = p.S
  local blocks, kb = tiles(isa, p.C, math.ceil(p.W / S))   -- the widest class's rows
  local classes, top, left, bottom, right = {}, 0, 0, 0, 0
  for pi = 0, S - 1 do
    for pj = 0, S - 1 do
      local rows, cols = math.floor((p.H - pi + S - 1) / S), math.floor((p.W - pj + S - 1) / S)
      if rows > 0 and cols > 0 then
        local taps = {}
        for i = 0, p.KH - 1 do
          for j = 0, p.KW - 1 do
            if (pi + p.P - i) % S == 0 and (pj + p.P - j) % S == 0 then
              local di, dj = math.floor((pi + p.P - i) / S), math.floor((pj + p.P - j) / S)
              top, left = math.max(top, -di), math.max(left, -dj)
              bottom = math.max(bottom, rows - 1 + di - (p.OH - 1))
              right = math.max(right, cols - 1 + dj - (p.OW - 1))
              taps[#taps + 1] = { i = i, j = j, di = di, dj = dj, index = i * p.KW + j }
            end
          end
        end
        classes[#classes + 1] = { what = string.format("dx pixels (%d*a + %d, %d*b + %d)", S, pi, S, pj),
                                  rows = rows, cols = cols, rs = 1, ors = S, or0 = pi, ocs = S, oc0 = pj,
                                  istep = p.K, ostep = S * p.C, taps = taps }
      end
    end
  end
  local hp, wp = top + p.OH + bottom, left + p.OW + right
  for _, cls in ipairs(classes) do
    cls.r0, cls.c0 = top, left
    for _, tap in ipairs(cls.taps) do tap.off = (tap.di * wp + tap.dj) * p.K end
  end
  return padding({ IH = p.OH, IW = p.OW, IC = p.K, OH = p.H, OW = p.W, OC = p.C, HP = hp, WP = wp,
           PT = top, PL = left, BLOCKS = blocks, KB = kb, TAPS = p.KH * p.KW, PREP = true, ACC = acc,
           TRANSPOSE = true, BN = false, RES = false, RELU = false, STATS = false, BNGRAD = false, CACHE = false,
           CLAIM = false, classes = classes },
           p.OH, p.OW, p.K)
end

-- Backward to the weights. Per image (x padded as in forward), each thread adding into its
-- own copy of dw after a sweep over the image's output pixels; or, when that copy outgrows
-- the L2 cache and the sweeps are short (at most 64 pixels: a 7x7 map, where the read-add-write
-- of dw from L3 outweighs the sweep's FMAs), by blocks of dw each summed over the whole batch
-- (conv_bwd_weights_by_block.c.in), with every tap's in-image range of output pixels. On
-- ResNet-50's 14x14 and larger maps the per-image form is faster (docs/benchmarks.md).
local function backward_weights_plan(L, p, isa)
  local f = forward_plan(L, p, isa)
  local blocks, kb = tiles(isa, p.K)
  local dw_in_l2 = p.KH * p.KW * p.C * p.K * 4 <= L2_WEIGHT_BYTES
  local q = { H = p.H, W = p.W, C = p.C, K = p.K, KH = p.KH, KW = p.KW, S = p.S, OH = p.OH, OW = p.OW,
              HP = f.HP, WP = f.WP, PT = p.P, PL = p.P, BLOCKS = blocks, KB = kb, NOPAD = f.NOPAD,
              BY_BLOCK = not dw_in_l2 and p.OH * p.OW <= 64 and blocks.tail == nil }
  -- BY_BLOCK's chunk of the batch: the images of about BY_BLOCK_PIXELS output pixels, whose dy
  -- (KB floats each) a run of blocks goes through before the next chunk
  q.IMG = math.max(1, math.floor(BY_BLOCK_PIXELS / (p.OH * p.OW)))
  -- rows per chunk of the per-image form: about 85 pixels, whose dy block (KB floats each)
  -- and x lines (64 bytes each) fill half of a 32 KiB L1; whole images when dw is too large
  -- for L2, as each chunk reads and rewrites the thread's copy of dw
  q.RCH = dw_in_l2 and math.max(1, math.min(p.OH, math.floor(85 / p.OW))) or p.OH
  -- output index range [lo, hi) whose input index o*S + d lies in [0, size)
  local function range(d, size, out)
    local lo = math.max(0, math.ceil(-d / p.S))
    return lo, math.max(lo, math.min(out, math.floor((size - 1 - d) / p.S) + 1))
  end
  q.taps = {}
  for i = 0, p.KH - 1 do
    for j = 0, p.KW - 1 do
      local t = { i = i, j = j, di = i - p.P, dj = j - p.P }
      t.r0, t.r1 = range(t.di, p.H, p.OH)
      t.c0, t.c1 = range(t.dj, p.W, p.OW)
      q.taps[#q.taps + 1] = t
    end
  end
  return q
end

-- Winograd F(m x m, 3 x 3) for a 3x3 stride-1 pass (templates/conv_winograd.c.in), forward or
-- (transpose) backward-data; or nil where the generator's policy (`--conv`, gen/winograd.lua)
-- keeps the direct kernel. A chunk of work is TR tile rows of each of IPC images: about
-- WINO_TILES tiles, for the products to reuse each block of transformed weights, and the
-- transformed input and products (a^2 floats x (IC + OC) per tile) within WINO_BYTES of L2.
local WINO_TILES, WINO_BYTES, WINO_L1 = 32, 128 * 1024, 16 * 1024
-- Narrow layers, whose tile's transforms (a^2 x (IC + OC) floats) take at most
-- WINO_NARROW_BYTES, reuse a block of transformed weights over few tiles anyway (16 and 32
-- channels: 1 and 4 KiB a point), and their time goes to the transforms, which read and write
-- the chunk's V and M: chunks of about WINO_NARROW_TILES tiles instead, within or near L1.
-- Measured (resnet20, conv_layers_resnet20_candidates --tune --batch 128, 5 interleaved rounds,
-- medians, ms a call; Emerald Rapids, 48 KiB L1): 16 channels at 32x32 in F(4x4), 8 tiles a
-- chunk (37 KiB) against 16: forward 1.25 -> 1.20, backward-data 1.24 -> 1.14,
-- backward-weights 1.44 -> 1.31 (2 threads), and 2.23 -> 2.16, 2.23 -> 2.16, 2.81 -> 2.59 on one
-- thread (CPU time); 32 channels at 16x16, 8 tiles (74 KiB) against 16, one thread: 1.69 ->
-- 1.56, 1.67 -> 1.58, 2.09 -> 1.96 (4 tiles: 1.68, 1.70, 2.47).
local WINO_NARROW_BYTES, WINO_NARROW_TILES = 10 * 1024, 8
-- Transformed weights beyond this many bytes stream from L3 at every chunk (winograd_plan, PFW).
local WINO_STREAM_BYTES = 2 * 1024 * 1024
-- Backward-weights reads and writes each thread's sums dU (a^2 x IC x OC floats) once per chunk.
-- Where they exceed WINO_DU_BYTES (a quarter of Zen 4's 32 MiB L3: each of two threads has its
-- own), a chunk takes whole images, as many as make WINO_DU_TILES tiles within WINO_DU_CHUNK
-- bytes of transformed input and dy, so that the products' arithmetic outweighs that traffic.
-- Measured (resnet50, batch 16, 2 threads, Zen 4, conv_layers --tune --only, 4 interleaved
-- rounds, ms): F(4x4) on 256 channels at 14x14 (9 MiB of sums, 16 tiles an image) 10.9-12.3
-- against 12.9-15.6 with one image a chunk; F(2x2) on 512 at 7x7 (16 MiB) 17.5-20.2 against
-- 26.7-28.8. Where the sums are smaller it lost: F(2x2) on 256 at 14x14 (4 MiB) 14.8-16.0
-- against 11.5-14.0, F(4x4) on 128 at 28x28 (2.4 MiB) 10.1-10.7 against 5.7-6.1.
local WINO_DU_BYTES, WINO_DU_TILES, WINO_DU_CHUNK = 8 * 1024 * 1024, 256, 16 * 1024 * 1024

-- A Winograd kernel's chunk: the tile rows of an image (tr, dividing its rows) and the images
-- (ipc) whose tiles it transforms together, for an F(m x m) tile of a x a, ic channels in and oc
-- out, rows x ntc tiles an image; dir as in winograd.choose.
local function winograd_chunk(a, ic, oc, rows, ntc, dir)
  local tile_bytes = a * a * (ic + oc) * 4
  local want = tile_bytes <= WINO_NARROW_BYTES and WINO_NARROW_TILES or WINO_TILES   -- tiles a chunk
  local tr, ipc = 1, 1
  -- 1. as many tiles as make `want` (WINO_TILES; WINO_NARROW_TILES for narrow layers) whose
  --    whole transforms fit WINO_BYTES: whole images (several where they are small), else whole
  --    tile rows of one
  if rows * ntc * tile_bytes <= WINO_BYTES then
    tr = rows
    ipc = math.max(1, math.min(math.ceil(want / (rows * ntc)), math.floor(WINO_BYTES / (rows * ntc * tile_bytes))))
  else
    for d = rows, 1, -1 do
      if rows % d == 0 and d * ntc * tile_bytes <= WINO_BYTES and (d * ntc <= want or d == 1) then tr = d; break end
    end
  end
  -- 2. too few tiles to reuse the transformed weights (wide layers: the whole transform of even
  --    one tile row overflows WINO_BYTES): size the chunk by what one of the a^2 products
  --    touches instead, its rows of V and M (IC + OC floats a tile), whole rows of one image
  --    (two images at a time where one is small measured no faster: resnet20 inference, Zen 4)
  if ipc * tr * ntc < want / 2 then
    ipc = 1
    for d = rows, 1, -1 do
      if rows % d == 0 and d * ntc * (ic + oc) * 4 <= WINO_BYTES and d * ntc <= 2 * want then tr = d; break end
    end
    -- 3. where whole images still give fewer than WINO_TILES tiles and one product's weights
    --    (IC x OC floats) are larger than WINO_BYTES, as many images as make WINO_TILES, within
    --    WINO_BYTES: ResNet-50's 512 channels at 7x7 in F(4x4) read their 36 MiB of transformed
    --    weights once per image of 4 tiles before (11.6 ms a call in eval mode, now 8.0)
    if tr == rows and ic * oc * 4 > WINO_BYTES then
      local per_image = rows * ntc * (ic + oc) * 4
      ipc = math.max(1, math.min(math.ceil(WINO_TILES / (rows * ntc)), math.floor(WINO_BYTES / per_image)))
    end
  end
  -- 4. backward-weights where a thread's sums dU (a^2 x IC x OC floats) exceed WINO_DU_BYTES:
  --    whole images, enough for WINO_DU_TILES tiles within WINO_DU_CHUNK, so that dU is read
  --    and written once per chunk of many tiles
  if dir == "bwd_weights" and a * a * ic * oc * 4 > WINO_DU_BYTES then
    local per_image = rows * ntc * tile_bytes
    tr = rows
    ipc = math.max(1, math.min(math.ceil(WINO_DU_TILES / (rows * ntc)), math.floor(WINO_DU_CHUNK / per_image)))
  -- 5. backward-weights on small maps, where a chunk of whole images has under want / 2
  --    tiles: as many images as make `want`. Each product call loads and stores its register
  --    tile of dU around the chunk's tiles; on resnet20's 64 channels at 8x8 (4 tiles an image)
  --    that outweighed the 4 tiles' FMAs: 1.11-1.14 -> 0.81 ms a call with 8 images a chunk
  --    (Emerald Rapids, conv_layers --tune --batch 128 --threads 2, 5 interleaved rounds). The
  --    forward and backward-data, whose products keep their sums in registers, measured no
  --    faster that way (0.68 -> 0.73 and 0.75 -> 0.80 ms), nor on Zen 4 (step 2).
  elseif dir == "bwd_weights" and tr == rows and ipc * rows * ntc < want / 2 then
    ipc = math.ceil(want / (rows * ntc))
  end
  return tr, ipc
end

-- The floats from one of a Winograd chunk's a^2 planes (V, M, Yh: n floats of rows) to the
-- next: one 64-byte line more. The transforms load or store a vector in each plane in turn;
-- planes a multiple of 4 KiB apart fall in one of L1's 64 sets, more of them than its ways
-- (ResNet-50's 512 channels at 7x7 in F(4x4): 36 planes of 64 KiB). Measured against planes of
-- NT rows (conv_layers_resnet50_candidates --batch 16 --threads 2 --tune, 7 interleaved rounds,
-- medians, ms a call, Zen 5): F(4x4) on 256 channels at 14x14 forward 6.30 -> 6.04,
-- backward-data 6.43 -> 6.17; on 512 at 7x7 6.58 -> 6.42 and 7.43 -> 7.32: at the noise's edge,
-- all six kernels (with backward-weights) the same way.
local function plane(n)
  return n + 16
end

-- Backward-weights' rows of V and Yh (a tile's floats, n channels) in its products: one 64-byte
-- line longer where they are whole KiBs. A register tile of dU goes down the chunk's tiles, a
-- row each (conv_winograd.c.in, WEIGHTS); rows 1 KiB apart fall in 4 of L1's 64 sets, and the
-- chunk's (128 tiles) outnumber their ways. ResNet-50's 256 channels at 14x14 in F(4x4)
-- (conv_layers_resnet50_candidates --batch 16 --threads 2 --tune, runs of 5, 5 and 7 interleaved
-- rounds, medians, ms a call, Zen 5): 7.50 -> 5.77, 6.38 -> 5.15, 7.79 -> 6.80. Rows of 512 and
-- 256 bytes (128 and 64 channels) measured 0.91-1.05x and 1.05-1.22x padded: left as they are.
local function padded_row(n)
  return n * 4 % 1024 == 0 and n + 16 or n
end

-- dir: the direction whose choice applies (fwd, eval, bwd_data, bwd_weights: gen/winograd.lua);
-- sig: the layer's signature. Returns the plan (nil for direct) and why it was chosen (the
-- kernel's comment; nil where no Winograd tile fits). e.conv_policy, where set, overrides the
-- model's policy (the tuning candidates of entries.lua).
local function winograd_plan(e, p, transpose, acc, dir, sig)
  local m, why = winograd.choose(e.conv_policy or e.model.opts.conv or "auto", e.isa, p, e.model.g.spec,
                                 { sig = sig, dir = dir, tuning = not e.conv_policy and e.model.opts.tuning or nil })
  if not m then return nil, why end
  local F = winograd.F[m]
  local ic, oc = transpose and p.K or p.C, transpose and p.C or p.K
  local b = isa_mod.blocks(e.isa, oc)
  local ntc, rows = math.ceil(p.OW / m), math.ceil(p.OH / m)   -- partial tiles at the edges
  local tr, ipc = winograd_chunk(F.a, ic, oc, rows, ntc, dir)
  local tpc = tr * ntc
  -- register tile: the widest that divides a chunk's tiles per image, unless that is under half
  -- the accumulator budget; then the widest the budget allows, and a narrower tail tile
  local tw = 1
  for d = math.min(tpc, b.main.t), 1, -1 do
    if tpc % d == 0 then tw = d; break end
  end
  if 2 * tw < math.min(tpc, b.main.t) then tw = math.min(tpc, b.main.t) end
  -- the products' reduction by blocks of CB channels where a block of the transformed weights
  -- (IC x KB floats) would overflow WINO_L1 bytes
  local cb = ic
  while cb * b.main.width * 4 > WINO_L1 and cb % 2 == 0 do cb = cb / 2 end
  local q = { IH = p.H, IW = p.W, IC = ic, CB = cb, OH = p.OH, OW = p.OW, OC = oc,
              MT = m, A = F.a, BT = F.BT, G = F.G, AT = F.AT, KB = b.main.width, KV = b.main.nv, TW = tw, TAIL = tpc % tw,
              TR = tr, NTC = ntc, TPC = tpc, IPC = ipc, NT = ipc * tpc, NCH = rows / tr, TAPS = F.a * F.a,
              PREP = true, ACC = acc or 0, TRANSPOSE = transpose, BN = false, RES = false, RELU = false,
              STATS = false, BNGRAD = false, CACHE = false, CLAIM = false }
  if transpose then q.IH, q.IW, q.OH, q.OW = p.OH, p.OW, p.H, p.W end
  q.PARTIAL = not winograd.whole(p, m)
  q.PF = math.ceil(q.IH * q.IW * ic * 4 / 64 / q.NCH)   -- 64-byte lines of the next image per chunk
  q.PFX = math.ceil(q.PF / q.TAPS)   -- of which per Winograd point (the forward's prefetch)
  q.PFE = math.ceil(q.TR * m * q.OW * oc * 4 / 64 / q.TAPS)   -- lines of a chunk's epilogue reads per point
  -- where the transformed weights outgrow L2 (WINO_STREAM_BYTES), each block of them (CB x KB
  -- floats) came from L3 at its first register tile; the next block is prefetched into L2
  -- instead, a slice per register tile of the chunk's tiles (PFW lines; none at an image's
  -- tail tile). ResNet-50, conv_layers_resnet50_candidates --tune --batch 16 --threads 2, 3
  -- interleaved rounds, ms a call: 512 channels on 7x7 forward F(4x4) 8.86 -> 8.25, F(2x2)
  -- 9.77 -> 9.20, backward-data 8.86 -> 8.58 and 10.82 -> 10.03; 256 on 14x14 2-5% less
  local slices = q.TAIL == 0 and q.NT / tw or ipc * (tpc - q.TAIL) / tw
  q.PFW = q.TAPS * ic * oc * 4 > WINO_STREAM_BYTES and math.ceil(cb * q.KB * 4 / 64 / slices) or 0
  -- The slice's lines are issued along the register tile's reduction loop, PFL lines every PFS
  -- channels, not in a burst before it: the burst's misses filled the queue and the products
  -- waited on it (8% of F(4x4) on 256 channels at 14x14 sat on its prefetch loop).
  -- (PFS > 1 only where PFL is 1: the largest divisor of CB that still issues all PFW lines)
  q.PFS, q.PFL = 1, math.max(1, math.ceil(q.PFW / cb))
  for d = q.PFW > 0 and math.floor(cb / q.PFW) or 0, 2, -1 do
    if cb % d == 0 then q.PFS = d; break end
  end
  -- Transformed weights of 16 MiB or more (winograd.streams) are written past the caches
  -- (streaming stores: conv_winograd.c.in, WSTREAM): they outgrow the L3 share of a core anyway,
  -- and plain stores read each line before writing it (A^2 lines 1 MiB apart for every vector
  -- of weights). In training, where each call transforms them: ResNet-50's 512 channels at 7x7
  -- (conv_layers_resnet50_candidates --batch 16 --threads 2 --tune, 3 interleaved rounds,
  -- medians, ms a call, Zen 5): forward F(4x4) 6.34 -> 5.38, F(2x2) 6.98 -> 6.55; backward-data
  -- 8.10 -> 6.53 and 7.49 -> 7.40. On 256 channels at 14x14 (9 MiB in F(4x4), 4 in F(2x2)),
  -- which can stay in L3, the same stores measured 0.96-1.06x: left plain. The cost model
  -- (gen/winograd.lua) counts on them.
  q.WSTREAM = winograd.streams(m, ic, oc)
  -- a tile's row of V and of M (backward-weights: Yh), and the a^2 planes of the chunk's rows
  if dir == "bwd_weights" then q.VS, q.YR = padded_row(ic), padded_row(oc) else q.VS, q.YR = ic, oc end
  q.XS, q.YS = plane(q.NT * q.VS), plane(q.NT * q.YR)
  q.scratch = q.TAPS * (q.XS + q.YS)   -- per thread: the chunk's V and M (or Yh)
  -- backward-weights: register tiles of R input channels by one block's vectors
  q.R = 1
  for d = math.min(ic, math.floor(e.isa.accumulators / b.main.nv)), 1, -1 do
    if ic % d == 0 then q.R = d; break end
  end
  q.WEIGHTS = false
  return q, why
end

-- The weight arguments of a correlation pass: w, and where the kernel rearranges it first
-- (plan.PREP), the work buffer it rearranges it into: in the eval forward of the full model a
-- cache that outlives the call (with its tag and the parameters' epoch: q.CACHE), else
-- shared scratch, redone every call.
local function weights(e, L, q)
  if not q.PREP then return e:p(L.weight) end
  local wt, tag = e:cache(q.TAPS * q.IC * q.OC)
  q.CACHE = wt ~= nil
  if wt then return format("%s, %s, %s, r->params_epoch", e:p(L.weight), wt, tag) end
  return e:p(L.weight) .. ", " .. e:scratch(q.TAPS * q.IC * q.OC)
end

-- The loop order of a direct correlation pass: by default each row of the image runs every
-- block of output channels, so the row's input stays in L1 and the weights are read once per
-- row; where the weights overflow L2's share (wide layers on small maps: ResNet-50's 1x1
-- 256->1024 on 14x14 streamed its 1 MiB of weights from L3 for every row of 14 pixels),
-- the blocks go outermost instead (KB_OUTER: one block's weights read once per image, the
-- image once per block) when that reads fewer bytes from beyond L2.
local function block_order(q)
  -- the bytes of an image the tiles read: where they read it in place (NOPAD), only the pixels
  -- that a tap reaches (a stride-2 1x1 reads a quarter of them), else its padded copy
  local wbytes = q.TAPS * q.IC * q.OC * 4
  local ibytes = q.NOPAD and math.min(q.IH * q.IW, q.OH * q.OW) * q.IC * 4 or q.HP * q.WP * q.IC * 4
  local rows = 0
  for _, cls in ipairs(q.classes) do
    if #cls.taps > 0 then rows = rows + cls.rows end
  end
  local row_major = rows * wbytes                                        -- the weights, every row
  local block_major = wbytes + (ibytes <= L2_SHARE and 0 or q.OC / q.KB * ibytes)   -- the image, every block
  q.KB_OUTER = q.PREP and q.OC > q.KB and wbytes > L2_SHARE and block_major < row_major
  -- Blocks outermost still read all the weights from beyond L2 for every image; where the
  -- tiles read the images in place, as many images as read GROUP_BYTES take each block in
  -- turn, and the weights are read once per group (resnet50, batch 16, 2 threads, conv_layers
  -- --tune, 3 interleaved rounds, medians: 1x1 stride-2 1024->2048 forward 20.3 -> 14.1 ms a
  -- call, 512->2048 on 7x7 9.0 -> 5.9, stride-2 512->1024 backward-data 17.6 -> 13.2).
  local g = math.floor(GROUP_BYTES / ibytes)
  q.GROUP = q.KB_OUTER and q.NOPAD and g > 1 and g or false
  return q
end

-- A 1x1 stride-1 unpadded conv maps pixel i of the image to pixel i of its output, whatever
-- the map's shape: both are runs of H*W pixels. Its direct passes may then cut that run into
-- rows of any length, and take the one whose register tiles are fullest: the fewest tiles of
-- at most T pixels (the ISA's tile width for the pass's output channels), at least 2 rows
-- where H*W allows, so that a batch smaller than the threads still splits by rows
-- (conv_simd.c.in). ResNet-50's 14x14 maps: 14 rows of tiles of 5, 5 and 4 pixels become 2
-- rows of 98 in tiles of 6 (and one of 2); 56x56: 2 rows of 1568. Returns p with H, W, OH, OW
-- of the rows chosen, or p itself.
local function pixel_rows(p, isa, transpose)
  if p.KH ~= 1 or p.KW ~= 1 or p.S ~= 1 or p.P ~= 0 then return p end
  local b = isa_mod.blocks(isa, transpose and p.C or p.K)
  local t = (b.main or b.tail).t
  local hw = p.H * p.W
  local function cost(r) return r * math.ceil(hw / r / t) end
  local best = p.H
  for r = 2, hw do
    if hw % r == 0 and (cost(r) < cost(best) or (cost(r) == cost(best) and r < best)) then best = r end
  end
  if best == p.H then return p end
  local q = {}
  for k, v in pairs(p) do q[k] = v end
  local cols = math.floor(hw / best)
  q.H, q.W, q.OH, q.OW = best, cols, best, cols
  return q
end

-- The plan of a SIMD correlation pass, forward or (transpose) backward-data: Winograd where
-- the policy takes it (winograd_plan), else direct; with its template, the kernels' shape
-- name (the signature, plus _f2/_f4 for Winograd) and why the algorithm was chosen. The shape
-- name and the pass also name the body (gen/emit/kernels.lua, register): the tile functions
-- (and Winograd's transforms) that the pass's kernels (forward: plain, STATS, BN-folded;
-- backward-data: storing or adding) share, differing only in their epilogues. dir: the
-- direction of the choice (gen/winograd.lua, choose): by default bwd_data or fwd, eval for the
-- forward in eval mode, whose weights are transformed once per weight change.
local function correlation_plan(L, e, p, sig, transpose, acc, dir)
  local q, why = winograd_plan(e, p, transpose, acc, dir or (transpose and "bwd_data" or "fwd"), sig)
  if q then return q, "conv_winograd.c.in", sig .. "_f" .. q.MT, why end
  p = pixel_rows(p, e.isa, transpose)
  q = transpose and backward_data_plan(L, p, acc, e.isa) or forward_plan(L, p, e.isa)
  return block_order(q), "conv_simd.c.in", sig, why
end

-- Eval mode with the following BN folded in (gen/fuse.lua): the conv's epilogue applies the
-- BN's scale and shift, then the group's residual add and ReLU, and writes the group's output.
-- Its threads claim their images (CLAIM, templates/threads.c.in rn_claim): nothing sums over
-- the images in eval mode. In training the kernels keep the fixed split of the BN passes
-- around them (claiming there, ResNet-20 trained 2% slower).
local function forward_folded(L, e, grp)
  local layer_sig, p = shape(L)
  local q, file, sig, why = correlation_plan(L, e, p, layer_sig, false, nil, "eval")
  q.BN, q.RES, q.RELU, q.CLAIM = true, grp.add ~= nil, grp.relu ~= nil, true
  local bn = grp.bn
  local w = weights(e, L, q)
  local name = sig .. "_bn" .. (q.RES and "_add" or "") .. (q.RELU and "_relu" or "") .. (q.CACHE and "_cached" or "")
               .. "_fwd_eval"
  local fn = e:kernel{ name = name, template = file, params = q, layer = L, pass = "fwd_eval", why = why,
                       body = sig .. "_fwd" }
  local out = grp.relu and grp.relu.output or bn.output
  e:call(fn, e:x(L.inputs[1]), w, e:p(bn.gamma), e:p(bn.beta), e:s(bn.mean), e:s(bn.var), "r->bn_eps",
         grp.add and e:x(grp.add.inputs[2]), e:x(out), e:thread_scratch(q.scratch), e:threads())
end

function M.forward(L, e, grp)
  if grp then return forward_folded(L, e, grp) end
  local sig, p = shape(L)
  if isa_mod.simd(e.isa, p.K) then
    local q, file, ksig, why = correlation_plan(L, e, p, sig, false)
    -- training: the BN after this conv takes its batch statistics from the epilogue (gen/fuse.lua)
    local bn = e:stats_partner(L)
    q.STATS = bn ~= nil
    local w = weights(e, L, q)
    local fn = e:kernel{ name = ksig .. (q.STATS and "_stats" or "") .. (q.CACHE and "_cached" or "") .. "_fwd",
                         template = file, params = q, layer = L, pass = "fwd", why = why, body = ksig .. "_fwd" }
    e:call(fn, e:x(L.inputs[1]), w, bn and e:s(bn.mean), e:x(L.output),
           e:thread_scratch(q.scratch + (bn and 4 * p.K or 0)), e:threads())
  else
    local fn = e:kernel{ name = sig .. "_fwd", template = "conv_fwd.c.in", params = p, layer = L, pass = "fwd" }
    e:call(fn, e:x(L.inputs[1]), e:p(L.weight), e:x(L.output))
  end
end

function M.backward(L, e)
  local sig, p = shape(L)
  local x = L.inputs[1]
  local simd, wq, wwhy = isa_mod.simd(e.isa, p.K), nil, nil
  if simd then wq, wwhy = winograd_plan(e, p, false, nil, "bwd_weights", sig) end
  if wq then
    -- Winograd: each thread's dU (a^2 x C x K floats) beside its chunk buffers
    wq.WEIGHTS = true
    wq.PFY = math.ceil(p.OH * p.OW * p.K * 4 / 64 / wq.NCH)   -- lines of the next image's dy per chunk
    wq.PFYX = math.ceil(wq.PFY / wq.TAPS)   -- of which per Winograd point
    local fn = e:kernel{ name = sig .. "_f" .. wq.MT .. "_bwd_weights", template = "conv_winograd.c.in", params = wq,
                         layer = L, pass = "bwd_weights", why = wwhy }
    e:call(fn, e:x(x), e:dx(L.output), e:dp(L.weight), e:thread_scratch(wq.TAPS * p.C * p.K + wq.scratch), e:threads())
  elseif simd then
    local q = backward_weights_plan(L, p, e.isa)
    if q.BY_BLOCK then
      local fn = e:kernel{ name = sig .. "_bwd_weights", template = "conv_bwd_weights_by_block.c.in", params = q,
                           layer = L, pass = "bwd_weights", why = wwhy }
      e:call(fn, e:x(x), e:dx(L.output), e:dp(L.weight), e:threads())
    else
      local fn = e:kernel{ name = sig .. "_bwd_weights", template = "conv_bwd_weights_simd.c.in", params = q,
                           layer = L, pass = "bwd_weights", why = wwhy }
      e:call(fn, e:x(x), e:dx(L.output), e:dp(L.weight),
             e:thread_scratch(q.HP * q.WP * q.C + p.KH * p.KW * p.C * p.K), e:threads())
    end
  else
    local fn = e:kernel{ name = sig .. "_bwd_weights", template = "conv_bwd_weights.c.in", params = p, layer = L,
                         pass = "bwd_weights" }
    e:call(fn, e:x(x), e:dx(L.output), e:dp(L.weight))
  end
  if e:wants_grad(x) then
    local acc = e:accumulate(x, L)
    if isa_mod.simd(e.isa, p.C) then
      local q, file, ksig, why = correlation_plan(L, e, p, sig, true, acc)
      -- the BN-ReLU group before this conv takes its backward's sums from this epilogue (gen/fuse.lua)
      local grp = e:grad_partner(L)
      q.BNGRAD = grp ~= nil
      local w = weights(e, L, q)
      local fn = e:kernel{ name = ksig .. "_bwd_data" .. (acc == 1 and "_acc" or "") .. (grp and "_bn_sums" or ""),
                           template = file, params = q, layer = L, pass = "bwd_data", acc = acc == 1, why = why,
                           also = grp and "masked by the ReLU of the BN-ReLU before it, gathering that BN's backward sums"
                                  or nil,
                           body = ksig .. "_bwd_data" }
      if grp then e:give_sums(grp.bn) end
      e:call(fn, e:dx(L.output), w, e:dx(x), grp and e:x(x), grp and e:x(grp.bn.inputs[1]), grp and e:w(grp.bn.save),
             e:thread_scratch(q.scratch + (grp and 4 * p.C or 0)), e:threads())
    else
      p.ACC = acc
      local fn = e:kernel{ name = sig .. "_bwd_data" .. (acc == 1 and "_acc" or ""), template = "conv_bwd_data.c.in",
                           params = p, layer = L, pass = "bwd_data", acc = acc == 1 }
      e:call(fn, e:dx(L.output), e:p(L.weight), e:scratch(p.KH * p.KW * p.C * p.K), e:dx(x))
    end
  end
end

return M
