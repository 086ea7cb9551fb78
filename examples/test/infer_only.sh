#!/bin/sh
# examples/test/infer_only.sh EXAMPLES WORK RESNET20 MAKE_INPUT: build examples/infer-only with
# make (no resnetc headers or library), with and without OpenMP; export the params buffer of
# seeded weights with this build's resnet20 (raw, and as C source compiled into the program)
# and classify a seeded batch; the logits must match `resnet20 infer` of the full model.
set -eu
examples=$1 work=$2 resnet20=$3 make_input=$4
rm -rf "$work"
mkdir -p "$work/omp" "$work/serial"
make -C "$examples/infer-only" O="$work/omp" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
make -C "$examples/infer-only" O="$work/serial" OPENMP= >"$work/build-serial.log" 2>&1 \
  || { cat "$work/build-serial.log"; exit 1; }
if nm "$work/omp/resnet20_infer.o" | grep -q -i -E ' U .*(malloc|printf|resnetc|rn_)'; then
  echo "FAIL: resnet20_infer.o calls the C allocator, stdio or the runtime"; exit 1
fi
"$resnet20" init --seed 9 --output "$work/w.safetensors"
"$resnet20" export --weights "$work/w.safetensors" --output "$work/params.bin"
"$make_input" "$work/x.npy" 5 3 32 32 3
"$resnet20" infer --weights "$work/w.safetensors" --input "$work/x.npy" --output "$work/expect.npy"
"$work/omp/classify" "$work/params.bin" "$work/x.npy" "$work/expect.npy"
"$work/serial/classify" "$work/params.bin" "$work/x.npy" "$work/expect.npy"
# the parameters compiled into the program (export --format c)
"$resnet20" export --weights "$work/w.safetensors" --format c --output "$work/params.c"
make -C "$examples/infer-only" O="$work/omp" embedded PARAMS_C="$work/params.c" >"$work/build-embedded.log" 2>&1 \
  || { cat "$work/build-embedded.log"; exit 1; }
"$work/omp/classify-embedded" builtin "$work/x.npy" "$work/expect.npy"
