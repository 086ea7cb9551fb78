#!/usr/bin/python3
"""Make the PyTorch parity fixtures: make_fixtures.py OUTDIR [--cases NAME ...] [--force].

Needs PyTorch (1.13) and torchvision (0.14): run it with /usr/bin/python3 (the Debian
packages), not a Python without torch. Torch is only used here, never at test time.

For each case, OUTDIR/<case>/ gets:
  weights.safetensors        the state dict after seeded init, BN running statistics
                             calibrated on a separate batch and then BN weight/bias/running
                             stats perturbed with seeded random values (so BN is never the
                             identity); includes every `num_batches_tracked` (I64) to prove
                             that loaders ignore it
  x.npy                      float32 N x C x H x W, seeded standard normal
  labels.npy                 int64 [N], seeded uniform classes
  logits_eval.npy            float32 N x classes: model.eval() forward (running statistics)
  logits_train.npy           float32 N x classes: model.train() forward (batch statistics)
  grads.safetensors          after that train forward, F.cross_entropy (mean) and backward:
                             every parameter's .grad under its name, and `loss` (F32, 0-d)
  running_after.safetensors  every BN running_mean / running_var after that train forward
                             (momentum 0.1, unbiased variance)
  input_grad.npy             float32 N x C x H x W: d loss / d x
  case.json                  the case's architecture, spec, shapes and seed
  STAMP                      hash of these scripts and the case; an existing case with the
                             same stamp is not regenerated (--force regenerates)

Cases (the spec each corresponds to; every conv bias-free, BN eps 1e-5 momentum 0.1):
  resnet20      specs/resnet20.lua. CIFAR ResNet-20: conv1 3x3 3->16 + bn1 + ReLU;
                layer1..3 of 3 BasicBlocks, widths 16/32/64, stride 2 at layer2.0/layer3.0;
                option A shortcuts (x[:, :, ::2, ::2], zero channels padded (K-C)//2 before
                and the rest after: 8+8 and 16+16); global average pool; fc 64->10.
                Input 3x32x32, batch 8.
  resnet20_b    specs/resnet20_b.lua. As resnet20, option B: layer2.0 and layer3.0 have
                downsample.0 (1x1 conv stride 2) + downsample.1 (BN); identity elsewhere.
  resnet20_c    specs/resnet20_c.lua. As resnet20, option C: every block has downsample.0/1
                (1x1 conv, stride 1 or 2, + BN).
  plain20       specs/plain20.lua. As resnet20 without any shortcut (no add).
  tiny_a        tests/specs/tiny_a.lua. CIFAR stem 3->4, stages {1,1,1}, widths 4/8/16,
                option A pad both (2+2, 4+4), fc 16->5. Input 3x8x8, batch 3.
  tiny_a_end    tests/specs/tiny_a_end.lua. As tiny_a, option A pad end (all zeros after).
  tiny_b        tests/specs/tiny_b.lua. As tiny_a, option B.
  tiny_c        tests/specs/tiny_c.lua. CIFAR stem 3->4, stages {2,1}, widths 4/8, option C,
                fc 8->5. Input 3x8x8, batch 3.
  tiny_plain    tests/specs/tiny_plain.lua. As tiny_a without shortcuts.
  tiny_odd      tests/specs/tiny_odd.lua. CIFAR stem 2->3, stages {1,2}, widths 3/5,
                option B, fc 5->4. Input 2x9x7, batch 3.
  tiny_bottleneck      tests/specs/tiny_bottleneck.lua. ImageNet stem (7x7/2 conv 3->8, BN,
                ReLU, 3x3/2 max-pool pad 1), Bottleneck stages {1,1}, planes 4/8 (outputs
                16/32), stride on the 3x3 (torchvision), option B, fc 32->3. Input 3x32x32,
                batch 3.
  tiny_bottleneck_1x1  tests/specs/tiny_bottleneck_1x1.lua. As tiny_bottleneck, stride on
                the first 1x1 (the paper), option C.
  tiny_bottleneck_a    tests/specs/tiny_bottleneck_a.lua. As tiny_bottleneck, option A pad
                both (8->16: 4+4 zero channels; 16->32 at stride 2: 8+8).
  resnet18_64   specs/resnet18_64.lua. torchvision.models.resnet18(weights=None,
                num_classes=10): 7x7/2 conv 3->64, BN, ReLU, 3x3/2 max-pool, BasicBlock
                stages {2,2,2,2} widths 64/128/256/512, option B, fc 512->10.
                Input 3x64x64, batch 2.
  resnet50_64   specs/resnet50_64.lua. torchvision.models.resnet50(weights=None,
                num_classes=10): same stem, Bottleneck stages {3,4,6,3}, planes
                64/128/256/512 (outputs x4), stride on the 3x3, option B (layer1.0 has a
                stride-1 projection 64->256), fc 2048->10. Input 3x64x64, batch 2.
"""
import argparse
import hashlib
import json
import re
import os
import shutil
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torchvision  # noqa: F401  (resnet18/resnet50 cases)
except ImportError as e:  # a fixture setup must fail loudly, never skip
    sys.exit("make_fixtures.py: needs numpy, PyTorch and torchvision (%s); run it with "
             "/usr/bin/python3 or set RESNETC_TORCH_PYTHON" % e)

