-- tests/gen/schedule_parts.lua ROOT SPEC: the schedules are cut into parts (one function
-- each, templates/schedule_part.c.in) at the graph's blocks, not by layer names. The spec's
-- net is generated twice, with its torchvision layer names and with every layer renamed
-- (n<index>_<kind>): each schedule (forward_train, forward_infer, backward) must have more
-- than one part, and the same parts under both names. Exits 1 with the part lists otherwise.
local root, spec_path = arg[1], arg[2]
if not root or not spec_path then
  io.stderr:write("usage: schedule_parts.lua ROOT SPEC\n")
  os.exit(2)
end
package.path = root .. "/gen/?.lua;" .. package.path
require("strict")
local spec_mod = require("spec")
local resnet = require("resnet")
local emit = require("emit")

local format, concat = string.format, table.concat

-- The part functions of each schedule in the generated C of graph g, in order.
local function parts(g)
  local files = emit.generate(g, { name = "net", isa = "generic", mode = "full", spec_path = spec_path,
                                   version = "test", command = "schedule_parts.lua", templates = root .. "/templates" })
  local c
  for _, f in ipairs(files) do if f[1] == "net.c" then c = f[2] end end
  local found = { forward_train = {}, forward_infer = {}, backward = {} }
  for fn in c:gmatch("static RN_NOINLINE void ([%w_]+)%(") do
    for pass, list in pairs(found) do
      if fn:sub(1, #pass + 1) == pass .. "_" then list[#list + 1] = fn end
    end
  end
  return found
end

local spec = spec_mod.load(spec_path, spec_path)
local named = parts(resnet.build(spec))
local g = resnet.build(spec)
for _, L in ipairs(g.layers) do L.name = format("n%d_%s", L.index, L.kind) end
local renamed = parts(g)

local status = 0
for _, pass in ipairs({ "forward_train", "forward_infer", "backward" }) do
  local a, b = concat(named[pass], " "), concat(renamed[pass], " ")
  if #renamed[pass] < 2 or a ~= b then
    print(format("FAIL: %s: torchvision names: %d parts (%s); other names: %d parts (%s)", pass, #named[pass], a,
                 #renamed[pass], b))
    status = 1
  else
    print(format("ok: %s: %d parts under either names (%s)", pass, #renamed[pass], b))
  end
end
os.exit(status)
