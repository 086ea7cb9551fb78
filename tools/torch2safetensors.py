#!/usr/bin/python3
"""tools/torch2safetensors.py: convert a PyTorch state dict (.pth, read with torch.load) to
safetensors, the weights format of resnetc models (`<model> infer --weights OUT`).

    /usr/bin/python3 tools/torch2safetensors.py IN.pth OUT.safetensors [--keep-num-batches-tracked]

IN may hold a state dict, a dict with a "state_dict" or "model" entry (training
checkpoints), or a whole nn.Module. A "module." prefix (DataParallel) is stripped.
Floating-point tensors (F16, BF16, F32, F64) are written as F32, in PyTorch's layout and
names, which is what resnetc reads (torchvision names: conv1.weight, layer1.0.bn1.running_var,
fc.bias...). BatchNorm's `num_batches_tracked` counters are dropped by default: resnetc does
not use them (its loader ignores them), and PyTorch's BatchNorm fills them in with 0 when a
state dict without them is loaded, also under strict=True. With --keep-num-batches-tracked
they are kept as I64 scalars. Any other non-float tensor is an error. The output is written
atomically, with __metadata__ {"format": "pt"}.

Needs torch to read IN only; the writer (write_safetensors) is plain Python, importable
without torch. The parity tests (tests/torchvision/) run this script on every fixture.
"""
import json
import os
import struct
import sys

# safetensors dtype names, element sizes and struct codes for the types written here
DTYPES = {"F32": (4, "f"), "I64": (8, "q")}


def write_safetensors(path, tensors, metadata=None):
    """Write tensors {name: (dtype, shape, data_bytes)} (dtype "F32" or "I64", data
    little-endian C order) to `path` atomically. The header is padded with spaces to a
    multiple of 8 bytes, as the safetensors library does."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    offset = 0
    blobs = []
    for name in tensors:
        dtype, shape, data = tensors[name]
        if dtype not in DTYPES:
            raise ValueError("%s: unsupported dtype %s" % (name, dtype))
        count = 1
        for d in shape:
            count *= int(d)
        if len(data) != count * DTYPES[dtype][0]:
            raise ValueError("%s: %d bytes for shape %s %s" % (name, len(data), list(shape), dtype))
        header[name] = {"dtype": dtype, "shape": [int(d) for d in shape],
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    tmp = "%s.tmp.%d" % (path, os.getpid())
    try:
        with open(tmp, "wb") as f:
            f.write(struct.pack("<Q", len(text)))
            f.write(text)
            for b in blobs:
                f.write(b)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def state_dict_tensors(state, keep_num_batches_tracked=False):
    """{name: torch.Tensor} -> {name: (dtype, shape, bytes)} for write_safetensors."""
    import torch
    out = {}
    for name, t in state.items():
        if name.startswith("module."):
            name = name[len("module."):]
        if not isinstance(t, torch.Tensor):
            raise ValueError("%s: not a tensor (%s)" % (name, type(t).__name__))
        t = t.detach().cpu().contiguous()
        if name.endswith("num_batches_tracked"):
            if keep_num_batches_tracked:
                out[name] = ("I64", list(t.shape), t.to(torch.int64).numpy().astype("<i8").tobytes())
            continue
        if not t.is_floating_point():
            raise ValueError("%s: %s is not a floating-point tensor" % (name, t.dtype))
        out[name] = ("F32", list(t.shape), t.to(torch.float32).numpy().astype("<f4").tobytes())
    return out


def load_state_dict(path):
    import torch
    obj = torch.load(path, map_location="cpu")
    if isinstance(obj, torch.nn.Module):
        return obj.state_dict()
    if isinstance(obj, dict):
        for key in ("state_dict", "model"):
            if key in obj and isinstance(obj[key], dict):
                return obj[key]
        return obj
    raise ValueError("%s: no state dict found (a %s)" % (path, type(obj).__name__))


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    flags = [a for a in argv[1:] if a.startswith("--")]
    if len(args) != 2 or any(f != "--keep-num-batches-tracked" for f in flags):
        sys.stderr.write("usage: torch2safetensors.py IN.pth OUT.safetensors [--keep-num-batches-tracked]\n")
        return 2
    try:
        tensors = state_dict_tensors(load_state_dict(args[0]), "--keep-num-batches-tracked" in flags)
        write_safetensors(args[1], tensors, {"format": "pt"})
    except (OSError, ValueError, RuntimeError) as e:
        sys.stderr.write("torch2safetensors: %s\n" % e)
        return 1
    floats = sum(len(v[2]) // 4 for v in tensors.values() if v[0] == "F32")
    print("torch2safetensors: %d tensors, %d floats -> %s" % (len(tensors), floats, args[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