import safetensors_io as st  # noqa: E402
import torch_models as tm  # noqa: E402


def cifar(**kw):
    def build(classes, in_c):
        return tm.CifarResNet(num_classes=classes, in_channels=in_c, **kw)
    # (option, option A padding), None for plain nets: for check_spec
    build.shortcut = None if kw.get("plain") else (kw["shortcut"], kw.get("pad", "both"))
    return build


def tv(arch):
    def build(classes, in_c):
        return tm.torchvision_resnet(arch, num_classes=classes)
    build.shortcut = ("B", None)
    return build


R20 = dict(stages=(3, 3, 3), widths=(16, 32, 64))
TINY = dict(stages=(1, 1, 1), widths=(4, 8, 16))
TINYB = dict(stages=(1, 1), widths=(4, 8), block="bottleneck", stem="imagenet", stem_width=8)

# name: (builder, (C, H, W), classes, batch, spec)
CASES = {
    "resnet20": (cifar(shortcut="A", pad="both", **R20), (3, 32, 32), 10, 8, "specs/resnet20.lua"),
    "resnet20_b": (cifar(shortcut="B", **R20), (3, 32, 32), 10, 8, "specs/resnet20_b.lua"),
    "resnet20_c": (cifar(shortcut="C", **R20), (3, 32, 32), 10, 8, "specs/resnet20_c.lua"),
    "plain20": (cifar(plain=True, **R20), (3, 32, 32), 10, 8, "specs/plain20.lua"),
    "tiny_a": (cifar(shortcut="A", pad="both", **TINY), (3, 8, 8), 5, 3, "tests/specs/tiny_a.lua"),
    "tiny_a_end": (cifar(shortcut="A", pad="end", **TINY), (3, 8, 8), 5, 3,
                   "tests/specs/tiny_a_end.lua"),
    "tiny_b": (cifar(shortcut="B", **TINY), (3, 8, 8), 5, 3, "tests/specs/tiny_b.lua"),
    "tiny_c": (cifar(shortcut="C", stages=(2, 1), widths=(4, 8)), (3, 8, 8), 5, 3,
               "tests/specs/tiny_c.lua"),
    "tiny_plain": (cifar(plain=True, **TINY), (3, 8, 8), 5, 3, "tests/specs/tiny_plain.lua"),
    "tiny_odd": (cifar(shortcut="B", stages=(1, 2), widths=(3, 5)), (2, 9, 7), 4, 3,
                 "tests/specs/tiny_odd.lua"),
    "tiny_bottleneck": (cifar(shortcut="B", **TINYB), (3, 32, 32), 3, 3,
                        "tests/specs/tiny_bottleneck.lua"),
    "tiny_bottleneck_1x1": (cifar(shortcut="C", bottleneck_stride="1x1", **TINYB), (3, 32, 32),
                            3, 3, "tests/specs/tiny_bottleneck_1x1.lua"),
    "tiny_bottleneck_a": (cifar(shortcut="A", pad="both", **TINYB), (3, 32, 32), 3, 3,
                          "tests/specs/tiny_bottleneck_a.lua"),
    "resnet18_64": (tv("resnet18"), (3, 64, 64), 10, 2, "specs/resnet18_64.lua"),
    "resnet50_64": (tv("resnet50"), (3, 64, 64), 10, 2, "specs/resnet50_64.lua"),
}

