#!/bin/sh
# tuning_loop.sh LUA ROOT PROGRAM SPEC ISA: tools/tune.sh with an already built tuning program
# (conv_layers on a model generated with --entries all; one round, one call each, batch 2)
# writes a tuning file with a line per 3x3 stride-1 signature and direction that has a choice,
# and the generator accepts it for SPEC. Checks the plumbing, not the times.
set -u
lua=$1 root=$2 program=$3 spec=$4 isa=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$program" --validate-only --batch 1 > /dev/null 2>&1
case $? in 0) ;; 77) echo "skipped: this CPU lacks the ISA"; exit 77 ;; esac
sh "$root/tools/tune.sh" tiny --program "$program" --out "$tmp/t.tune" --batch 2 --threads 1 --iters 1 --rounds 1 ||
  { echo "FAIL: tools/tune.sh"; exit 1; }
cat "$tmp/t.tune"
head -n 1 "$tmp/t.tune" | grep -qx "# resnetc tuning 1" || { echo "FAIL: no first line"; exit 1; }
grep -qx "# isa: $isa" "$tmp/t.tune" || { echo "FAIL: no '# isa: $isa' line"; exit 1; }
n=$(grep -c '^conv' "$tmp/t.tune")
[ "$n" -ge 3 ] || { echo "FAIL: $n choices, expected one per direction of at least one signature"; exit 1; }
(cd "$root" && "$lua" gen/resnetc.lua generate "$spec" --isa "$isa" --tuning "$tmp/t.tune" --out "$tmp/gen") ||
  { echo "FAIL: the generator rejects the file"; exit 1; }
grep -q "Algorithm: measured (" "$tmp/gen/"*.c || { echo "FAIL: no measured choice in the generated code"; exit 1; }
echo "ok: tools/tune.sh wrote $n choices, the generator used them"
