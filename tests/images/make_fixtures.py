#!/usr/bin/python3
"""tests/images/make_fixtures.py: PNG and JPEG test images and what torchvision makes of them.

    make_fixtures.py OUT_DIR

Writes to OUT_DIR (PIL and torchvision only; run at test time, nothing is committed):
  images/*.png, *.jpg       seeded images: RGB PNG and JPEG, grayscale (PNG, JPEG, 1-bit, with
                            alpha), palette (with and without transparency), RGBA, a small
                            one (upsampling), a 301 x 200 one (CenterCrop's half-pixel offset,
                            rounded half to even), exact model sizes for --resize none
  cases.txt                 one case per line: MODEL IMAGE RESIZE MEAN STD
  expect/<case>.npy         torchvision's tensor for that case (1 x C x H x W float32):
                            Image.open(f).convert('RGB' or 'L'), then Resize(round(S*256/224)),
                            CenterCrop((H, W)) (for --resize crop), ToTensor(), Normalize(mean, std)
  resnet18/weights.safetensors, resnet18/expect_<image>.npy, resnet18/images.txt
                            torchvision resnet18 (10 classes, seeded, BN perturbed) and its
                            eval-mode logits on the crop-mode tensors at 64 x 64
  bad/*                     inputs that must be refused: truncated PNG and JPEG, a PNG with a
                            corrupt data chunk, a CMYK JPEG, an empty file, a text file
"""
import os
import subprocess
import sys

import numpy as np
import torch
import torchvision
import torchvision.transforms as T
from PIL import Image

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
IMAGENET = ("0.485,0.456,0.406", "0.229,0.224,0.225")
GRAY = ("0.2860", "0.3530")   # a Fashion-MNIST-like normalization for the 1-channel model

# model name -> (channels, height, width)
MODELS = {"resnet18_64": (3, 64, 64), "resnet20": (3, 32, 32), "resnet8_fmnist": (1, 28, 28)}