ROOT = os.path.dirname(os.path.dirname(HERE))


def check_spec(name):
    """The case must still describe its spec: compare the fields a spec states literally
    (input, classes, widths, stages, shortcut, shortcut_pad, stem_width, plain) with the
    case's model. A spec that moved on makes this fail loudly instead of making fixtures
    for a different network."""
    builder, in_shape, classes, batch, spec = CASES[name]
    path = os.path.join(ROOT, spec)
    if not os.path.exists(path):
        return
    with open(path) as f:
        text = re.sub(r"--[^\n]*", "", f.read())
    model = builder(classes, in_shape[0])
    layers = []
    while hasattr(model, "layer%d" % (len(layers) + 1)):
        layers.append(getattr(model, "layer%d" % (len(layers) + 1)))
    want = {"input": list(in_shape), "classes": [classes],
            "widths": [layer[0].conv1.out_channels for layer in layers],
            "stages": [len(layer) for layer in layers],
            "stem_width": [model.conv1.out_channels]}
    problems = []
    for key, value in want.items():
        m = re.search(r"\b%s\s*=\s*\{([^}]*)\}" % key, text) or \
            re.search(r"\b%s\s*=\s*(\d+)" % key, text)
        if m:
            got = [int(v) for v in re.findall(r"\d+", m.group(1))]
            if got != value:
                problems.append("%s = %s, the case has %s" % (key, got, value))
    info = builder.shortcut
    m = re.search(r"\bshortcut\s*=\s*\"(\w)\"", text)
    if info and m and m.group(1) != info[0]:
        problems.append("shortcut = %s, the case has %s" % (m.group(1), info[0]))
    m = re.search(r"\bshortcut_pad\s*=\s*\"(\w+)\"", text)
    if info and info[0] == "A" and (m.group(1) if m else "both") != info[1]:
        problems.append("shortcut_pad = %s, the case has %s" % (m.group(1) if m else "both", info[1]))
    plain = re.search(r"\bplain\s*=\s*true", text) is not None
    if plain != (info is None):
        problems.append("plain = %s, the case differs" % plain)
    if problems:
        sys.exit("make_fixtures.py: case %s no longer matches %s: %s; update CASES" %
                 (name, spec, "; ".join(problems)))


SCRIPTS = ("make_fixtures.py", "torch_models.py", "safetensors_io.py")


def case_seed(name):
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


def stamp(name):
    h = hashlib.sha256()
    for s in SCRIPTS:
        with open(os.path.join(HERE, s), "rb") as f:
            h.update(f.read())
    h.update(name.encode())
    h.update(torch.__version__.encode())
    return h.hexdigest()


def bn_modules(model):
    return [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]


def branch_end_bns(model):
    """The last BN of every residual branch (bn2 of a basic block, bn3 of a bottleneck)
    in blocks that have a shortcut; plain nets have none."""
    out = []
    for m in model.modules():
        if getattr(m, "has_shortcut", True) is False:
            continue
        if hasattr(m, "bn3") and hasattr(m, "conv3"):
            out.append(m.bn3)
        elif hasattr(m, "bn2") and hasattr(m, "conv2") and not hasattr(m, "layer1"):
            out.append(m.bn2)
    return out


@torch.no_grad()
def calibrate_and_perturb(model, in_shape, batch, gen):
    """Running stats from one train-mode pass over a separate batch (momentum 1), then
    seeded perturbations of every BN's weight, bias, running mean and running variance.
    The last BN of each residual branch gets a smaller weight (0.1..0.3, as trained ResNets
    and zero_init_residual lean): with weights near 1, train-mode ResNet-50 at init is so
    ill-conditioned that PyTorch's own float32 gradients differ from float64 by 2e-2."""
    bns = bn_modules(model)
    for m in bns:
        m.momentum = 1.0
    model.train()
    xc = torch.randn((max(batch, 4),) + in_shape, generator=gen)
    model(xc)
    small = set(id(m) for m in branch_end_bns(model))
    for m in bns:
        m.momentum = 0.1
        c = m.num_features
        lo, hi = (0.1, 0.3) if id(m) in small else (0.5, 1.5)
        m.weight.copy_(torch.empty(c).uniform_(lo, hi, generator=gen))
        m.bias.copy_(0.2 * torch.randn(c, generator=gen))
        sd = m.running_var.sqrt()
        m.running_mean.add_(0.2 * sd * torch.randn(c, generator=gen))
        m.running_var.mul_(torch.empty(c).uniform_(0.7, 1.4, generator=gen))
        m.num_batches_tracked.fill_(int(torch.randint(1, 1000, (1,), generator=gen)))


