#!/bin/sh
# tools/torchvision_parity_all.sh [BUILD_DIR]: resnetc against torchvision for the full
# ImageNet family, ResNet-18, 34, 50, 101 and 152 at 3x224x224 with 1000 classes (not in CI:
# several minutes and a few GiB of fixtures). Builds those models in BUILD_DIR (default
# build-torchvision), then for each: torchvision model with seeded random weights and
# perturbed BN statistics -> tools/torch2safetensors.py -> `<model> infer` on a seeded batch
# of 2, logits compared with torchvision's eval-mode logits (relative L2 error below 1e-4).
# Environment: RESNETC_TORCH_PYTHON (default /usr/bin/python3), RESNETC_THREADS (default 2).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-torchvision}
py=${RESNETC_TORCH_PYTHON:-/usr/bin/python3}
models="resnet18 resnet34 resnet50 resnet101 resnet152"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DRESNETC_BUILD_TESTS=OFF \
  -DRESNETC_MODELS="$(echo $models | tr ' ' ';')" >/dev/null
cmake --build "$build" -j "$(nproc)"
failed=""
for m in $models; do
  echo "== $m"
  sh "$root/tests/torchvision/parity.sh" "$build/bin/$m" "$m" 224 1000 2 "$build/torchvision/$m" "$py" \
    || failed="$failed $m"
  rm -f "$build/torchvision/$m/model.pth"
done
if [ -n "$failed" ]; then
  echo "torchvision parity FAILED:$failed"
  exit 1
fi
echo "torchvision parity: all of $models match"
