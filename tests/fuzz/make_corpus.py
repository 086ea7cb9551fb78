#!/usr/bin/env python3
"""tests/fuzz/make_corpus.py: writes the seed corpora of the C fuzz targets
(tests/fuzz/corpus/{safetensors,npy,cifar10,idx}/), small valid and invalid files, from
the standard library only. Run it again after changing a seed; the files are committed."""
import gzip, json, os, struct

here = os.path.dirname(os.path.abspath(__file__))

def put(target, name, data):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

# ---- safetensors
def st(header, data=b"", raw_header=None):
    h = raw_header if raw_header is not None else json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(h)) + h + data

f32 = struct.pack("<6f", 1, -2, 3.5, 4, 5, 6e-8)
put("safetensors", "valid_f32.st", st({"__metadata__": {"format": "pt"},
    "w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}}, f32))
put("safetensors", "valid_mixed.st", st({
    "a": {"dtype": "F64", "shape": [2], "data_offsets": [0, 16]},
    "b": {"dtype": "I64", "shape": [1], "data_offsets": [16, 24]},
    "c": {"dtype": "F16", "shape": [2], "data_offsets": [24, 28]},
    "d": {"dtype": "BF16", "shape": [2], "data_offsets": [28, 32]},
    "e": {"dtype": "U8", "shape": [3], "data_offsets": [32, 35]},
    "f": {"dtype": "BOOL", "shape": [1], "data_offsets": [35, 36]},
    "g": {"dtype": "I32", "shape": [], "data_offsets": [36, 40]},
    "h": {"dtype": "U64", "shape": [1], "data_offsets": [40, 48]},
    "i": {"dtype": "I8", "shape": [0, 5], "data_offsets": [48, 48]}},
    struct.pack("<2dq", 1.5, -2.25, -7) + b"\x00\x3c\x00\x7c" + b"\x80\x3f\xc0\x7f" +
    b"\x01\x02\xff\x01" + struct.pack("<i", -5) + b"\xff" * 8))
put("safetensors", "escapes.st", st(None, struct.pack("<f", 1), raw_header=
    b'{"caf\\u00e9 \\"q\\" \\ud83d\\ude00\\n":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
    b'"__metadata__":{"k\\t":"v\\/"}}    '))
put("safetensors", "empty_header.st", st(None, raw_header=b"{}"))
put("safetensors", "gap_and_trailing.st", st({
    "x": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 12))
put("safetensors", "unknown_key.st", st({
    "x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "extra": [1, {"a": "b"}]}}, b"\0" * 4))
put("safetensors", "bad_overlap.st", st({
    "x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
    "y": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, b"\0" * 12))
put("safetensors", "bad_size_mismatch.st", st({
    "x": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, b"\0" * 8))
put("safetensors", "bad_outside.st", st({
    "x": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, b"\0" * 8))
put("safetensors", "bad_dtype.st", st({
    "x": {"dtype": "F8", "shape": [1], "data_offsets": [0, 1]}}, b"\0"))
put("safetensors", "bad_duplicate.st", st(None, b"\0" * 4, raw_header=
    b'{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
    b'"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'))
put("safetensors", "bad_header_len.st", struct.pack("<Q", 1 << 40) + b"{}")
put("safetensors", "bad_truncated.st", st({
    "x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})[:20])
put("safetensors", "bad_float_in_shape.st", st(None, b"\0" * 4, raw_header=
    b'{"x":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}'))
put("safetensors", "bad_nesting.st", st(None, raw_header=b'{"x":{"dtype":"F32","e":' +
    b"[" * 40 + b"]" * 40 + b"}}"))
put("safetensors", "bad_overflow_shape.st", st({
    "x": {"dtype": "F64", "shape": [4294967296, 4294967296], "data_offsets": [0, 0]}}))
put("safetensors", "bad_metadata_value.st", st(None, raw_header=b'{"__metadata__":{"a":1}}'))
put("safetensors", "short.st", b"\x02\0\0")

# ---- npy
def npy(descr, shape, data, fortran=False, version=1, pad=True):
    sh = "(" + "".join(f"{d}, " if len(shape) == 1 else f"{d}, " for d in shape)
    sh = "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
    h = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, sh)
    hl = 10 if version == 1 else 12
    total = hl + len(h) + 1
    if pad:
        h += " " * ((64 - total % 64) % 64)
    h += "\n"
    if version == 1:
        pre = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h))
    else:
        pre = b"\x93NUMPY" + bytes([version, 0]) + struct.pack("<I", len(h))
    return pre + h.encode("latin1") + data

put("npy", "f4_2x3.npy", npy("<f4", (2, 3), struct.pack("<6f", *range(6))))
put("npy", "f8_4.npy", npy("<f8", (4,), struct.pack("<4d", 1, -1, 1e300, float("nan"))))
put("npy", "i8_3.npy", npy("<i8", (3,), struct.pack("<3q", 0, -1, 9)))
put("npy", "i4_1x1x2x2.npy", npy("<i4", (1, 1, 2, 2), struct.pack("<4i", 1, 2, 3, 4)))
put("npy", "scalar.npy", npy("<f4", (), struct.pack("<f", 7)))
put("npy", "zero_size.npy", npy("<f4", (0, 1, 28, 28), b""))
put("npy", "v2.npy", npy("<f4", (1,), struct.pack("<f", 1), version=2))
put("npy", "v3.npy", npy("<i8", (1,), struct.pack("<q", 1), version=3))
put("npy", "py2_long.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", 70) +
    b"{'descr': '<f4', 'fortran_order': False, 'shape': (2L,), }".ljust(69) + b"\n" + b"\0" * 8)
put("npy", "bad_fortran.npy", npy("<f4", (2, 2), b"\0" * 16, fortran=True))
put("npy", "bad_big_endian.npy", npy(">f4", (1,), b"\0" * 4))
put("npy", "bad_dtype.npy", npy("<u2", (1,), b"\0" * 2))
put("npy", "bad_structured.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", 54) +
    b"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"[:53] + b"\n")
put("npy", "bad_truncated.npy", npy("<f4", (10,), b"\0" * 12))
put("npy", "bad_trailing.npy", npy("<f4", (1,), b"\0" * 8))
put("npy", "bad_magic.npy", b"\x93NUMPZ\x01\x00\x00\x00")
put("npy", "bad_version.npy", b"\x93NUMPY\x04\x00\x00\x00")
put("npy", "bad_header_len.npy", b"\x93NUMPY\x01\x00\xff\xff{")
put("npy", "bad_huge_shape.npy", npy("<f4", (2**62, 2**62), b""))
put("npy", "bad_9_dims.npy", npy("<f4", (1,) * 9, b"\0" * 4))

# ---- cifar10 (first byte: even = whole file, odd = written into a full-size file)
rec = lambda label, px=0: bytes([label]) + bytes([px]) * 3072
put("cifar10", "full_valid.bin", b"\x01" + rec(3, 7) + rec(9, 255))
put("cifar10", "full_bad_label.bin", b"\x01" + rec(0) + rec(10))
put("cifar10", "whole_one_record.bin", b"\x00" + rec(1))
put("cifar10", "whole_truncated.bin", b"\x00" + rec(1)[:100])
put("cifar10", "whole_empty.bin", b"\x00")

# ---- idx: 2-byte little-endian split, then images file, then labels file
def idx_images(n, r, c, px=b""):
    return struct.pack(">IIII", 0x803, n, r, c) + px
def idx_labels(n, labs):
    return struct.pack(">II", 0x801, n) + bytes(labs)
def idx_case(img, lab):
    return struct.pack("<H", len(img)) + img + lab

img = idx_images(2, 3, 3, bytes(range(18)))
lab = idx_labels(2, [0, 9])
put("idx", "valid_plain.idx", idx_case(img, lab))
put("idx", "valid_gzip.idx", idx_case(gzip.compress(img, mtime=0), gzip.compress(lab, mtime=0)))
put("idx", "valid_mixed.idx", idx_case(gzip.compress(img, mtime=0), lab))
put("idx", "bad_label.idx", idx_case(img, idx_labels(2, [0, 10])))
put("idx", "bad_count.idx", idx_case(img, idx_labels(3, [0, 1, 2])))
put("idx", "bad_magic.idx", idx_case(struct.pack(">I", 0x801) + img[4:], lab))
put("idx", "bad_truncated.idx", idx_case(img[:-1], lab))
put("idx", "bad_trailing.idx", idx_case(img + b"\0", lab))
put("idx", "bad_zero_dims.idx", idx_case(idx_images(0, 3, 3), idx_labels(0, [])))
put("idx", "bad_gzip_crc.idx", idx_case(gzip.compress(img, mtime=0)[:-8] + b"\0" * 8, lab))
put("idx", "bad_gzip_truncated.idx", idx_case(gzip.compress(img, mtime=0)[:20], lab))
