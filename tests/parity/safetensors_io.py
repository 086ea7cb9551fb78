"""A minimal safetensors writer and reader (numpy only; no `safetensors` package needed).

Format: 8-byte little-endian u64 header length N, N bytes of JSON
  {"__metadata__": {str: str}, name: {"dtype": "F32", "shape": [...],
   "data_offsets": [begin, end]}, ...}
padded with spaces to a multiple of 8, then the raw little-endian data; offsets are
relative to the start of the data section. Layout as the reference writer: tensors ordered
by element size (largest first) then by name, packed without gaps.

`python3 safetensors_io.py FILE...` prints each file's tensors (a debugging aid).
"""
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8"), "I64": np.dtype("<i8"),
          "I32": np.dtype("<i4")}
NAMES = {v: k for k, v in DTYPES.items()}


def _dtype_name(a):
    dt = a.dtype.newbyteorder("<") if a.dtype.byteorder == ">" else a.dtype
    dt = np.dtype(dt.str.replace("=", "<").replace("|", "<"))
    if dt not in NAMES:
        raise TypeError("unsupported dtype %s" % a.dtype)
    return NAMES[dt]


def serialize(tensors, metadata=None):
    """tensors: {name: numpy array}; returns the file's bytes."""
    items = []
    for name, a in tensors.items():
        a = np.asarray(a)
        dn = _dtype_name(a)
        items.append((name, dn, np.array(a, dtype=DTYPES[dn], order="C")))  # keeps 0-d
    items.sort(key=lambda t: (-DTYPES[t[1]].itemsize, t[0]))
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    offset = 0
    blobs = []
    for name, dn, a in items:
        b = a.tobytes(order="C")
        header[name] = {"dtype": dn, "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def save(path, tensors, metadata=None):
    with open(path, "wb") as f:
        f.write(serialize(tensors, metadata))


def parse(buf):
    """bytes -> ({name: numpy array}, metadata dict, header dict). Validates the layout."""
    if len(buf) < 8:
        raise ValueError("file shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", buf[:8])
    if 8 + n > len(buf):
        raise ValueError("header length %d past the end of the file" % n)
    header = json.loads(buf[8:8 + n].decode("utf-8"))
    data = buf[8 + n:]
    meta = header.get("__metadata__", {})
    out = {}
    spans = []
    for name, e in header.items():
        if name == "__metadata__":
            continue
        dt = DTYPES[e["dtype"]]
        b, end = e["data_offsets"]
        count = int(np.prod(e["shape"], dtype=np.int64)) if e["shape"] else 1
        if end - b != count * dt.itemsize or end > len(data) or b < 0:
            raise ValueError("tensor %s: bad data_offsets %s" % (name, e["data_offsets"]))
        spans.append((b, end, name))
        out[name] = np.frombuffer(data[b:end], dtype=dt).reshape(e["shape"]).copy()
    spans.sort()
    for (b0, e0, n0), (b1, e1, n1) in zip(spans, spans[1:]):
        if b1 < e0:
            raise ValueError("tensors %s and %s overlap" % (n0, n1))
    return out, meta, header


def load(path):
    with open(path, "rb") as f:
        return parse(f.read())


if __name__ == "__main__":
    for p in sys.argv[1:]:
        t, meta, _ = load(p)
        print("%s: %d tensors, metadata %s" % (p, len(t), meta))
        for k, v in t.items():
            print("  %-40s %-4s %s" % (k, NAMES[v.dtype], list(v.shape)))
