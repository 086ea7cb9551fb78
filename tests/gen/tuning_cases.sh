#!/bin/sh
# tuning_cases.sh LUA ROOT: the generator and tuning files (gen/tuning.lua, gen/winograd.lua
# choose; --tuning, --entries).
# - tuning/resnet20.tune.in (ISA generic): every choice it makes shows up in resnet20's
#   kernel names and comments (measured, with the file's line; modelled where it has no line),
#   the command line names the file, and the output is the same twice and under Lua 5.4;
# - every file in tuning/bad is rejected: exit 1, the message on its '# expect: ' line (file
#   and line), no output written (its '# spec: ' line, if any, names the spec; else resnet20);
# - --tuning with --conv other than auto: exit 2;
# - --entries all: every algorithm's entry points of a 3x3 stride-1 layer.
set -u
lua=$1 root=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
no() { echo "FAIL: $*"; fail=1; }
gen() { (cd "$root" && "$lua" gen/resnetc.lua generate "$@"); }

sed 's/@ISA@/generic/' "$here/tuning/resnet20.tune.in" > "$tmp/resnet20.tune"
gen specs/resnet20.lua --isa generic --tuning "$tmp/resnet20.tune" --out "$tmp/a" || no "generate with the good file"
c=$tmp/a/resnet20.c
has() { grep -q -- "$1" "$c" || no "expected in resnet20.c: $1"; }
hasnt() { ! grep -q -- "$1" "$c" || no "not expected in resnet20.c: $1"; }
# c16k16 32x32: forward F(2x2), backward-data direct, backward-weights F(4x4) (the model: F(4x4) everywhere)
has 'conv3x3_s1_c16k16_h32w32_f2_stats_fwd('
hasnt 'conv3x3_s1_c16k16_h32w32_f4_[a-z_]*fwd'
has 'conv3x3_s1_c16k16_h32w32_bwd_data('
hasnt 'conv3x3_s1_c16k16_h32w32_f[24]_bwd_data'
has 'conv3x3_s1_c16k16_h32w32_f4_bwd_weights('
has 'Algorithm: measured (resnet20.tune:8): f4 0.688 ms < f2 1.044 ms < direct 1.508 ms; f2 as the file says.'
has 'Algorithm: measured (resnet20.tune:9): f4 0.679 ms < f2 1.021 ms < direct 1.485 ms; direct as the file says.'
# c32k32 16x16: forward direct, backward-data F(2x2), backward-weights not in the file: the model's F(4x4)
has 'conv3x3_s1_c32k32_h16w16_stats_fwd('
hasnt 'conv3x3_s1_c32k32_h16w16_f[24]_[a-z_]*fwd'
has 'conv3x3_s1_c32k32_h16w16_f2_bwd_data'
has 'conv3x3_s1_c32k32_h16w16_f4_bwd_weights('
has 'Algorithm: modelled: F(4x4) on maps of 8x8 and more in whole tiles (gen/winograd.lua).'
# c64k64 8x8: forward and backward-data F(4x4) (no times: "no times given"), backward-weights direct
has 'conv3x3_s1_c64k64_h8w8_f4_stats_fwd('
has 'conv3x3_s1_c64k64_h8w8_f4_bwd_data'
has 'conv3x3_s1_c64k64_h8w8_bwd_weights('
has 'Algorithm: measured (resnet20.tune:14): no times given.'
hasnt 'conv3x3_s1_c64k64_h8w8_f2_'
has 'Command: gen/resnetc.lua generate specs/resnet20.lua --name resnet20 --isa generic --tuning resnet20.tune'
gen specs/resnet20.lua --isa generic --tuning "$tmp/resnet20.tune" --out "$tmp/b" >/dev/null
diff -r "$tmp/a" "$tmp/b" > /dev/null || no "two runs with the same tuning file differ"
for other in lua5.4 luajit; do
  if command -v "$other" > /dev/null && [ "$(command -v "$other")" != "$(command -v "$lua")" ]; then
    (cd "$root" && "$other" gen/resnetc.lua generate specs/resnet20.lua --isa generic --tuning "$tmp/resnet20.tune" \
       --out "$tmp/c") && diff -r "$tmp/a" "$tmp/c" > /dev/null || no "$other's output differs from $lua's"
    rm -rf "$tmp/c"
  fi
done

for f in "$here"/tuning/bad/*.tune; do
  name=$(basename "$f")
  expected=$(sed -n 's/^# expect: //p' "$f")
  spec=$(sed -n 's/^# spec: //p' "$f")
  [ -n "$expected" ] || { no "$name: no '# expect:' line"; continue; }
  cp "$f" "$tmp/$name"
  msg=$(gen "${spec:-specs/resnet20.lua}" --isa generic --tuning "$tmp/$name" --out "$tmp/bad" 2>&1)
  rc=$?
  case "$msg" in *"$expected"*) ;; *) no "$name: expected a message containing: $expected; got: $msg" ;; esac
  [ "$rc" -eq 1 ] || no "$name: exit code $rc, expected 1"
  [ ! -e "$tmp/bad" ] || no "$name: output written"
  echo "ok: $name rejected: $msg" | head -n 1
done

gen specs/resnet20.lua --conv f2 --tuning "$tmp/resnet20.tune" --out "$tmp/bad" > "$tmp/msg" 2>&1
rc=$?
[ "$rc" -eq 2 ] && grep -q "chooses under --conv auto" "$tmp/msg" || no "--tuning with --conv f2: exit $rc: $(cat "$tmp/msg")"

gen specs/resnet20.lua --isa generic --entries all --out "$tmp/all" || no "generate --entries all"
for e in conv_entry_3_direct_fwd conv_entry_3_f2_fwd conv_entry_3_f4_fwd conv_entry_0_direct_fwd; do
  grep -q "$e," "$tmp/all/resnet20.c" || no "--entries all: no row with $e"
done
! grep -q "conv_entry_0_f2_fwd" "$tmp/all/resnet20.c" || no "--entries all: the 3-channel stem has no F(2x2) entry"
[ "$fail" -eq 0 ] && echo "ok: tuning files honoured, bad ones rejected"
exit "$fail"
