#!/bin/sh
# examples/test/embed_cmake.sh MODE WHERE EXAMPLES WORK CMAKE MAKE_INPUT: configure, build and
# run examples/embed-cmake in WORK, taking resnetc from an installed prefix (MODE installed,
# WHERE = the prefix) or from a checkout through add_subdirectory (MODE subdir, WHERE = the
# checkout). Runs the example's resnet20 (init, infer) and classify, which checks its logits
# against the reference executor and `resnet20 infer`, and that training lowers the loss.
set -eu
mode=$1 where=$2 examples=$3 work=$4 cmake=$5 make_input=$6
rm -rf "$work"
mkdir -p "$work"
case "$mode" in
  installed) set -- -DCMAKE_PREFIX_PATH="$where" ;;
  subdir) set -- -DRESNETC_SOURCE_DIR="$where" ;;
  *) echo "embed_cmake: unknown mode $mode" >&2; exit 2 ;;
esac
"$cmake" -S "$examples/embed-cmake" -B "$work/build" -DCMAKE_BUILD_TYPE=Release "$@" >"$work/configure.log" 2>&1 \
  || { cat "$work/configure.log"; exit 1; }
if [ "$mode" = installed ]; then
  # the package found must be the installed one, not this checkout
  dir=$(sed -n 's/^resnetc_DIR:PATH=//p' "$work/build/CMakeCache.txt")
  case "$dir" in "$where"/*) ;; *) echo "embed_cmake: resnetc_DIR is '$dir', not under $where" >&2; exit 1 ;; esac
fi
"$cmake" --build "$work/build" -j "$(nproc 2>/dev/null || echo 2)" >"$work/build.log" 2>&1 \
  || { cat "$work/build.log"; exit 1; }
bin=$work/build/bin
"$bin/resnet20" init --seed 5 --output "$work/w.safetensors"
"$make_input" "$work/x.npy" 6 3 32 32 11
"$bin/resnet20" infer --weights "$work/w.safetensors" --input "$work/x.npy" --output "$work/expect.npy"
"$bin/classify" "$work/w.safetensors" "$work/x.npy" "$work/expect.npy"
