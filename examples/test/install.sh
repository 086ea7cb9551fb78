#!/bin/sh
# examples/test/install.sh CMAKE BUILD PREFIX: install BUILD into a fresh PREFIX and check the
# package layout that find_package(resnetc) and pkg-config rely on.
set -eu
cmake=$1 build=$2 prefix=$3
rm -rf "$prefix"
"$cmake" --install "$build" --prefix "$prefix" >/dev/null
for f in lib/libresnetc.a include/resnetc/model.h include/resnetc/runtime.h \
         include/resnetc/weights.h share/resnetc/gen/resnetc.lua share/resnetc/gen/layers \
         share/resnetc/templates share/resnetc/specs/resnet20.lua \
         lib/cmake/resnetc/resnetcConfig.cmake lib/cmake/resnetc/resnetcConfigVersion.cmake \
         lib/cmake/resnetc/resnetcTargets.cmake lib/cmake/resnetc/resnetc.cmake \
         lib/pkgconfig/resnetc.pc; do
  [ -e "$prefix/$f" ] || { echo "install: missing $prefix/$f" >&2; exit 1; }
done
# the installed generator runs from its new home and finds its templates
lua=$(command -v luajit || command -v lua5.4)
"$lua" "$prefix/share/resnetc/gen/resnetc.lua" generate "$prefix/share/resnetc/specs/resnet20.lua" \
  --name r20 --out "$prefix/../gen-check" >/dev/null
[ -s "$prefix/../gen-check/r20.c" ] || { echo "install: installed generator wrote nothing" >&2; exit 1; }
rm -rf "$prefix/../gen-check"
# pkg-config resolves to this prefix, wherever it is
if command -v pkg-config >/dev/null; then
  set -- $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags resnetc) ""
  inc=$1
  case "$inc" in -I*) [ -f "${inc#-I}/resnetc/model.h" ] || { echo "install: pkg-config --cflags: $inc" >&2; exit 1; } ;;
    *) echo "install: pkg-config --cflags: '$inc'" >&2; exit 1 ;; esac
fi
echo "install: ok ($prefix)"
