-- expect: not_a_table.lua: error: a spec must return a table, got string
return "resnet20"
