#!/bin/sh
# tests/images/preprocess.sh PYTHON WORK EXE...: `infer --image --dump-input` against
# torchvision's transform for every case of WORK/cases.txt (make_fixtures.py): the tensors
# must agree to 1e-6 (the 8-bit pixels after decoding and resizing equal PIL's; the float
# steps are torchvision's, in float32). EXE... are the model executables the cases name.
set -u
py=$1 work=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
status=0 n=0
mkdir -p "$work/got"
while read -r model image resize mean std; do
  exe=""
  for e in "$@"; do [ "$(basename "$e")" = "$model" ] && exe=$e; done
  [ -n "$exe" ] || { echo "FAIL: no executable for $model"; status=1; continue; }
  [ -f "$work/got/$model.safetensors" ] || "$exe" init --seed 1 --output "$work/got/$model.safetensors"
  name="$model-$image-$resize"
  echo "$name"
  if ! "$exe" infer --weights "$work/got/$model.safetensors" --image "$work/images/$image" \
         --resize "$resize" --mean "$mean" --std "$std" --dump-input "$work/got/$name.npy" >/dev/null; then
    echo "  FAIL: infer failed"; status=1; continue
  fi
  "$py" "$here/compare.py" "$work/got/$name.npy" "$work/expect/$name.npy" abs 1e-6 || status=1
  n=$((n + 1))
done < "$work/cases.txt"
[ "$n" -gt 0 ] || { echo "FAIL: no cases ran"; status=1; }
echo "images_preprocess: $n cases"
exit $status
