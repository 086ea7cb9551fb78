-- a spec raising a table shaped like the loader's own error
error({ resnetc_spec_error = true, file = "elsewhere.lua", msg = "fake" })