def run_model(model, x, labels):
    """Eval forward, then one train-mode forward + mean cross-entropy + backward.
    Changes the model's running statistics (the train forward) and its .grad."""
    model.eval()
    with torch.no_grad():
        logits_eval = model(x)
    model.train()
    model.zero_grad(set_to_none=True)
    xg = x.clone().requires_grad_(True)
    logits = model(xg)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    out = {"logits_eval": logits_eval, "logits_train": logits.detach(), "loss": loss.detach(),
           "input_grad": xg.grad}
    for k, p in model.named_parameters():
        assert p.grad is not None, k
        out["grad:" + k] = p.grad
    return out


# The float32 results must agree with float64 from the same weights and input to a tenth of
# the tolerances run_case.sh applies: otherwise the case is too ill-conditioned to tell a
# correct float32 implementation from a wrong one.
PRECISION_LIMITS = {"logits_eval": 1e-5, "loss": 1e-5, "input_grad": 1e-4, "grad": 1e-4,
                    "logits_train": 1e-4}


def rel_l2(a, b):
    a = a.detach().double()
    b = b.detach().double()
    return float((a - b).norm() / max(float(b.norm()), 1e-30))


def precision_check(name, builder, classes, in_c, state, x, labels, out32):
    m64 = builder(classes, in_c).double()
    m64.load_state_dict({k: (v.double() if v.is_floating_point() else v)
                         for k, v in state.items()})
    out64 = run_model(m64, x.double(), labels)
    worst = {}
    for k, v in out32.items():
        kind = "grad" if k.startswith("grad:") else k
        e = rel_l2(v, out64[k])
        if kind not in worst or e > worst[kind][0]:
            worst[kind] = (e, k)
    bad = ["%s %.2e > %.0e" % (w[1], w[0], PRECISION_LIMITS[kind])
           for kind, w in worst.items() if not w[0] <= PRECISION_LIMITS[kind]]
    if bad:
        sys.exit("make_fixtures.py: case %s is ill-conditioned: float32 vs float64: %s" %
                 (name, "; ".join(bad)))
    return {kind: {"rel_l2": w[0], "worst": w[1]} for kind, w in worst.items()}


def to_np(t):
    return t.detach().cpu().contiguous().numpy()


def save_st(path, tensors, metadata):
    """Write and read back: every tensor must round-trip bit for bit."""
    st.save(path, tensors, metadata)
    back, meta, header = st.load(path)
    assert set(back) == set(tensors), path
    for k, v in tensors.items():
        assert back[k].dtype == v.dtype and back[k].shape == v.shape, (path, k)
        assert back[k].tobytes() == np.array(v, order="C").tobytes(), (path, k)
    assert meta == metadata, path
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
    assert n % 8 == 0, path
    return os.path.getsize(path)


def save_npy(path, a):
    np.save(path, a)
    back = np.load(path)
    assert back.dtype == a.dtype and back.shape == a.shape and back.tobytes() == a.tobytes()
    return os.path.getsize(path)


