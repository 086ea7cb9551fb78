#!/bin/sh
# tools/regenerate.sh: rewrite the committed generated/<model>/ sources from their specs
# (and resnet20's inference-only files).
# Usage: tools/regenerate.sh [LUA]   (default: luajit, else lua5.4)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
lua=${1:-$(command -v luajit || command -v lua5.4)}
cd "$root"
for model in resnet20 resnet9; do
  "$lua" gen/resnetc.lua generate "specs/$model.lua" --name "$model" --isa generic --out "generated/$model"
  echo "generated/$model"
done
# resnet20 also in inference-only mode (examples/infer-only builds it with make alone)
"$lua" gen/resnetc.lua generate specs/resnet20.lua --name resnet20 --isa generic --mode infer --out generated/resnet20
echo "generated/resnet20 (resnet20_infer.c, resnet20_infer.h)"
