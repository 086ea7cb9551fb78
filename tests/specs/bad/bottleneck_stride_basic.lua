-- expect: bottleneck_stride_basic.lua:3: error: field 'bottleneck_stride': only applies to bottleneck blocks
return { name = "x", input = { 3, 32, 32 }, classes = 10, depth = 20, widths = { 16, 32, 64 },
  bottleneck_stride = "1x1" }
