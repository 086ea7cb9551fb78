-- Open bug in gen/spec.lua: string.find/match/gmatch run in C, where the instruction budget
-- never fires; a backtracking pattern on a short subject runs for hours (exponential).
local s = string.rep("a", 30)
string.find(s, string.rep("a*", 30) .. "b")
return { name = "x", input = { 1, 8, 8 }, classes = 2, widths = { 4 }, depth = 8 }
