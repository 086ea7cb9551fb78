-- expect: too_small_input.lua:2: error: field 'input': 2x2 is too small
return { name = "x", input = { 3, 2, 2 }, classes = 10, stem = "imagenet", depth = 18,
  widths = { 64, 128, 256, 512 } }
