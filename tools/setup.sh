#!/bin/sh
# tools/setup.sh: install the Debian packages resnetc needs, when missing (needs root or sudo).
#   build:     cmake gcc make luajit lua5.4 zlib1g-dev libsleef-dev
#   images:    libpng-dev libjpeg62-turbo-dev (PNG/JPEG input to `infer --image`; optional
#              at build time), python3-pil (the image test fixtures)
#   fuzzing:   clang libclang-rt-14-dev libomp-dev (libFuzzer, sanitizers; tests/fuzz/run.sh)
#   MPI:       libopenmpi-dev openmpi-bin (data-parallel training, -DRESNETC_MPI=ON;
#              docs/distributed.md)
#   data:      dataset-fashion-mnist (the default data set), xz-utils (the CIFAR-10 copy)
#   ARM64:     gcc-aarch64-linux-gnu libc6-dev-arm64-cross libgomp1-arm64-cross qemu-user, and
#              through Debian multiarch (dpkg --add-architecture arm64, done here) the
#              runtime's libraries for arm64: zlib1g-dev:arm64 libsleef-dev:arm64
#              (the cross build and its tests under qemu, tools/test-arm64.sh)
#   reports:   gnuplot-nox (the plots of experiments/, docs/experiments.md)
#   fixtures:  python3-torch python3-torchvision python3-numpy (PyTorch references for tests
#              and benchmarks only; never used at run time), libjemalloc2
#              libgoogle-perftools4 (jemalloc and tcmalloc for PyTorch's side of
#              bench/vs_pytorch.sh, --torch-alloc; benchmarks only)
set -eu
packages="cmake gcc make luajit lua5.4 zlib1g-dev libsleef-dev dataset-fashion-mnist xz-utils"
packages="$packages libpng-dev libjpeg62-turbo-dev"
packages="$packages clang libclang-rt-14-dev libomp-dev"
packages="$packages gnuplot-nox"
packages="$packages libopenmpi-dev openmpi-bin"
packages="$packages gcc-aarch64-linux-gnu libc6-dev-arm64-cross libgomp1-arm64-cross qemu-user"
packages="$packages zlib1g-dev:arm64 libsleef-dev:arm64"
if [ "${1:-}" != "--no-torch" ]; then
  packages="$packages python3-torch python3-torchvision python3-numpy python3-pil"
  packages="$packages libjemalloc2 libgoogle-perftools4"
fi
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
  echo "setup: all packages present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "setup: installing$missing"
# the :arm64 packages (multiarch) need arm64 among dpkg's architectures
case "$missing" in
  *:arm64*) dpkg --print-foreign-architectures | grep -qx arm64 || $sudo dpkg --add-architecture arm64 ;;
esac
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
