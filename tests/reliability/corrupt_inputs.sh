#!/bin/sh
# corrupt_inputs.sh MODEL_EXE: damaged, mismatched and missing files given to `infer` and
# `grad`, and outputs that cannot be written (no directory, a directory in the way, a file
# size limit standing in for a full disk). Each case asserts exit code 1, a message naming
# the problem, no output file created (or a previous one left byte-identical), and no
# temporary file left behind. Needs python3 (standard library only) to build the files.
set -u
exe=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 1
fails=0 cases=0

"$exe" init --seed 1 --output w.safetensors >/dev/null || { echo "FAIL: init"; exit 1; }
shape=$("$exe" --help | sed -n 's/.*: \([0-9]*\)x\([0-9]*\)x\([0-9]*\) input, \([0-9]*\) classes.*/\1 \2 \3 \4/p')
[ -n "$shape" ] || { echo "FAIL: cannot read the input shape from --help"; exit 1; }
python3 - "$shape" <<'PY' || { echo "FAIL: python3 could not build the inputs"; exit 1; }
import json, struct, sys
c, h, w, k = map(int, sys.argv[1].split())
def npy(name, descr, shape, data, fortran=False):
    sh = "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
    hd = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, sh)
    hd += " " * ((64 - (10 + len(hd) + 1) % 64) % 64) + "\n"
    open(name, "wb").write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hd)) + hd.encode() + data)
n = 2
px = c * h * w
npy("x.npy", "<f4", (n, c, h, w), struct.pack("<%df" % (n * px), *[0.01 * (i % 97) for i in range(n * px)]))
npy("y.npy", "<i8", (n,), struct.pack("<2q", 0, k - 1))
raw = open("x.npy", "rb").read()
open("x_trunc.npy", "wb").write(raw[:len(raw) - 5])
open("x_trail.npy", "wb").write(raw + b"\0\0\0\0")
open("x_magic.npy", "wb").write(b"\x93NUMPZ" + raw[6:])
open("x_hdrlen.npy", "wb").write(raw[:8] + b"\xff\xff" + raw[10:])
npy("x_int.npy", "<i8", (n, c, h, w), b"\0" * 8 * n * px)
npy("x_shape.npy", "<f4", (n, c + 2, h, w), b"\0" * 4 * n * (c + 2) * h * w)
npy("x_3d.npy", "<f4", (c, h, w), b"\0" * 4 * px)
npy("x_fortran.npy", "<f4", (n, c, h, w), b"\0" * 4 * n * px, fortran=True)
npy("x_big.npy", ">f4", (n, c, h, w), b"\0" * 4 * n * px)
npy("y_float.npy", "<f4", (n,), b"\0" * 8)
npy("y_range.npy", "<i8", (n,), struct.pack("<2q", 0, k))
npy("y_neg.npy", "<i8", (n,), struct.pack("<2q", -1, 0))
npy("y_count.npy", "<i8", (n + 1,), b"\0" * 8 * (n + 1))
npy("y_2d.npy", "<i8", (n, 1), b"\0" * 8 * n)
# weights
st = open("w.safetensors", "rb").read()
hl = struct.unpack("<Q", st[:8])[0]
hdr = json.loads(st[8:8 + hl])
data = st[8 + hl:]
def stw(name, header, body):
    hb = json.dumps(header).encode()
    open(name, "wb").write(struct.pack("<Q", len(hb)) + hb + body)
