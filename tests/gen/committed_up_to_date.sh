#!/bin/sh
# committed_up_to_date.sh LUA ROOT: generated/<model>/ must equal a fresh generation (with the
# inference-only files where <model>_infer.c is committed).
set -eu
lua=$1 root=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for dir in "$root"/generated/*/; do
  model=$(basename "$dir")
  isa=$(sed -n 's/.*--isa \([a-z0-9]*\).*/\1/p' "$dir/$model.c" | head -n 1)
  (cd "$root" && "$lua" gen/resnetc.lua generate "specs/$model.lua" --name "$model" --isa "$isa" --out "$tmp/$model")
  if [ -f "$dir/${model}_infer.c" ]; then
    (cd "$root" && "$lua" gen/resnetc.lua generate "specs/$model.lua" --name "$model" --isa "$isa" --mode infer \
                    --out "$tmp/$model")
  fi
  if diff -r "$tmp/$model" "$dir" > "$tmp/diff"; then
    echo "ok: generated/$model is up to date"
  else
    echo "FAIL: generated/$model differs from the generator's output; run tools/regenerate.sh"
    head -40 "$tmp/diff"
    status=1
  fi
done
exit $status