def make_case(name, outdir, force, check_precision=True):
    builder, in_shape, classes, batch, spec = CASES[name]
    check_spec(name)
    final = os.path.join(outdir, name)
    st_value = stamp(name)
    stamp_path = os.path.join(final, "STAMP")
    if not force and os.path.exists(stamp_path):
        with open(stamp_path) as f:
            if f.read().strip() == st_value:
                print("%-20s up to date (%s)" % (name, final))
                return 0
    t0 = time.time()
    seed = case_seed(name)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1)
    model = builder(classes, in_shape[0]).float()
    calibrate_and_perturb(model, in_shape, batch, gen)

    tmp = final + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    meta = {"format": "pt", "case": name, "spec": spec, "source": "tests/parity/make_fixtures.py"}
    sizes = {}

    sd = {k: to_np(v) for k, v in model.state_dict().items()}
    for k, v in sd.items():
        assert v.dtype in (np.float32, np.int64), (k, v.dtype)
    sizes["weights.safetensors"] = save_st(os.path.join(tmp, "weights.safetensors"), sd,
                                           dict(meta, content="weights"))

    x = torch.randn((batch,) + in_shape, generator=gen)
    labels = torch.randint(0, classes, (batch,), generator=gen, dtype=torch.int64)
    sizes["x.npy"] = save_npy(os.path.join(tmp, "x.npy"), to_np(x))
    sizes["labels.npy"] = save_npy(os.path.join(tmp, "labels.npy"), to_np(labels))

    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    out = run_model(model, x, labels)
    precision = None
    if check_precision:
        precision = precision_check(name, builder, classes, in_shape[0], state, x, labels, out)
    logits_eval, logits, loss = out["logits_eval"], out["logits_train"], out["loss"]
    sizes["logits_eval.npy"] = save_npy(os.path.join(tmp, "logits_eval.npy"), to_np(logits_eval))
    sizes["logits_train.npy"] = save_npy(os.path.join(tmp, "logits_train.npy"), to_np(logits))
    grads = {k[len("grad:"):]: to_np(v) for k, v in out.items() if k.startswith("grad:")}
    grads["loss"] = np.array(loss.item(), dtype=np.float32).reshape(())
    sizes["grads.safetensors"] = save_st(os.path.join(tmp, "grads.safetensors"), grads,
                                         dict(meta, content="gradients"))
    running = {k: to_np(v) for k, v in model.state_dict().items()
               if k.endswith(".running_mean") or k.endswith(".running_var")}
    sizes["running_after.safetensors"] = save_st(os.path.join(tmp, "running_after.safetensors"),
                                                 running, dict(meta, content="running statistics"))
    sizes["input_grad.npy"] = save_npy(os.path.join(tmp, "input_grad.npy"), to_np(out["input_grad"]))

    info = {"case": name, "spec": spec, "input": list(in_shape), "classes": classes,
            "batch": batch, "seed": seed, "loss": float(loss.item()),
            "params": int(sum(p.numel() for p in model.parameters())),
            "float32_vs_float64": precision, "architecture": str(model),
            "torch": torch.__version__}
    with open(os.path.join(tmp, "case.json"), "w") as f:
        json.dump(info, f, indent=1)
    with open(os.path.join(tmp, "STAMP"), "w") as f:
        f.write(st_value + "\n")
    shutil.rmtree(final, ignore_errors=True)
    os.rename(tmp, final)
    total = sum(sizes.values())
    cond = ""
    if precision:
        cond = ", f32 vs f64: logits %.1e grads %.1e dx %.1e" % (
            precision["logits_eval"]["rel_l2"], precision["grad"]["rel_l2"],
            precision["input_grad"]["rel_l2"])
    print("%-20s %s: %d params, batch %d, loss %.6f, %d files, %.1f MB%s, %.2f s" % (
        name, final, info["params"], batch, info["loss"], len(sizes) + 2, total / 1e6, cond,
        time.time() - t0))
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--cases", nargs="+", default=list(CASES), metavar="NAME",
                    help="cases to make (default: all): " + ", ".join(CASES))
    ap.add_argument("--force", action="store_true", help="regenerate up-to-date cases too")
    ap.add_argument("--no-precision-check", action="store_true",
                    help="skip the float64 recomputation that rejects ill-conditioned cases")
    args = ap.parse_args()
    unknown = [c for c in args.cases if c not in CASES]
    if unknown:
        ap.error("unknown case(s) %s; known: %s" % (", ".join(unknown), ", ".join(CASES)))
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    torch.backends.cudnn.deterministic = True
    torch.set_default_dtype(torch.float32)
    os.makedirs(args.outdir, exist_ok=True)
    t0 = time.time()
    total = 0
    for c in args.cases:
        total += make_case(c, args.outdir, args.force, not args.no_precision_check)
    print("parity fixtures: %d case(s) in %s, %.1f MB written, %.1f s" % (
        len(args.cases), args.outdir, total / 1e6, time.time() - t0))


if __name__ == "__main__":
    main()
