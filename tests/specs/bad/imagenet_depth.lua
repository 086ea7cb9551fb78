-- expect: imagenet_depth.lua:3: error: field 'depth': 42 is not an ImageNet depth of the paper
return { name = "x", input = { 3, 224, 224 }, classes = 1000, stem = "imagenet", widths = { 64, 128, 256, 512 },
  depth = 42 }