def picture(rng, w, h):
    """Smooth gradients plus texture and noise: something a resampler can get wrong."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 127 + 100 * np.sin(x / 7.0) * np.cos(y / 11.0)
    g = 255 * x / max(w - 1, 1)
    b = 255 * ((x // 9 + y // 5) % 2)
    img = np.stack([r, g, b], axis=-1) + rng.normal(0, 12, (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def make_images(d, rng):
    os.makedirs(d, exist_ok=True)
    rgb = picture(rng, 301, 200)
    Image.fromarray(rgb).save(os.path.join(d, "rgb_301x200.png"))
    Image.fromarray(rgb).save(os.path.join(d, "rgb_301x200.jpg"), quality=90)
    Image.fromarray(picture(rng, 150, 97)).convert("L").save(os.path.join(d, "gray_150x97.png"))
    Image.fromarray(picture(rng, 120, 90)).convert("P", palette=Image.ADAPTIVE, colors=64).save(
        os.path.join(d, "palette_120x90.png"))
    rgba = np.concatenate([picture(rng, 90, 160), rng.integers(0, 256, (160, 90, 1), dtype=np.uint8)], -1)
    Image.fromarray(rgba, "RGBA").save(os.path.join(d, "rgba_90x160.png"))
    Image.fromarray(picture(rng, 40, 30)).save(os.path.join(d, "small_40x30.png"))
    Image.fromarray(picture(rng, 64, 64)).convert("L").save(os.path.join(d, "gray_64x64.jpg"), quality=85)
    # transparency (tRNS) on a palette image, gray + alpha, 1-bit, 16-bit RGB via PIL's raw writer
    Image.fromarray(picture(rng, 70, 80)).convert("P", palette=Image.ADAPTIVE, colors=16).save(
        os.path.join(d, "palette_trns_70x80.png"), transparency=3)
    Image.fromarray(np.stack([picture(rng, 75, 60)[..., 0], rng.integers(0, 256, (60, 75), dtype=np.uint8)], -1),
                    "LA").save(os.path.join(d, "gray_alpha_75x60.png"))
    Image.fromarray(picture(rng, 66, 90)).convert("1").save(os.path.join(d, "bilevel_66x90.png"))
    Image.fromarray(picture(rng, 32, 32)).save(os.path.join(d, "exact_32x32.png"))
    Image.fromarray(picture(rng, 28, 28)).save(os.path.join(d, "exact_28x28.png"))


def transform(path, channels, h, w, resize, mean, std):
    steps = []
    if resize == "crop":
        steps += [T.Resize(round(min(h, w) * 256 / 224)), T.CenterCrop((h, w))]
    mean = [float(v) for v in mean.split(",")]
    std = [float(v) for v in std.split(",")]
    steps += [T.ToTensor(), T.Normalize(mean, std)]
    img = Image.open(path).convert("RGB" if channels == 3 else "L")
    return T.Compose(steps)(img).unsqueeze(0)


def main():
    out = sys.argv[1]
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    rng = np.random.default_rng(20240)
    imgdir = os.path.join(out, "images")
    make_images(imgdir, rng)
    crop_images = ["rgb_301x200.png", "rgb_301x200.jpg", "gray_150x97.png", "palette_120x90.png",
                   "rgba_90x160.png", "small_40x30.png", "gray_64x64.jpg", "palette_trns_70x80.png",
                   "gray_alpha_75x60.png", "bilevel_66x90.png"]
    cases = []
    for model, (c, h, w) in MODELS.items():
        norm = IMAGENET if c == 3 else GRAY
        for image in crop_images:
            cases.append((model, image, "crop") + norm)
        exact = "exact_%dx%d.png" % (w, h)
        if os.path.exists(os.path.join(imgdir, exact)):
            cases.append((model, exact, "none") + norm)
    os.makedirs(os.path.join(out, "expect"), exist_ok=True)
    tensors = {}
    with open(os.path.join(out, "cases.txt"), "w") as f:
        for model, image, resize, mean, std in cases:
            c, h, w = MODELS[model]
            x = transform(os.path.join(imgdir, image), c, h, w, resize, mean, std)
            name = "%s-%s-%s" % (model, image, resize)
            np.save(os.path.join(out, "expect", name + ".npy"), x.numpy().astype("<f4"))
            tensors[(model, image, resize)] = x
            f.write("%s %s %s %s %s\n" % (model, image, resize, mean, std))

    # a torchvision resnet18 (10 classes) and its logits on the 64 x 64 crops
    torch.manual_seed(5)
    net = torchvision.models.resnet18(num_classes=10)
    g = torch.Generator().manual_seed(1005)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                n = m.num_features
                m.weight.copy_(0.5 + torch.rand(n, generator=g))
                m.bias.copy_(0.2 * torch.randn(n, generator=g))
                m.running_mean.copy_(0.1 * torch.randn(n, generator=g))
                m.running_var.copy_(0.5 + torch.rand(n, generator=g))
    net.eval()
    rdir = os.path.join(out, "resnet18")
    os.makedirs(rdir, exist_ok=True)
    torch.save(net.state_dict(), os.path.join(rdir, "model.pth"))
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "torch2safetensors.py"),
                    os.path.join(rdir, "model.pth"), os.path.join(rdir, "weights.safetensors")], check=True)
    with torch.no_grad():
        for image in crop_images:
            y = net(tensors[("resnet18_64", image, "crop")])
            np.save(os.path.join(rdir, "expect_%s.npy" % image), y.numpy().astype("<f4"))
    with open(os.path.join(rdir, "images.txt"), "w") as f:
        f.write("".join(image + "\n" for image in crop_images))
    with open(os.path.join(rdir, "labels.txt"), "w") as f:
        f.write("".join("label %d\n" % i for i in range(10)))

    # inputs that must be refused
    bad = os.path.join(out, "bad")
    os.makedirs(bad, exist_ok=True)
    png = open(os.path.join(imgdir, "rgb_301x200.png"), "rb").read()
    jpg = open(os.path.join(imgdir, "rgb_301x200.jpg"), "rb").read()
    open(os.path.join(bad, "truncated.png"), "wb").write(png[: len(png) // 2])
    open(os.path.join(bad, "truncated.jpg"), "wb").write(jpg[: len(jpg) // 2])
    idat = png.index(b"IDAT") + 4 + 100
    open(os.path.join(bad, "corrupt.png"), "wb").write(png[:idat] + bytes([png[idat] ^ 0xFF]) + png[idat + 1:])
    Image.fromarray(picture(rng, 40, 40)).convert("CMYK").save(os.path.join(bad, "cmyk.jpg"))
    open(os.path.join(bad, "empty.png"), "wb").close()
    open(os.path.join(bad, "text.png"), "w").write("not an image\n")
    open(os.path.join(bad, "header_only.png"), "wb").write(png[:8])


if __name__ == "__main__":
    main()
