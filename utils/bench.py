"""Benchmark the lesson: time per notebook section, and fastai's `fit` against a plain PyTorch loop.

    python -m utils.bench [--preset P] [--only NAMES | --only all] [--epochs N] [--out DIR]

Notebooks named with --only run headlessly as in `python -m utils.run` (nothing is published) and
each section's wall time (the code cells under one `## ` heading) is read from papermill's timing of
every cell. Then the MNIST ResNet of notebook 01 and the U-Net of notebook 03 train for a few
epochs twice from the same initial weights, on the same data tensors with the same optimizer
(Adam, constant learning rate): with fastai's `Learner.fit` fed by fastai `DataLoaders` over the
tensors, and with a plain PyTorch loop that slices the tensors. The two take turns, one epoch
each, so that a machine whose speed drifts moves both alike; the ratio of their median times per
epoch is fastai's overhead. Figures go to `bench.md` and `bench.json` in the run folder, and are
printed.
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
import platform
import re
import statistics
import sys
import time
import warnings
from datetime import datetime
from pathlib import Path

import nbformat
import torch

from . import run
from .presets import PRESETS, resolve_preset
from .run import NOTEBOOKS, ROOT, find_notebooks, kernel_name, run_notebook

TOP = "(before the first section)"
OUTSIDE = "(outside the cells: kernel start, papermill)"


# --- time per section ---------------------------------------------------------------------------


def section_times(nb) -> list[tuple[str, float]]:
    """(heading, seconds) for each `## ` section of an executed notebook, in order: the summed
    papermill durations of its code cells (a cell that did not run counts 0)."""
    sections: list[list] = [[TOP, 0.0]]
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for heading in re.findall(r"^## +(.+?)\s*$", cell.source, re.M):
                sections.append([heading, 0.0])
        elif cell.cell_type == "code":
            sections[-1][1] += cell.metadata.get("papermill", {}).get("duration") or 0.0
    return [(h, round(s, 1)) for h, s in sections if h != TOP or s > 0]


def time_notebooks(notebooks: list[Path], out: Path, preset: str) -> list[dict]:
    """Run each notebook into `out`; its status, total seconds and seconds per section."""
    kernel, timed = kernel_name(), []
    for i, notebook in enumerate(notebooks, 1):
        print(f"[{i}/{len(notebooks)}] {notebook.stem} ...", flush=True)
        entry = run_notebook(notebook, out, preset, kernel)
        executed = out / notebook.name
        sections = section_times(nbformat.read(executed, as_version=4)) if executed.exists() else []
        timed.append({"name": notebook.stem, "status": entry["status"], "error": entry["error"],
                      "seconds": entry["seconds"], "sections": sections})
        print(f"    {entry['status']} in {entry['seconds']:.0f} s", flush=True)
    return timed


# --- fastai's fit against a plain loop ----------------------------------------------------------


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


# --- the report -----------------------------------------------------------------------------------


def machine() -> str:
    """One line on the machine: CPU model and cores, GPU, torch threads."""
    return (f"{run.machine()}; torch {torch.__version__} with {torch.get_num_threads()} threads, "
            f"python {platform.python_version()}")


def report(preset: str, created: str, notebooks: list[dict], ratios: dict | None) -> str:
    lines = [f"# Benchmark on the `{preset}` preset", "",
             f"Written by `python -m utils.bench` on {created}, on {machine()}.", ""]
    for nb in notebooks:
        lines += [f"## {nb['name']}: {nb['seconds']:.0f} s ({nb['status']})", ""]
        if nb["error"]:
            lines += [f"Failed: {nb['error']}", ""]
        rows = [*nb["sections"], (OUTSIDE, nb["seconds"] - sum(s for _, s in nb["sections"]))]
        lines += ["| section | seconds | share |", "|---|---|---|"]
        lines += [f"| {h} | {s:.1f} | {s / (nb['seconds'] or 1):.0%} |" for h, s in rows]
        lines.append("")
    if ratios:
        lines += ["## fastai `fit` against a plain PyTorch loop", "",
                  "Same model and initial weights, same tensors, Adam at a constant learning "
                  "rate; seconds per epoch (training and validation). After a warm-up epoch "
                  "of each, the two take turns for `epochs` epochs each; the median epoch of "
                  "each is shown. Each fastai epoch is a `fit(1)`, set-up of the fit included.",
                  "",
                  "| model | items (train / valid) | batch | epochs | fastai s/epoch | "
                  "plain s/epoch | ratio | accuracy (fastai / plain) |",
                  "|---|---|---|---|---|---|---|---|"]
        for name, r in ratios.items():
            lines.append(
                f"| {name} | {r['train_items']} / {r['valid_items']} | {r['batch_size']} | "
                f"{r['epochs']} | {r['fastai_s_per_epoch']:.3f} | {r['plain_s_per_epoch']:.3f} | "
                f"{r['ratio']:.2f}x | {r['fastai_accuracy']:.3f} / {r['plain_accuracy']:.3f} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m utils.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="auto", help=f"one of {', '.join(PRESETS)} or auto")
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="time these notebooks per section (`all`: every notebook)")
    parser.add_argument("--epochs", type=int, default=5,
                        help="timed epochs of each loop per model, taken in turns (default 5)")
    parser.add_argument("--no-overhead", action="store_true", help="skip fastai vs the plain loop")
    parser.add_argument("--out", type=Path, help="run folder (default runs/bench-<preset>-<time>)")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs {args.epochs}: time at least one epoch")
    try:
        preset = resolve_preset(args.preset)
    except ValueError as err:
        raise SystemExit(str(err)) from None
    only = None if args.only in (None, ["all"]) else args.only
    notebooks = find_notebooks(NOTEBOOKS, only) if args.only else []
    out = (args.out or ROOT / "runs" / f"bench-{preset}-{datetime.now():%Y%m%d-%H%M%S}").resolve()
    out.mkdir(parents=True, exist_ok=True)
    created = datetime.now().strftime("%Y-%m-%d %H:%M")
    if not notebooks:
        print("No notebook timed per section: name some with --only (or `--only all`).")
    timed = time_notebooks(notebooks, out, preset) if notebooks else []
    ratios = None if args.no_overhead else overhead(args.epochs)
    text = report(preset, created, timed, ratios)
    (out / "bench.md").write_text(text)
    (out / "bench.json").write_text(json.dumps(
        {"preset": preset, "created": created, "machine": machine(), "notebooks": timed,
         "overhead": ratios}, indent=2) + "\n")
    print("\n" + text + f"\nWritten to {out / 'bench.md'} and bench.json")
    return 1 if any(nb["status"] != "ok" for nb in timed) else 0

if __name__ == "__main__":
    sys.exit(main())
