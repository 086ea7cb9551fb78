#!/bin/sh
# examples/test/plain_make.sh PREFIX EXAMPLES WORK RESNET20 MAKE_INPUT: build
# examples/plain-make with make against the resnetc installed in PREFIX (pkg-config), then
# classify a seeded batch with weights from this build's resnet20 and check the logits
# against the reference executor and `resnet20 infer`.
set -eu
prefix=$1 examples=$2 work=$3 resnet20=$4 make_input=$5
rm -rf "$work"
mkdir -p "$work"
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" make -C "$examples/plain-make" O="$work" >"$work/build.log" 2>&1 \
  || { cat "$work/build.log"; exit 1; }
"$resnet20" init --seed 9 --output "$work/w.safetensors"
"$make_input" "$work/x.npy" 5 3 32 32 3
"$resnet20" infer --weights "$work/w.safetensors" --input "$work/x.npy" --output "$work/expect.npy"
"$work/classify" "$work/w.safetensors" "$work/x.npy" "$work/expect.npy"
