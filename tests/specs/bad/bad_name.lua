-- expect: bad_name.lua:2: error: field 'name': expected a C identifier (letters, digits, _), got 'resnet-20'
return { name = "resnet-20", input = { 3, 32, 32 }, classes = 10, depth = 20, widths = { 16, 32, 64 } }
