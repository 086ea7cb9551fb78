-- gen/isa.lua: the instruction sets the generated kernels are written for, as data. Every
-- width, register budget and SIMD-eligibility test in gen/ and templates/ derives from here;
-- CMake asks for the compile flags (`resnetc.lua isa NAME`), and the runtime refuses a model
-- whose cpu_features this CPU lacks (runtime/src/cpu.c).
--
--   vw            floats per vector
--   accumulators  vector registers a register tile may hold as accumulators (the rest hold
--                 the weight vectors and the broadcast input)
--   unit          channel counts that are a multiple of this take the SIMD kernels; with
--                 unit < vw the last vector of a channel block is masked to its lanes
--   prelude       the template that defines vf and its operations
--   cflags        compiler flags of the generated model (generic: RESNETC_GENERIC_CFLAGS)
--   cpu_features  what the CPU must have (GCC __builtin_cpu_supports names), checked at run time
local M = {}

M.generic = {
  name = "generic", vw = 8, accumulators = 12, unit = 8, prelude = "isa_generic.c.in",
  cflags = nil, cpu_features = "",
  what = "portable C vector extensions, 8 floats (the compiler picks the SIMD)",
}

M.avx2 = {
  name = "avx2", vw = 8, accumulators = 12, unit = 8, prelude = "isa_avx2.c.in",
  cflags = "-mavx2 -mfma", cpu_features = "avx2 fma",
  what = "AVX2 + FMA, 8 floats, 16 registers",
}

M.avx512 = {
  name = "avx512", vw = 16, accumulators = 24, unit = 8, prelude = "isa_avx512.c.in",
  cflags = "-mavx512f -mavx2 -mfma", cpu_features = "avx512f avx2 fma",
  what = "AVX-512F, 16 floats, 32 registers, masked tails of 8",
}

M.names = { "generic", "avx2", "avx512" }

-- The ISA called `name`, or nil and a message naming the choices.
function M.get(name)
  local isa = M[name]
  if type(isa) == "table" and isa.vw then return isa end
  return nil, string.format("expected %s, got '%s'", table.concat(M.names, ", "), tostring(name))
end

-- Whether `c` channels take the SIMD kernels.
function M.simd(isa, c) return c % isa.unit == 0 end

-- The channels of a register tile cut into blocks: `count` blocks of `kv` full vectors, then,
-- where c is not a multiple of the vector width, one tail block whose last vector is masked
-- to `lanes` lanes (alone when the channels fit in four vectors). Each block kind lists its
-- vectors' lanes and its tile width in pixels (the accumulator budget over its vectors);
-- `kinds` lists the kinds present, main first, and `tail_at` is the tail's first channel.
-- maxv: at most this many vectors in a main block (4 by default; 2 for wider tiles).
function M.blocks(isa, c, maxv)
  local vw = isa.vw
  local full, rem = math.floor(c / vw), c % vw
  local function kind(lanes) return { lanes = lanes, nv = #lanes, t = math.floor(isa.accumulators / #lanes),
                                      width = (#lanes - 1) * vw + lanes[#lanes] } end
  local b = { count = 0, kinds = {}, tail_at = 0 }
  if rem > 0 and full < 4 then
    local lanes = {}
    for v = 1, full do lanes[v] = vw end
    lanes[full + 1] = rem
    b.tail = kind(lanes)
  else
    local most = maxv or 4
    local kv = full % 4 == 0 and most >= 4 and 4 or (full % 2 == 0 and most >= 2 and 2 or 1)
    local lanes = {}
    for v = 1, kv do lanes[v] = vw end
    b.main, b.count = kind(lanes), full / kv
    b.tail_at = b.count * b.main.width
    if rem > 0 then b.tail = kind({ rem }) end
  end
  b.kinds[#b.kinds + 1] = b.main
  b.kinds[#b.kinds + 1] = b.tail
  return b
end

return M