for cut in (0, 7, 8, 100, len(st) // 2, len(st) - 1):
    open("w_trunc_%d.safetensors" % cut, "wb").write(st[:cut])
open("w_hdrlen.safetensors", "wb").write(struct.pack("<Q", 1 << 40) + st[8:])
bad = bytearray(st); bad[8] = ord("[")
open("w_json.safetensors", "wb").write(bytes(bad))
names = sorted(k for k in hdr if k != "__metadata__")
h2 = dict(hdr); h2["renamed.weight"] = h2.pop(names[0]); stw("w_missing.safetensors", h2, data)
h3 = dict(hdr); e = dict(h3[names[0]]); e["shape"] = list(reversed(e["shape"])) + [1]; h3[names[0]] = e
stw("w_shape.safetensors", h3, data)
h4 = dict(hdr); e = dict(h4["fc.bias"]); e["dtype"] = "I32"; h4["fc.bias"] = e; stw("w_dtype.safetensors", h4, data)
h5 = dict(hdr); e = dict(h5["fc.bias"]); e["data_offsets"] = [len(data) - 4, len(data) + 36]; h5["fc.bias"] = e
stw("w_outside.safetensors", h5, data)
h6 = dict(hdr); h6["extra.weight"] = {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}
stw("w_extra.safetensors", h6, data)
open("random.bin", "wb").write(bytes((i * 7919 + 13) % 256 for i in range(4096)))
PY
mkdir adir

# [fsize=BLOCKS] run WHAT EXPECT_CODE MESSAGE OUTPUT -- ARGS: OUTPUT must not exist afterwards (or, when
# OUTPUT.before exists, must equal it; OUTPUT "-": not checked), and no *.tmp.* file may
# be left anywhere here.
run() {
  what=$1 code=$2 msg=$3 output=$4
  shift 5
  cases=$((cases + 1))
  out=$(if [ -n "${fsize:-}" ]; then trap '' XFSZ; ulimit -f "$fsize"; fi; "$exe" "$@" 2>&1)
  rc=$?
  problem=""
  [ "$rc" -eq "$code" ] || problem="exit $rc, expected $code"
  case "$out" in *"$msg"*) ;; *) problem="$problem; message lacks '$msg'" ;; esac
  if [ "$output" = "-" ]; then
    :
  elif [ -e "$output.before" ]; then
    cmp -s "$output" "$output.before" || problem="$problem; $output changed"
  elif [ -e "$output" ]; then
    problem="$problem; $output was created"
  fi
  tmp=$(find . -name '*.tmp.*' | head -n 1)
  [ -z "$tmp" ] || problem="$problem; temporary $tmp left"
  if [ -n "$problem" ]; then
    echo "FAIL: $what: $problem"
    echo "  $exe $*"
    echo "  got: $out"
    fails=$((fails + 1))
    find . -name '*.tmp.*' -exec rm -f {} +
  else
    echo "ok: $what: exit $rc: $(echo "$out" | head -n 1)"
  fi
}
infer() { run "$1" 1 "$2" out.npy -- infer --weights "$3" --input "$4" --output out.npy; }
grad() { run "$1" 1 "$2" g.safetensors -- grad --weights "$3" --input "$4" --labels "$5" --output g.safetensors; }

# sanity: the good files work (else every case below would pass for the wrong reason)
"$exe" infer --weights w.safetensors --input x.npy --output good.npy >/dev/null 2>&1 ||
  { echo "FAIL: infer on good files"; exit 1; }
"$exe" grad --weights w.safetensors --input x.npy --labels y.npy --output good.safetensors >/dev/null 2>&1 ||
  { echo "FAIL: grad on good files"; exit 1; }

for cut in 0 7 8 100; do
  infer "weights truncated to $cut bytes" "w_trunc_$cut.safetensors" "w_trunc_$cut.safetensors" x.npy
done
for f in w_trunc_*.safetensors; do
  case $f in w_trunc_0.*|w_trunc_7.*|w_trunc_8.*|w_trunc_100.*) continue ;; esac
  infer "weights truncated ($f)" "outside the data section" "$f" x.npy
