#!/bin/sh
# tests/images/bad_inputs.sh WORK EXE EXE_2CH: images and flags `infer --image` must refuse,
# each with exit status 1 or 2, a message naming the problem, and no output file left. EXE is
# a 3-channel model; EXE_2CH a model with 2 input channels (no image gives those).
set -u
work=$1 exe=$2 exe2=$3
out=$work/bad-out
rm -rf "$out"
mkdir -p "$out"
"$exe" init --seed 1 --output "$out/w.safetensors" || exit 1
"$exe2" init --seed 1 --output "$out/w2.safetensors" || exit 1
fails=0 cases=0
# expect CODE MESSAGE EXE WEIGHTS IMAGE [FLAGS...]
expect() {
  code=$1 msg=$2 x=$3 w=$4 img=$5
  shift 5
  cases=$((cases + 1))
  got=$("$x" infer --weights "$w" --image "$img" --output "$out/y.npy" --dump-input "$out/d.npy" "$@" 2>&1)
  rc=$?
  case "$got" in *"$msg"*) okmsg=1 ;; *) okmsg=0 ;; esac
  if [ "$rc" -ne "$code" ] || [ "$okmsg" -ne 1 ] || [ -e "$out/y.npy" ] || [ -e "$out/d.npy" ]; then
    echo "FAIL: $(basename "$img") $*: exit $rc (expected $code), expected message '$msg', got: $got"
    fails=$((fails + 1))
    rm -f "$out/y.npy" "$out/d.npy"
  else
    echo "ok: $(basename "$img") $* -> exit $rc: $got"
  fi
}
b=$work/bad i=$work/images w=$out/w.safetensors
expect 1 "bad PNG: the file is truncated" "$exe" "$w" "$b/truncated.png"
expect 1 "bad PNG" "$exe" "$w" "$b/corrupt.png"
expect 1 "bad PNG" "$exe" "$w" "$b/header_only.png"
expect 1 "bad JPEG: Premature end of JPEG file" "$exe" "$w" "$b/truncated.jpg"
expect 1 "a CMYK JPEG (4 channels)" "$exe" "$w" "$b/cmyk.jpg"
expect 1 "not a PNG or JPEG file (empty)" "$exe" "$w" "$b/empty.png"
expect 1 "not a PNG or JPEG file (unrecognized first bytes)" "$exe" "$w" "$b/text.png"
expect 1 "cannot open" "$exe" "$w" "$b/missing.png"
expect 2 "takes 2 input channels; images give 1 (grayscale) or 3 (RGB)" "$exe2" "$out/w2.safetensors" \
  "$i/rgb_301x200.png" --mean 0,0 --std 1,1
expect 2 "give --mean and --std" "$exe2" "$out/w2.safetensors" "$i/rgb_301x200.png"
expect 1 "with --resize none it must be the model's input size" "$exe" "$w" "$i/rgb_301x200.png" --resize none
expect 2 "--resize: expected crop or none, got 'fit'" "$exe" "$w" "$i/rgb_301x200.png" --resize fit
expect 2 "--mean: expected 3 comma-separated numbers" "$exe" "$w" "$i/rgb_301x200.png" --mean 0.5,0.5 --std 1,1,1
expect 2 "--std: expected 3 comma-separated positive numbers" "$exe" "$w" "$i/rgb_301x200.png" --mean 0,0,0 --std 1,0,1
expect 2 "give --mean and --std together" "$exe" "$w" "$i/rgb_301x200.png" --mean 0,0,0
printf 'a\nb\n' > "$out/two.txt"
expect 1 "2 label lines, expected" "$exe" "$w" "$i/rgb_301x200.png" --labels "$out/two.txt"
echo "images_bad_inputs: $cases cases, $fails failed"
[ "$fails" -eq 0 ]
