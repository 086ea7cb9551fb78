-- expect: syntax_error.lua:3: error: syntax:
return { name = "x",
  input = { 3, 32, 32 ,, },
}
