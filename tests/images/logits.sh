#!/bin/sh
# tests/images/logits.sh PYTHON WORK RESNET18_64: `infer --image` of torchvision's resnet18
# (weights converted from PyTorch) against PyTorch's logits on torchvision's preprocessing of
# the same file: relative L2 error below 1e-4 (as the torchvision parity tests). Also checks
# the --topk/--labels listing: K lines, labels from the file, probabilities summing to <= 1
# and in decreasing order.
set -u
py=$1 work=$2 exe=$3
here=$(cd "$(dirname "$0")" && pwd)
status=0
r=$work/resnet18
for image in $(cat "$r/images.txt"); do
  echo "$image"
  if ! "$exe" infer --weights "$r/weights.safetensors" --image "$work/images/$image" \
         --output "$r/got_$image.npy" --topk 3 --labels "$r/labels.txt" > "$r/top_$image.txt"; then
    echo "  FAIL: infer failed"; status=1; continue
  fi
  "$py" "$here/compare.py" "$r/got_$image.npy" "$r/expect_$image.npy" rel 1e-4 || status=1
  # the listing: a title, then 3 ranked lines "  K. class C  p = P  label C"
  lines=$(grep -c '^  [0-9]\. class [0-9]*  p = [0-9.]*  label [0-9]*$' "$r/top_$image.txt")
  [ "$lines" = 3 ] || { echo "  FAIL: expected 3 ranked lines:"; cat "$r/top_$image.txt"; status=1; }
  awk '/^  [0-9]\./ { c = $3; l = $NF; p = $6; if (c != l) bad = 1; if (NR > 2 && p > prev + 1e-9) bad = 1;
                      prev = p; s += p }
       END { exit (bad || s > 1.0001) }' "$r/top_$image.txt" \
    || { echo "  FAIL: listing inconsistent:"; cat "$r/top_$image.txt"; status=1; }
  head -n 2 "$r/top_$image.txt" | tail -n 1
done
# --topk with an .npy batch: one listing per image (the tensors the first two images gave)
"$py" -c "import numpy as np, sys; np.save(sys.argv[1], np.concatenate([np.load(f) for f in sys.argv[2:]]))" \
  "$r/two.npy" "$work/expect/resnet18_64-rgb_301x200.png-crop.npy" "$work/expect/resnet18_64-small_40x30.png-crop.npy"
if "$exe" infer --weights "$r/weights.safetensors" --input "$r/two.npy" --output "$r/two_out.npy" --topk 2 \
     > "$r/top_two.txt"; then
  [ "$(grep -c '^image [01]: top 2 of 10 classes$' "$r/top_two.txt")" = 2 ] \
    && [ "$(grep -c '^  [12]\. class' "$r/top_two.txt")" = 4 ] \
    || { echo "FAIL: --input --topk 2 listing:"; cat "$r/top_two.txt"; status=1; }
else
  echo "FAIL: infer --input --topk failed"; status=1
fi
exit $status
