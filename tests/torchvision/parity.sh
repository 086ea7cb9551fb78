#!/bin/sh
# tests/torchvision/parity.sh MODEL_EXE ARCH SIZE CLASSES BATCH WORK [PYTHON]: a resnetc model
# against torchvision's ARCH with the same seeded random weights (BN statistics perturbed).
# PyTorch writes the fixture (state dict -> tools/torch2safetensors.py, input, eval-mode
# logits); then `MODEL_EXE infer` runs without torch, and numpy compares the logits:
# relative L2 error below 1e-4 or the test fails. Exit 77 (skipped) when PYTHON lacks torch.
set -eu
exe=$1 arch=$2 size=$3 classes=$4 batch=$5 work=$6 py=${7:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
if ! "$py" -c "import torch, torchvision, numpy" 2>/dev/null; then
  echo "parity: $py has no torch/torchvision/numpy (tools/setup.sh installs them); skipped"
  exit 77
fi
rm -rf "$work"
mkdir -p "$work"
"$py" "$here/make_fixture.py" "$arch" "$work" --size "$size" --classes "$classes" --batch "$batch" --seed 3
"$exe" infer --weights "$work/weights.safetensors" --input "$work/x.npy" --output "$work/got.npy" \
  --threads "${RESNETC_THREADS:-2}"
"$py" "$here/compare.py" "$work/got.npy" "$work/expect.npy" 1e-4
