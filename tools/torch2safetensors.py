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

The safetensors writer is tests/parity/safetensors_io.py (numpy; tensors ordered by element
size then name, as the reference writer does). The parity tests (tests/torchvision/) run
this script on every fixture.
"""
import os
import sys

import numpy as np

# The safetensors writer is tests/parity/safetensors_io.py (numpy only), shared with the tests.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "parity"))
import safetensors_io  # noqa: E402


def write_atomic(path, data):
    """Write bytes to path through a temporary file and a rename: never half a file."""
    tmp = "%s.tmp.%d" % (path, os.getpid())
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def state_dict_arrays(state, keep_num_batches_tracked=False):
    """{name: torch.Tensor} -> {name: numpy array} (float32, or int64 counters)."""
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
                out[name] = t.to(torch.int64).numpy().astype("<i8")
            continue
        if not t.is_floating_point():
            raise ValueError("%s: %s is not a floating-point tensor" % (name, t.dtype))
        out[name] = t.to(torch.float32).numpy().astype("<f4")
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
        arrays = state_dict_arrays(load_state_dict(args[0]), "--keep-num-batches-tracked" in flags)
        write_atomic(args[1], safetensors_io.serialize(arrays, {"format": "pt"}))
    except (OSError, ValueError, TypeError, RuntimeError) as e:
        sys.stderr.write("torch2safetensors: %s\n" % e)
        return 1
    floats = sum(a.size for a in arrays.values() if a.dtype == np.float32)
    print("torch2safetensors: %d tensors, %d floats -> %s" % (len(arrays), floats, args[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
