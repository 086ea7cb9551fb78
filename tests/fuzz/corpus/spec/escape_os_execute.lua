os.execute("touch /tmp/resnetc-sandbox-escaped")
return { name = "x", input = { 1, 8, 8 }, classes = 2, widths = { 4 }, depth = 8 }
