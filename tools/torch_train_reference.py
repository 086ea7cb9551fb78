#!/usr/bin/python3
"""Train a CIFAR ResNet in PyTorch 1.13 with the recipe of a resnetc `train` command, as an
independent reference for resnetc's training curves (same model family from
tests/parity/torch_models.py, same augmentation, optimizer and schedule, but PyTorch's own
kernels, its own random streams and its own data pipeline written here from torchvision's).

Writes a log.csv with resnetc's columns, so the two runs can be compared line by line:

  /usr/bin/python3 tools/torch_train_reference.py --data /work/cifar/cifar-10-batches-bin \
      --depth 20 --epochs 10 --schedule cosine --lr 0.1 --warmup 391 \
      --weight-decay 5e-4 --nesterov --threads 1 --out /tmp/torch-r20

Only cosine (linear warm-up then cosine to 0, per iteration) and the paper's step schedule
(0.1, /10 at 32k and 48k) are implemented; reference use only, never at run time.
"""
import argparse
import csv
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "parity"))
import torch_models  # noqa: E402


def read_cifar(path, names):
    images, labels = [], []
    for n in names:
        raw = np.fromfile(os.path.join(path, n), dtype=np.uint8)
        if raw.size % 3073:
            sys.exit("%s: size %d is not a multiple of 3073" % (n, raw.size))
        raw = raw.reshape(-1, 3073)
        labels.append(raw[:, 0].astype(np.int64))
        images.append(raw[:, 1:].reshape(-1, 3, 32, 32))
    return np.concatenate(images), np.concatenate(labels)


def lr_at(args, t, total):
    if args.schedule == "cosine":
        if t < args.warmup:
            return args.lr * (t + 1) / args.warmup
        pos = (t - args.warmup) / (total - args.warmup)
        return args.lr * 0.5 * (1 + math.cos(math.pi * pos))
    if args.schedule == "paper":
        if t < args.warmup:
            return args.lr / 10
        return args.lr * (0.1 if t >= 32000 else 1) * (0.1 if t >= 48000 else 1)
    raise ValueError(args.schedule)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="directory of the CIFAR-10 .bin files")
    ap.add_argument("--depth", type=int, default=20)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--iters", type=int, default=0, help="overrides --epochs")
    ap.add_argument("--schedule", choices=("cosine", "paper"), default="cosine")
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--warmup", type=int, default=0)
    ap.add_argument("--weight-decay", type=float, default=1e-4)
    ap.add_argument("--nesterov", action="store_true")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True, help="run directory (log.csv)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    xtr, ytr = read_cifar(args.data, ["data_batch_%d.bin" % i for i in range(1, 6)])
    xte, yte = read_cifar(args.data, ["test_batch.bin"])
    mean = xtr.reshape(-1, 3, 1024).mean(axis=(0, 2)) / 255.0
    std = xtr.reshape(-1, 3, 1024).std(axis=(0, 2)) / 255.0
    m = torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1)
    s = torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1)

    def normalize(u8):
        return (torch.from_numpy(u8).float() / 255.0 - m) / s

    # torchvision's RandomCrop(32, padding=4) (zero fill) + RandomHorizontalFlip on raw pixels
    padded = np.pad(xtr, ((0, 0), (0, 0), (4, 4), (4, 4)))

    model = torch_models.cifar_resnet(args.depth).to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9,
                          weight_decay=args.weight_decay, nesterov=args.nesterov)
    n = len(ytr)
    steps_per_epoch = n // args.batch + (n % args.batch > 0)
    total = args.iters or args.epochs * steps_per_epoch
    epochs = -(-total // steps_per_epoch)
    os.makedirs(args.out, exist_ok=True)
    log = open(os.path.join(args.out, "log.csv"), "w", newline="")
    w = csv.writer(log)
    w.writerow(["epoch", "step", "lr", "train_loss", "train_err", "test_loss", "test_err",
                "images_per_s", "elapsed_s"])
    t0 = time.time()
    step = 0
    for epoch in range(1, epochs + 1):
        model.train()
        perm = rng.permutation(n)
        seen = loss_sum = wrong = 0
        te = time.time()
        for b in range(0, n, args.batch):
            if step >= total:
                break
            idx = perm[b:b + args.batch]
            k = len(idx)
            oy = rng.integers(0, 9, k)
            ox = rng.integers(0, 9, k)
            flip = rng.integers(0, 2, k).astype(bool)
            rows = oy[:, None] + np.arange(32)[None, :]
            cols = ox[:, None] + np.arange(32)[None, :]
            cols = np.where(flip[:, None], cols[:, ::-1], cols)
            crop = padded[idx[:, None, None, None], np.arange(3)[None, :, None, None],
                          rows[:, None, :, None], cols[:, None, None, :]]
            x = normalize(np.ascontiguousarray(crop)).contiguous(
                memory_format=torch.channels_last)
            y = torch.from_numpy(ytr[idx])
            for g in opt.param_groups:
                g["lr"] = lr_at(args, step, total)
            out = model(x)
            loss = F.cross_entropy(out, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            seen += k
            loss_sum += loss.item() * k
            wrong += (out.argmax(1) != y).sum().item()
        ips = seen / (time.time() - te)
        model.eval()
        tl = tw = 0.0
        with torch.no_grad():
            for b in range(0, len(yte), 500):
                x = normalize(xte[b:b + 500]).contiguous(memory_format=torch.channels_last)
                y = torch.from_numpy(yte[b:b + 500])
                out = model(x)
                tl += F.cross_entropy(out, y, reduction="sum").item()
                tw += (out.argmax(1) != y).sum().item()
        row = [epoch, step, "%.9g" % lr_at(args, max(step - 1, 0), total),
               "%.6f" % (loss_sum / seen), "%.6f" % (wrong / seen),
               "%.6f" % (tl / len(yte)), "%.6f" % (tw / len(yte)), "%.1f" % ips,
               "%.3f" % (time.time() - t0)]
        w.writerow(row)
        log.flush()
        print(",".join(str(v) for v in row), flush=True)


if __name__ == "__main__":
    main()
