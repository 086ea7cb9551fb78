#!/bin/sh
# tools/compare_outputs.sh: build the same specs from two source trees and check that the
# generated models' outputs are byte-identical: `init --seed`, `grad` (training forward and
# backward: loss, gradients and the input's gradient) and `infer` (eval forward), with fixed
# inputs and labels, at each thread count. For changes to the generator that must not
# change what the generated code computes (docs/development.md, "Checking bit-identity").
#
# Usage: tools/compare_outputs.sh [options] SPEC...
#   SPEC               a spec path (specs/resnet20.lua, tests/specs/tiny_a.lua) or a name under specs/
#   -b REV             base: a git revision of this repository (default HEAD), exported with git archive
#   -B DIR             base: a source folder instead of a revision
#   -n DIR             new: a source folder (default: this working tree)
#   -i ISA             avx512, avx2 or generic (default: the build's default, the best this machine runs)
#   -c CONV            auto, direct, f2 or f4 (default auto)
#   -t "T1 T2..."      thread counts (default "1 3")
#   -N BATCH           images per run (default 2)
#   -w DIR             work folder (default /tmp/resnetc-compare); builds are kept there and reused
#   -j JOBS            build jobs (default 2)
# Exit status 0 when every output matches, 1 when one differs, 2 on a build or run error.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
base_rev=HEAD base_dir= new_dir=$root isa= conv=auto threads="1 3" batch=2 work=/tmp/resnetc-compare jobs=2
while getopts b:B:n:i:c:t:N:w:j: opt; do
  case $opt in
    b) base_rev=$OPTARG ;; B) base_dir=$OPTARG ;; n) new_dir=$OPTARG ;; i) isa=$OPTARG ;;
    c) conv=$OPTARG ;; t) threads=$OPTARG ;; N) batch=$OPTARG ;; w) work=$OPTARG ;; j) jobs=$OPTARG ;;
    *) sed -n '2,20p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { sed -n '2,20p' "$0"; exit 2; }
mkdir -p "$work"
work=$(cd "$work" && pwd)

if [ -z "$base_dir" ]; then
  base_dir=$work/src-$(git -C "$root" rev-parse --short "$base_rev")
  if [ ! -d "$base_dir" ]; then
    mkdir -p "$base_dir.tmp"
    git -C "$root" archive "$base_rev" | tar -x -C "$base_dir.tmp"
    mv "$base_dir.tmp" "$base_dir"
  fi
fi
base_dir=$(cd "$base_dir" && pwd)
new_dir=$(cd "$new_dir" && pwd)

# the specs: name and absolute path
specs=
for s in "$@"; do
  case $s in
    */*|*.lua) p=$(cd "$(dirname "$s")" && pwd)/$(basename "$s") ;;
    *) p=$root/specs/$s.lua ;;
  esac
  [ -f "$p" ] || { echo "compare_outputs: no spec $s" >&2; exit 2; }
  specs="$specs $(basename "$p" .lua)=$p"
done

tag=${isa:-default}-$conv
# build(SIDE, SRC): a wrapper project that adds the tree and one model per spec
build() {
  dir=$work/$1-$tag
  mkdir -p "$dir/project"
  {
    echo "cmake_minimum_required(VERSION 3.20)"
    echo "project(compare C)"
    echo "set(CMAKE_C_STANDARD 11)"
    echo "set(CMAKE_C_STANDARD_REQUIRED ON)"
    echo "set(CMAKE_C_EXTENSIONS OFF)"
    echo "set(CMAKE_RUNTIME_OUTPUT_DIRECTORY \${CMAKE_BINARY_DIR}/bin)"
    echo "set(RESNETC_MODELS \"\" CACHE STRING \"\" FORCE)"
    echo "add_subdirectory($2 resnetc)"
    for e in $specs; do
      echo "resnetc_add_model(${e%%=*} SPEC ${e#*=} CONV $conv)"
    done
  } > "$dir/project/CMakeLists.txt.new"
  cmp -s "$dir/project/CMakeLists.txt.new" "$dir/project/CMakeLists.txt" 2>/dev/null ||
    mv "$dir/project/CMakeLists.txt.new" "$dir/project/CMakeLists.txt"
  cmake -S "$dir/project" -B "$dir/build" -DCMAKE_BUILD_TYPE=Release ${isa:+-DRESNETC_ISA=$isa} > "$dir/configure.log" ||
    { cat "$dir/configure.log"; return 2; }
  targets=
  for e in $specs; do targets="$targets ${e%%=*}"; done
  # shellcheck disable=SC2086
  nice cmake --build "$dir/build" -j "$jobs" --target $targets > "$dir/build.log" 2>&1 ||
    { tail -n 40 "$dir/build.log"; return 2; }
}

build base "$base_dir" || exit 2
build new "$new_dir" || exit 2

status=0
for e in $specs; do
  name=${e%%=*}
  out=$work/out-$tag/$name
  rm -rf "$out"
  mkdir -p "$out"
  for side in base new; do
    bin=$work/$side-$tag/build/bin/$name
    d=$out/$side
    mkdir -p "$d"
    # the model's input shape, from its usage text: "NAME: CxHxW input, K classes ..."
    dims=$("$bin" 2>&1 | sed -n 's/.*: \([0-9]*\)x\([0-9]*\)x\([0-9]*\) input, \([0-9]*\) classes.*/\1 \2 \3 \4/p')
    [ -n "$dims" ] || { echo "compare_outputs: $name: cannot read the input shape from summary" >&2; exit 2; }
    # shellcheck disable=SC2086
    python3 - "$d" "$batch" $dims <<'EOF'
import struct, sys
d, n, c, h, w, k = sys.argv[1], *map(int, sys.argv[2:])
def npy(path, descr, shape, data):
    head = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (descr, ", ".join(map(str, shape)) + ",")
    head += " " * (63 - (10 + len(head)) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(head)) + head.encode() + data)
s, xs = 12345, []
for _ in range(n * c * h * w):   # a fixed LCG: values in [-2, 2)
    s = (s * 1103515245 + 12345) % 2**31
    xs.append(s / 2**29 - 2.0)
npy(d + "/x.npy", "<f4", (n, c, h, w), struct.pack("<%df" % len(xs), *xs))
npy(d + "/y.npy", "<i8", (n,), struct.pack("<%dq" % n, *[(7 * i + 3) % k for i in range(n)]))
EOF
    "$bin" init --seed 7 --output "$d/w.safetensors" > "$d/init.txt" || exit 2
    for t in $threads; do
      "$bin" grad --weights "$d/w.safetensors" --input "$d/x.npy" --labels "$d/y.npy" --threads "$t" \
        --output "$d/g$t.safetensors" --input-grad "$d/dx$t.npy" > "$d/grad$t.txt" || exit 2
      "$bin" infer --weights "$d/w.safetensors" --input "$d/x.npy" --threads "$t" \
        --output "$d/logits$t.npy" > "$d/infer$t.txt" || exit 2
    done
  done
  bad=
  for f in "$out"/base/*; do
    f=$(basename "$f")
    case $f in *.txt) sed -i 's/[0-9.]* *m\?s\b//g' "$out/base/$f" "$out/new/$f" ;; esac   # timings, if any
    cmp -s "$out/base/$f" "$out/new/$f" || bad="$bad $f"
  done
  if [ -n "$bad" ]; then
    echo "DIFFER $name ($tag, batch $batch, threads $threads):$bad"
    status=1
  else
    echo "same   $name ($tag, batch $batch, threads $threads): $(ls "$out/base" | wc -l) files"
  fi
done
exit $status
