#!/bin/sh
# tools/regenerate.sh: rewrite the committed generated/<model>/ sources from their specs.
# Usage: tools/regenerate.sh [LUA]   (default: luajit, else lua5.4)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
lua=${1:-$(command -v luajit || command -v lua5.4)}
cd "$root"
for model in resnet20 resnet9; do
  "$lua" gen/resnetc.lua generate "specs/$model.lua" --name "$model" --isa generic --out "generated/$model"
  echo "generated/$model"
done
