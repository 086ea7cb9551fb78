#!/bin/sh
# infer_only_symbols.sh LUA ROOT CC SPEC...: the inference-only files (generate --mode infer)
# depend on nothing but a few C library functions. For each spec and ISA (generic, avx2),
# with and without -fopenmp, the generated .c is compiled with only its own folder on the
# include path (no resnetc headers), and then:
#   - its #include lines name only <math.h> <stddef.h> <stdint.h> <string.h> <immintrin.h>
#     <omp.h> and its own header;
#   - the object's undefined symbols are only memcpy, memmove, memset, sqrtf and, with
#     OpenMP, GOMP_* / omp_* (so no malloc, no stdio, no runtime library);
#   - it has no writable data (no .data, .bss, .tdata, .tbss or other writable section of
#     nonzero size): no global state.
set -eu
lua=$1 root=$2 cc=$3
shift 3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
fail() { echo "FAIL: $*"; status=1; }
for spec in "$@"; do
  for isa in generic avx2; do
    name=$(basename "$spec" .lua)
    out="$tmp/$name-$isa"
    "$lua" "$root/gen/resnetc.lua" generate "$spec" --isa "$isa" --mode infer --out "$out"
    [ "$(ls "$out")" = "$(printf '%s\n%s' "${name}_infer.c" "${name}_infer.h")" ] \
      || fail "$name: expected exactly ${name}_infer.c and ${name}_infer.h, found: $(ls "$out" | tr '\n' ' ')"
    bad=$(grep -h '^#include' "$out/${name}_infer.c" "$out/${name}_infer.h" \
          | grep -v -E "^#include (<(math|stddef|stdint|string|immintrin|omp)\.h>|\"${name}_infer\.h\")$" || true)
    [ -z "$bad" ] || fail "$name ($isa): unexpected includes: $bad"
    flags="-std=c11 -O2 -Wall -Wextra -Werror -Wno-psabi"
    [ "$isa" = avx2 ] && flags="$flags -mavx2 -mfma"
    for omp in "" -fopenmp; do
      obj="$out/model$omp.o"
      # shellcheck disable=SC2086
      "$cc" $flags $omp -I"$out" -c "$out/${name}_infer.c" -o "$obj" || { fail "$name ($isa $omp): does not compile"; continue; }
      undef=$(nm -u "$obj" | awk '{print $2}' \
              | grep -v -E '^(memcpy|memmove|memset|sqrtf|GOMP_[A-Za-z_]+|omp_[a-z_]+)$' || true)
      [ -z "$undef" ] || fail "$name ($isa $omp): calls out to $(echo $undef)"
      if [ -z "$omp" ]; then
        omps=$(nm -u "$obj" | grep -c -E 'GOMP_|omp_' || true)
        [ "$omps" = 0 ] || fail "$name ($isa): OpenMP symbols without -fopenmp"
      fi
      # writable sections (flag W) with a nonzero size
      writable=$(readelf -S -W "$obj" | awk '
        /^ *\[ *[0-9]+\]/ { sub(/^ *\[ *[0-9]+\] */, ""); n = split($0, f, /[ \t]+/);
                            name = f[1]; size = f[5]; flg = f[7];
                            if (flg ~ /W/ && size !~ /^0+$/) print name }')
      [ -z "$writable" ] || fail "$name ($isa $omp): writable data: $(echo $writable)"
      echo "ok: $name ($isa${omp:+, $omp}): $(nm -u "$obj" | awk '{print $2}' | tr '\n' ' ')"
    done
  done
done
exit $status
