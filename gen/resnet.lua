-- gen/resnet.lua: the architectures of He et al. (2016) as layer graphs.
--
-- From a checked spec (gen/spec.lua) it builds the stem, the stages of basic or bottleneck
-- blocks with option A/B/C shortcuts (or none, for plain nets), global average pooling and
-- the classifier, naming every layer as torchvision does (conv1, bn1, layer2.0.conv1,
-- layer2.0.downsample.0, fc) so that state dicts load as they are.
-- Does not infer shapes itself: the layer kinds do (gen/layers/).
local graph = require("graph")

local M = {}

-- conv then BN (then ReLU when relu_name is given); returns the output tensor.
local function conv_bn(g, x, conv_name, bn_name, relu_name, k, ksize, stride)
  x = g:add("conv", conv_name, { x }, { k = k, kh = ksize, kw = ksize, stride = stride,
                                        pad = math.floor(ksize / 2) })
  x = g:add("bn", bn_name, { x })
  if relu_name then x = g:add("relu", relu_name, { x }) end
  return x
end

-- The shortcut of a block from x (in_c channels) to out_c channels at `stride`: a tensor,
-- or nil for plain nets.
local function shortcut(g, spec, prefix, x, in_c, out_c, stride)
  if spec.plain then return nil end
  local changes = stride ~= 1 or in_c ~= out_c
  if spec.shortcut == "C" or (spec.shortcut == "B" and changes) then
    return conv_bn(g, x, prefix .. ".downsample.0", prefix .. ".downsample.1", nil, out_c, 1, stride)
  end
  if changes then -- option A: subsample and zero-pad the channels
    return g:add("shortcut_a", prefix .. ".shortcut", { x }, { k = out_c, stride = stride,
                                                               pad_layout = spec.shortcut_pad })
  end
  return x
end

-- Close a block: add the shortcut (if any) and apply the final ReLU.
local function finish(g, prefix, branch, sc, relu_name)
  if sc then branch = g:add("add", prefix .. ".add", { branch, sc }) end
  return g:add("relu", prefix .. "." .. relu_name, { branch })
end

-- Basic block (Fig. 5 left): two 3x3 convs.
-- The shortcut is built first, so that it is computed before the branch's last BN, which
-- can then add it in the same pass (gen/fuse.lua).
local function basic(g, spec, prefix, x, in_c, planes, stride)
  local sc = shortcut(g, spec, prefix, x, in_c, planes, stride)
  local a = conv_bn(g, x, prefix .. ".conv1", prefix .. ".bn1", prefix .. ".relu1", planes, 3, stride)
  a = conv_bn(g, a, prefix .. ".conv2", prefix .. ".bn2", nil, planes, 3, 1)
  return finish(g, prefix, a, sc, "relu2"), planes
end

-- Bottleneck block (Fig. 5 right): 1x1 reduce, 3x3, 1x1 expand (x4). The stride sits on
-- the 3x3 (torchvision, default) or on the first 1x1 (the paper).
local function bottleneck(g, spec, prefix, x, in_c, planes, stride)
  local out_c = planes * 4
  local sc = shortcut(g, spec, prefix, x, in_c, out_c, stride)
  local s1, s3 = 1, stride
  if spec.bottleneck_stride == "1x1" then s1, s3 = stride, 1 end
  local a = conv_bn(g, x, prefix .. ".conv1", prefix .. ".bn1", prefix .. ".relu1", planes, 1, s1)
  a = conv_bn(g, a, prefix .. ".conv2", prefix .. ".bn2", prefix .. ".relu2", planes, 3, s3)
  a = conv_bn(g, a, prefix .. ".conv3", prefix .. ".bn3", nil, out_c, 1, 1)
  return finish(g, prefix, a, sc, "relu3"), out_c
end

-- Build the layer graph of a checked spec.
function M.build(spec)
  local g = graph.new()
  g.spec = spec
  local x = g:input(spec.input[1], spec.input[2], spec.input[3])
  if spec.stem == "cifar" then
    x = conv_bn(g, x, "conv1", "bn1", "relu", spec.stem_width, 3, 1)
  else
    x = g:add("conv", "conv1", { x }, { k = spec.stem_width, kh = 7, kw = 7, stride = 2, pad = 3 })
    x = g:add("bn", "bn1", { x })
    x = g:add("relu", "relu", { x })
    x = g:add("maxpool", "maxpool", { x }, { kh = 3, kw = 3, stride = 2, pad = 1 })
  end
  local block = spec.block == "basic" and basic or bottleneck
  local c = spec.stem_width
  for s, nblocks in ipairs(spec.stages) do
    for j = 0, nblocks - 1 do
      local stride = (s > 1 and j == 0) and 2 or 1
      g:block(string.format("layer%d", s), j)
      x, c = block(g, spec, string.format("layer%d.%d", s, j), x, c, spec.widths[s], stride)
    end
  end
  g:head()
  x = g:add("gap", "avgpool", { x })
  g.logits = g:add("fc", "fc", { x }, { out = spec.classes })
  return g
end

return M
