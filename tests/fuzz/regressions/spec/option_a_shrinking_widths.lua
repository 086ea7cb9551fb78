-- Found by tests/fuzz/spec_fuzz.lua (open bug in gen/spec.lua): `check` accepts a spec whose
-- widths shrink with shortcut "A", but building it fails with an internal error
-- ("layer layer3.0.shortcut: option A cannot shrink 32 channels to 7") with no file:line.
return { name = "x", input = { 3, 32, 32 }, classes = 10, stem = "cifar", block = "basic",
         depth = 20, widths = { 16, 32, 7 }, shortcut = "A" }
