#!/bin/sh
# tools/test-arm64.sh: resnetc on 64-bit ARM. Cross-compiles the runtime and a small
# generated model (resnet8_fmnist, generic ISA) for aarch64 (cmake/toolchain-aarch64.cmake)
# and runs under qemu-aarch64:
#   1. the runtime's C unit tests (tests/runtime) and the kernel and data ones (1, 2 and 3
#      OpenMP threads among them), through CTest (CMAKE_CROSSCOMPILING_EMULATOR);
#   2. `init` parity: the same seed gives bit-identical weights on x86-64 and aarch64;
#   3. `infer` parity: the same weights and input through the x86-64 build (generic ISA,
#      this machine's flags) and the aarch64 build (NEON), logits compared by
#      compare_tensors within a relative L2 error of 1e-5 (below);
#   4. a few training steps (2 epochs of 32 Fashion-MNIST images, 4 steps; about 25 s under
#      qemu): finite losses in the log, a checkpoint and weights written, which the x86-64
#      build's eval reads.
# Builds in $RESNETC_ARM64_BUILD (default <root>/build-arm64): aarch64/ and host/ (x86-64).
# Exits 77 with "skipped: ..." when the cross tools are not installed (tools/setup.sh
# installs them); any other failure exits non-zero. docs/development.md, "Cross builds".
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${RESNETC_ARM64_BUILD:-$root/build-arm64}
triple=aarch64-linux-gnu
sysroot=/usr/$triple
fmnist=/usr/share/datasets/fashion-mnist
model=resnet8_fmnist
start=$(date +%s)

missing=""
command -v $triple-gcc >/dev/null 2>&1 || missing="$missing gcc-aarch64-linux-gnu"
[ -f $sysroot/include/stdio.h ] || missing="$missing libc6-dev-arm64-cross"
[ -f $sysroot/lib/libgomp.so.1 ] || missing="$missing libgomp1-arm64-cross"
command -v qemu-aarch64 >/dev/null 2>&1 || missing="$missing qemu-user"
[ -f /usr/include/$triple/zlib.h ] || [ -f /usr/lib/$triple/libz.so ] || missing="$missing zlib1g-dev:arm64"
[ -f /usr/include/$triple/sleef.h ] || missing="$missing libsleef-dev:arm64"
[ -f $fmnist/train-images-idx3-ubyte.gz ] || missing="$missing dataset-fashion-mnist"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
if [ -n "$missing" ]; then
  echo "test-arm64: skipped: not installed:$missing (tools/setup.sh installs them)"
  exit 77
fi
# the cross C library's loader with its own C library first (cmake/toolchain-aarch64.cmake
# says why: with the multiarch libc6:arm64 instead, the first pthread_create never returns)
qemu="qemu-aarch64 -L $sysroot -E LD_LIBRARY_PATH=$sysroot/lib"
jobs=$(nproc)
work=$(mktemp -d "${TMPDIR:-/tmp}/resnetc_arm64_XXXXXX")
trap 'rc=$?; rm -rf "$work"; [ $rc -eq 0 ] || echo "test-arm64: FAILED (exit $rc)"' EXIT
trap 'exit 130' INT TERM

# --- aarch64: runtime, model and the unit tests, cross-compiled -----------------------------
unit="test_rt_safetensors test_rt_npy test_rt_args test_rt_util test_rt_weights test_rt_cli"
unit="$unit test_kern_conv test_kern_bn test_kern_pointwise test_kern_pool test_kern_fc_loss"
unit="$unit test_kern_loss_fast test_data_augment test_data_schedule test_data_train_parts"
unit="$unit test_data_readers test_data_sgd test_data_loader"
arm=$build/aarch64
cmake -S "$root" -B "$arm" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchain-aarch64.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DRESNETC_ISA=generic -DRESNETC_MODELS=$model \
  -DRESNETC_TEST_ISAS=generic -DRESNETC_MPI=OFF -DRESNETC_BUILD_TESTS=ON >/dev/null
# shellcheck disable=SC2086
cmake --build "$arm" -j "$jobs" --target $model $unit
file -L "$arm/bin/$model" | grep -q 'ARM aarch64' || { echo "FAIL: $arm/bin/$model is not an aarch64 program"; exit 1; }
regex="^($(echo $unit | tr ' ' '|'))\$"
ctest --test-dir "$arm" --output-on-failure --no-tests=error -R "$regex"

# --- x86-64: the same model, generic ISA, built for this machine ----------------------------
host=$build/host
cmake -S "$root" -B "$host" -DCMAKE_BUILD_TYPE=Release -DRESNETC_ISA=generic \
  -DRESNETC_MODELS=$model -DRESNETC_TEST_ISAS=generic -DRESNETC_MPI=OFF \
  -DRESNETC_BUILD_TESTS=ON >/dev/null
cmake --build "$host" -j "$jobs" --target $model compare_tensors
compare=$host/bin/compare_tensors

