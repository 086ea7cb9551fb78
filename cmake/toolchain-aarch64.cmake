# CMake toolchain file: cross-compile resnetc for 64-bit ARM Linux (aarch64) with Debian's
# cross compiler, and run the target's programs under qemu-user (ctest, try_run).
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake
# Needs gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, libgomp1-arm64-cross and qemu-user,
# and the runtime's libraries for arm64 through Debian multiarch (dpkg --add-architecture
# arm64): zlib1g-dev:arm64, libsleef-dev:arm64 (tools/setup.sh installs them all;
# docs/development.md, "Cross builds (ARM64)"). With no ISA given, cmake/resnetc.cmake
# picks the generic one when cross-compiling, with the target's baseline flags (NEON on
# aarch64).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(RESNETC_CROSS_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${RESNETC_CROSS_TRIPLE}-gcc)
# the libraries of the target: the cross toolchain's sysroot (/usr/aarch64-linux-gnu) and
# the multiarch folders (/usr/lib/aarch64-linux-gnu, /usr/include/aarch64-linux-gnu), never
# the build machine's
set(CMAKE_LIBRARY_ARCHITECTURE ${RESNETC_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH /usr/${RESNETC_CROSS_TRIPLE} /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)   # programs (luajit) run on the build machine
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# target programs run under qemu-aarch64, with the cross C library as its root. The loader
# there (libc6-arm64-cross) must load the C library beside it, not the multiarch one that
# zlib1g-dev:arm64 brings (libc6:arm64, a later Debian revision): the two glibc builds share
# no private ABI, and with that pair the first pthread_create spins forever in the loader's
# stack cache list. LD_LIBRARY_PATH puts the cross libraries before the loader's cache.
find_program(RESNETC_QEMU_AARCH64 qemu-aarch64)
if(RESNETC_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${RESNETC_QEMU_AARCH64} -L /usr/${RESNETC_CROSS_TRIPLE}
      -E LD_LIBRARY_PATH=/usr/${RESNETC_CROSS_TRIPLE}/lib)
endif()
