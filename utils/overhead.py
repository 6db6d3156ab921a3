"""fastai's `fit` against a plain PyTorch loop, on the same model, weights and tensors: the MNIST
ResNet of notebook 01 and the U-Net of notebook 03, seconds per epoch of each.

    python -m utils.overhead [--epochs N] [--json FILE]

`make bench` (tools/bench.py) runs it in a child process, so the tools never import fastai.
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
import statistics
import time
import warnings
from pathlib import Path

import torch


def plain_epoch(model, opt, loss_func, x, y, xv, yv, bs: int) -> float:
    """One epoch as a hand-written loop: shuffled slices of the tensors, then a validation pass
    (loss and accuracy, as the fastai Learner computes them); returns the validation accuracy."""
    model.train()
    order = torch.randperm(len(x), device=x.device)
    for i in range(0, len(x) - bs + 1, bs):  # drop_last, as fastai's training DataLoader
        idx = order[i:i + bs]
        loss = loss_func(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
        opt.zero_grad()
    model.eval()
    correct = 0.0
    with torch.no_grad():
        for i in range(0, len(xv), bs):
            out = model(xv[i:i + bs])
            loss_func(out, yv[i:i + bs])
            correct += (out.argmax(dim=1) == yv[i:i + bs]).float().sum().item()
    return correct / yv.numel()


def fit_vs_loop(make_model, tensors, bs: int, lr: float, epochs: int, loss_func) -> dict:
    """Seconds per epoch of fastai's fit and of the plain loop, same initial weights and data:
    after one untimed warm-up epoch each, `epochs` epochs of each, taking turns; the median.
    Each fastai epoch is a `fit(1)` of its own, so it also pays fastai's set-up of a fit (the
    callbacks' before_fit and after_fit): a small bias against fastai."""
    import fastai.callback.progress  # noqa: F401  (Learner.no_bar)
    from fastai.data.core import DataLoaders
    from fastai.data.load import DataLoader
    from fastai.learner import Learner
    from fastai.metrics import accuracy
    from fastai.optimizer import OptimWrapper
    from torch.utils.data import TensorDataset

    x, y, xv, yv = tensors
    torch.manual_seed(0)
    initial = make_model().to(x.device)
    dls = DataLoaders(DataLoader(TensorDataset(x, y), bs=bs, shuffle=True, drop_last=True),
                      DataLoader(TensorDataset(xv, yv), bs=bs), device=x.device)
    learn = Learner(dls, copy.deepcopy(initial), loss_func=loss_func,
                    metrics=functools.partial(accuracy, axis=1),  # classes on dim 1, as below
                    opt_func=lambda params, lr: OptimWrapper(params, torch.optim.Adam, lr=lr))
    model = copy.deepcopy(initial)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    fastai_times, plain_times = [], []
    with learn.no_bar(), learn.no_logging():
        learn.fit(1, lr)  # warm-up epochs, untimed
        plain_epoch(model, opt, loss_func, x, y, xv, yv, bs)
        for _ in range(epochs):  # taking turns, so a machine that speeds up or slows down
            start = time.perf_counter()  # moves both alike
            learn.fit(1, lr)  # a constant rate: each fit(1) goes on from the last
            sync(x.device)
            fastai_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            plain_acc = plain_epoch(model, opt, loss_func, x, y, xv, yv, bs)
            sync(x.device)
            plain_times.append(time.perf_counter() - start)
    fastai_acc = float(learn.recorder.values[-1][-1])
    fastai_s, plain_s = statistics.median(fastai_times), statistics.median(plain_times)
    return {"train_items": len(x), "valid_items": len(xv), "batch_size": bs, "epochs": epochs,
            "fastai_s_per_epoch": round(fastai_s, 3), "plain_s_per_epoch": round(plain_s, 3),
            "ratio": round(fastai_s / plain_s, 2), "fastai_accuracy": round(fastai_acc, 4),
            "plain_accuracy": round(plain_acc, 4)}


def sync(device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def load_images(files: list[Path], size=None, mode: str = "RGB") -> torch.Tensor:
    """Decode image files into one float tensor (N, C, H, W) in [0, 1], contiguous in that order:
    the layout fastai's collated batches have (a permuted, channels-last tensor would hand the
    plain loop slices whose convolutions run faster on a CPU, and so an unfair comparison)."""
    import numpy as np
    from PIL import Image

    arrays = []
    for f in files:
        img = Image.open(f).convert(mode)
        if size is not None:
            img = img.resize(size[::-1], Image.NEAREST if mode in ("L", "P") else Image.BILINEAR)
        arrays.append(np.asarray(img, dtype=np.float32) / 255)
    stack = torch.from_numpy(np.stack(arrays))
    return stack.unsqueeze(1) if stack.ndim == 3 else stack.permute(0, 3, 1, 2).contiguous()


def mnist_tensors(device) -> tuple:
    """Notebook 01's digits from the offline stand-in: 4,000 to train on, 1,000 to validate."""
    from . import data

    root = data.mnist(source="offline")
    tensors = []
    for split in ("training", "testing"):
        files = sorted((root / split).glob("*/*.png"))
        tensors += [load_images(files, mode="L"), torch.tensor([int(f.parent.name) for f in files])]
    return tuple(t.to(device) for t in tensors)


def camvid_tensors(device, size=(45, 60), n_train: int = 96, n_valid: int = 32) -> tuple:
    """Street scenes and their masks from the offline CamVid, at notebook 03's cpu size."""
    from . import data
    from .segmentation import mask_path

    root = data.camvid(source="offline")
    files = sorted((root / "images").glob("*.png"))[: n_train + n_valid]
    x = load_images(files, size)
    masks = load_images([mask_path(f) for f in files], size, mode="P")
    y = (masks.squeeze(1) * 255).round().long()
    return tuple(t.to(device) for t in (x[:n_train], y[:n_train], x[n_train:], y[n_train:]))


def overhead(epochs: int) -> dict:
    """fastai's fit against the plain loop for the MNIST ResNet and the U-Net."""
    warnings.filterwarnings("ignore", message=".*torch.jit.script.* is deprecated")  # in fastai
    from fastai.losses import CrossEntropyLossFlat

    from .models import resnet_mnist
    from .unet import UNet

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    print(f"fastai fit vs a plain loop on {device}, {torch.get_num_threads()} torch threads ...",
          flush=True)
    mnist = fit_vs_loop(resnet_mnist, mnist_tensors(device), bs=128, lr=1e-2, epochs=epochs,
                        loss_func=CrossEntropyLossFlat())
    print(f"    MNIST ResNet: {mnist['ratio']}x", flush=True)
    unet = fit_vs_loop(lambda: UNet(n_classes=32), camvid_tensors(device), bs=8, lr=1e-2,
                       epochs=epochs, loss_func=CrossEntropyLossFlat(axis=1))
    print(f"    U-Net: {unet['ratio']}x", flush=True)
    return {"MNIST ResNet (notebook 01)": mnist, "U-Net (notebook 03)": unet}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m utils.overhead", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=5, help="timed epochs of each, taking turns")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    ratios = overhead(args.epochs)
    if args.json:
        args.json.write_text(json.dumps(ratios, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
