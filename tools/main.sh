#!/bin/sh
# tools/main.sh: the main job end to end: install what is missing, generate and build a
# small ResNet for Fashion-MNIST, train it briefly, and report its test accuracy.
# Its build folder is its own (tools/test.sh uses build/test), so either may run first, and
# every cache option it depends on is given here.
#   MODEL (default resnet8_fmnist), EPOCHS (default 1), THREADS (default: all cores),
#   RESNETC_MAIN_BUILD (default build/main)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${RESNETC_MAIN_BUILD:-$root/build/main}
model=${MODEL:-resnet8_fmnist}
"$root/tools/setup.sh" --no-torch
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DRESNETC_BUILD_TESTS=OFF \
      -DRESNETC_MPI=OFF -DRESNETC_MODELS="$model" > /dev/null
cmake --build "$build" -j "$(nproc)" --target "$model"
"$build/bin/$model" summary | grep -E "^model|total parameters|forward MACs"
run="$build/runs/$model-main"
rm -rf "$run"
mkdir -p "$build/runs"
"$build/bin/$model" train --dataset fashion-mnist --data /usr/share/datasets/fashion-mnist \
    --epochs "${EPOCHS:-1}" --schedule cosine --lr 0.1 --batch 128 --threads "${THREADS:-$(nproc)}" \
    --seed 1 --out "$run"
"$build/bin/$model" eval --dataset fashion-mnist --data /usr/share/datasets/fashion-mnist \
    --weights "$run/weights.safetensors" --threads "${THREADS:-$(nproc)}"