# --- init parity: one seed, one set of weights, on both machines ----------------------------
"$host/bin/$model" init --seed 7 --output "$work/weights_x86.safetensors"
$qemu "$arm/bin/$model" init --seed 7 --output "$work/weights_arm.safetensors"
echo "init parity (bit for bit):"
"$compare" "$work/weights_x86.safetensors" "$work/weights_arm.safetensors" --default-tol 0 --quiet

# --- infer parity ------------------------------------------------------------------------------
# Input: 8 images of 1x28x28 float32 in [-1, 1], from a fixed formula (no data set needed).
python3 - "$work/input.npy" <<'EOF'
import math, struct, sys
n, shape = 8 * 28 * 28, (8, 1, 28, 28)
header = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % (shape,)
header += " " * (63 - (10 + len(header)) % 64) + "\n"
with open(sys.argv[1], "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
    f.write(struct.pack("<%df" % n, *(math.sin(0.37 * i + 0.01 * i * i) for i in range(n))))
EOF
"$host/bin/$model" infer --weights "$work/weights_x86.safetensors" --input "$work/input.npy" \
  --output "$work/logits.npy" --batch 8
$qemu "$arm/bin/$model" infer --weights "$work/weights_x86.safetensors" \
  --input "$work/input.npy" --output "$work/logits_arm.npy" --batch 8
# Both builds run the same generic kernels (the same vector lanes, the same summation order)
# with FMA contraction (-ffp-contract=fast: fused multiply-add on both), so they may differ
# only where the two compilers fuse a different multiply with its add: one rounding of the
# product, 2^-24 relative, per such operation. Through 9 layers of sums of up to 576 terms,
# rounding differences of that size grow to a relative L2 error of about 1e-6 (random walk:
# sqrt(576) * 6e-8 per layer); 1e-5 leaves room for that, and a defect (a wrong lane, a lost
# tail, a misread weight) gives an error of order 1.
echo "infer parity (relative L2 error <= 1e-5):"
"$compare" "$work/logits.npy" "$work/logits_arm.npy" --default-tol 1e-5
python3 - "$work/logits.npy" "$work/logits_arm.npy" <<'EOF'
import struct, sys
def load(path):
    data = open(path, "rb").read()
    start = 10 + struct.unpack("<H", data[8:10])[0]
    return struct.unpack("<%df" % ((len(data) - start) // 4), data[start:])
a, b = load(sys.argv[1]), load(sys.argv[2])
print("infer parity: %d logits, max |x86 - arm| = %.3g, max |logit| = %.3g"
      % (len(a), max(abs(x - y) for x, y in zip(a, b)), max(abs(x) for x in a)))
EOF

# --- a few training steps under qemu ------------------------------------------------------------
# On a subset of Fashion-MNIST written as plain IDX files (the first 32 training and 32 test
# images): inflating the whole set takes qemu longer than the training steps, and qemu runs
# the kernels a few hundred times slower than this machine does.
python3 - "$fmnist" "$work/fmnist" <<'EOF'
import gzip, os, struct, sys
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst)
for split, count in (("train", 32), ("t10k", 32)):
    for kind, hdr in (("images-idx3", 16), ("labels-idx1", 8)):
        name = "%s-%s-ubyte" % (split, kind)
        with gzip.open(os.path.join(src, name + ".gz")) as f:
            head = bytearray(f.read(hdr))
            body = f.read(count * (28 * 28 if hdr == 16 else 1))
        struct.pack_into(">I", head, 4, count)
        with open(os.path.join(dst, name), "wb") as f:
            f.write(head + body)
EOF
timeout -s KILL 600 $qemu "$arm/bin/$model" train --dataset fashion-mnist --data "$work/fmnist" \
  --epochs 2 --schedule constant --lr 0.05 --batch 16 --threads 2 --seed 11 --no-progress \
  --out "$work/run"
for f in log.csv checkpoint.safetensors weights.safetensors; do
  [ -s "$work/run/$f" ] || { echo "FAIL: training under qemu wrote no $f"; exit 1; }
done
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
  { loss[NR - 1] = $col["train_loss"]; rows = NR - 1
    finite = "^-?[0-9]+([.][0-9]*)?([eE][-+]?[0-9]+)?$"
    if ($col["train_loss"] !~ finite || $col["test_loss"] !~ finite) {
      print "FAIL: a loss is not a finite number: " $0; bad = 1 } }
  END { if (bad) exit 1
        if (rows != 2) { print "FAIL: expected 2 epoch rows, got " rows; exit 1 }
        printf "training under qemu: train loss %s -> %s\n", loss[1], loss[2] }' "$work/run/log.csv"
# the aarch64 checkpoint reads back on x86-64
"$host/bin/$model" eval --dataset fashion-mnist --data "$work/fmnist" \
  --weights "$work/run/weights.safetensors" | head -1
echo "test-arm64: ok ($(( $(date +%s) - start )) s)"
