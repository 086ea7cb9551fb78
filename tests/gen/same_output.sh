#!/bin/sh
# same_output.sh ROOT SPEC...: LuaJIT and Lua 5.4 must generate byte-identical C (full and
# inference-only modes) and summaries.
set -eu
root=$1; shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for spec in "$@"; do
  for lua in luajit lua5.4; do
    "$lua" "$root/gen/resnetc.lua" generate "$spec" --isa avx2 --out "$tmp/$lua"
    "$lua" "$root/gen/resnetc.lua" generate "$spec" --isa avx2 --mode infer --out "$tmp/$lua"
    "$lua" "$root/gen/resnetc.lua" summary "$spec" > "$tmp/$lua/summary.txt"
  done
  diff -r "$tmp/luajit" "$tmp/lua5.4" > "$tmp/diff" || { echo "FAIL: $spec differs"; head -20 "$tmp/diff"; exit 1; }
  echo "ok: $spec identical ($(cat "$tmp"/luajit/*.c | wc -c) bytes of C)"
  rm -rf "$tmp/luajit" "$tmp/lua5.4"
done