done
infer "weights: header length 2^40" "header length" w_hdrlen.safetensors x.npy
infer "weights: JSON damaged" "JSON syntax error" w_json.safetensors x.npy
infer "weights: a tensor renamed" "renamed.weight" w_missing.safetensors x.npy
infer "weights: a wrong shape" "shape" w_shape.safetensors x.npy
infer "weights: integer dtype" "fc.bias" w_dtype.safetensors x.npy
infer "weights: offsets past the end" "outside" w_outside.safetensors x.npy
infer "weights: an unexpected tensor" "extra.weight" w_extra.safetensors x.npy
infer "weights: random bytes" "random.bin" random.bin x.npy
infer "weights: empty file /dev/null" "/dev/null" /dev/null x.npy
infer "weights: a directory" "adir" adir x.npy
infer "weights: no such file" "nope.safetensors" nope.safetensors x.npy
infer "input: truncated" "truncated" w.safetensors x_trunc.npy
infer "input: trailing bytes" "trailing" w.safetensors x_trail.npy
infer "input: bad magic" "not a .npy file" w.safetensors x_magic.npy
infer "input: header length past the end" "truncated" w.safetensors x_hdrlen.npy
infer "input: int64 data" "expected float32" w.safetensors x_int.npy
infer "input: wrong channel count" "expected input of shape" w.safetensors x_shape.npy
infer "input: 3-d" "expected input of shape" w.safetensors x_3d.npy
infer "input: fortran order" "fortran_order" w.safetensors x_fortran.npy
infer "input: big-endian" "big-endian" w.safetensors x_big.npy
infer "input: random bytes" "not a .npy file" w.safetensors random.bin
infer "input: no such file" "nope.npy" w.safetensors nope.npy
grad "labels: float32" "expected int64" w.safetensors x.npy y_float.npy
grad "labels: class out of range" "expected a class in" w.safetensors x.npy y_range.npy
grad "labels: negative class" "expected a class in" w.safetensors x.npy y_neg.npy
grad "labels: count mismatch" "expected labels of shape" w.safetensors x.npy y_count.npy
grad "labels: 2-d" "expected labels of shape" w.safetensors x.npy y_2d.npy
grad "grad: damaged weights" "JSON syntax error" w_json.safetensors x.npy y.npy
grad "grad: truncated input" "truncated" w.safetensors x_trunc.npy y.npy

# outputs that cannot be written
run "output in a missing directory" 1 "no/such/dir/out.npy" no/such/dir/out.npy -- \
  infer --weights w.safetensors --input x.npy --output no/such/dir/out.npy
run "output under a regular file" 1 "x.npy/out.npy" x.npy/out.npy -- \
  infer --weights w.safetensors --input x.npy --output x.npy/out.npy
run "output names a directory" 1 "adir/" - -- \
  infer --weights w.safetensors --input x.npy --output adir/
run "output is an existing directory" 1 "adir" - -- \
  infer --weights w.safetensors --input x.npy --output adir
[ -d adir ] && [ -z "$(ls -A adir)" ] || { echo "FAIL: adir was changed"; fails=$((fails + 1)); }
# a full disk, simulated by a file size limit of 1 KB (0 for the small logits file) (SIGXFSZ ignored, so write fails with
# EFBIG): the previous output must survive byte-identical
cp good.safetensors g.safetensors && cp good.safetensors g.safetensors.before
fsize=1 run "grad output on a full disk keeps the old file" 1 "g.safetensors" g.safetensors -- \
  grad --weights w.safetensors --input x.npy --labels y.npy --output g.safetensors
cp good.npy out.npy && cp good.npy out.npy.before
fsize=0 run "infer output on a full disk keeps the old file" 1 "out.npy" out.npy -- \
  infer --weights w.safetensors --input x.npy --output out.npy
cp good.safetensors w2.safetensors && cp good.safetensors w2.safetensors.before
fsize=1 run "init output on a full disk keeps the old file" 1 "w2.safetensors" w2.safetensors -- \
  init --seed 3 --output w2.safetensors

echo "corrupt_inputs: $cases cases, $fails failed"
[ "$fails" -eq 0 ]
