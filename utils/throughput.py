"""How fast each notebook's `full` training data reaches the model on this machine: items per
second of a DataLoaders like the notebook's (its files, decoded and resized to the `full` size),
for each number of loader workers; and the compute its `full` model needs per item.

    python -m utils.throughput [--workers 0 1 2] [--batches 8] [--json FILE]

It runs on the offline stand-ins, whose files are smaller than the real ones (LSUN's photos are
about 256 px JPEGs, the pets' about 500x375): the figures say how the loader scales with workers,
and bound the real rates from above. `make bench` runs it in a child process (tools import no
fastai).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import torch


@dataclass(frozen=True)
class Pipeline:
    notebook: str
    dataset: str  # the utils.data function
    size: tuple[int, int]  # the full preset's main image size
    batch_size: int  # the full preset's training batch size
    mode: str  # "RGB" or "L"
    item_steps: int  # items through the model in training, all stages (from the full settings)
    downloads: str  # what `full` downloads
    cpu_size: tuple[int, int] = (28, 28)  # the cpu preset's image size and batch size, to see
    cpu_batch_size: int = 64  # whether workers pay there too


# item_steps: training items per epoch times the full preset's epochs, all stages (01: 3 + 10 + 12
# epochs of 60,000 digits; 03: 30 + 10 + 12 epochs of 600 photos, and 20 at 720x960 counted as 4
# each; 04: 30 epochs of 303,125 and the ablation's 6 runs of 4 epochs on 30,000, each generator
# step after 5 critic steps; 05: 5 + 6 + 40 epochs of 6,650 pets, 10 at 192 px counted as 2.25;
# 06: 20 epochs of 6,650 and 10 at 256 px counted as 4)
PIPELINES = [
    Pipeline("01_resnet_mnist", "mnist", (28, 28), 128, "L", 25 * 60_000, "MNIST, 15 MB",
             (28, 28), 64),
    Pipeline("03_unet_camvid", "camvid", (360, 480), 8, "RGB", 52 * 600 + 20 * 600 * 4,
             "CamVid, 570 MB; resnet34 weights, 83 MB", (45, 60), 8),
    Pipeline("04_wgan_bedroom", "lsun_bedrooms", (64, 64), 128, "RGB",
             30 * 303_125 + 6 * 4 * 30_000, "LSUN bedrooms sample, 4.3 GB", (32, 32), 16),
    Pipeline("05_superres_gan", "pets", (128, 128), 32, "RGB", 51 * 6_650 + 10 * 6_650 * 9 // 4,
             "Oxford-IIIT Pets, 800 MB; resnet34 weights, 83 MB", (64, 64), 8),
    Pipeline("06_superres_feature_loss", "pets", (128, 128), 32, "RGB",
             20 * 6_650 + 10 * 6_650 * 4, "Oxford-IIIT Pets, 800 MB; resnet34, VGG16-bn, 610 MB",
             (64, 64), 8),
]

GPUS = {  # dense bf16/fp16 tensor throughput (TFLOP/s, the vendors' data sheets) and memory (GB)
    "H100": (989.0, 80),
    "T4": (65.0, 16),
}
UTILISATION = 0.15  # the share of that peak small vision models reach (an assumption, not measured)
WORKER_SCALING = 16  # loader workers on the GPU machine (fastai's default: a core each, up to 16)


def _files(p: Pipeline) -> list[Path]:
    from fastai.vision.all import get_image_files

    from . import data

    root = getattr(data, p.dataset)(source="offline", verbose=False)
    return sorted(get_image_files(root))


def items_per_second(p: Pipeline, num_workers: int, n_batches: int = 8, preset: str = "full"
                     ) -> float:
    """Items a second from a DataLoaders of `p`'s files at the preset's size and batch size, with
    `num_workers` loader processes (the first batch, which starts the workers, is not timed)."""
    size, bs = (p.size, p.batch_size) if preset == "full" else (p.cpu_size, p.cpu_batch_size)
    from fastai.vision.all import (
        CategoryBlock,
        DataBlock,
        ImageBlock,
        PILImage,
        PILImageBW,
        RandomSplitter,
        Resize,
    )

    files = _files(p)
    need = bs * (n_batches + 1)
    files = (files * (need // len(files) + 1))[:need]  # enough for the batches timed
    block = DataBlock(blocks=(ImageBlock(PILImageBW if p.mode == "L" else PILImage),
                              CategoryBlock),
                      get_y=lambda f: f.parent.name, splitter=RandomSplitter(0.0, seed=0),
                      item_tfms=Resize(size))
    dls = block.dataloaders(files, bs=bs, num_workers=num_workers,
                            device=torch.device("cpu"))
    batches = iter(dls.train)
    next(batches)
    start, n = time.perf_counter(), 0
    for _ in range(n_batches - 1):
        try:
            xb, _ = next(batches)
        except StopIteration:
            break
        n += len(xb)
    return n / (time.perf_counter() - start)


def models(notebook: str):
    """(model trained, its input at batch size 1, extra forward work per item as a model and
    input, or None): the `full` preset's main model of a notebook, without pretrained weights."""
    from fastai.vision.all import DynamicUnet, create_body, resnet34
    from fastai.vision.gan import basic_critic, basic_generator
    from torchvision.models import vgg16_bn

    from . import models as lesson_models

    if notebook == "01_resnet_mnist":
        return lesson_models.resnet_mnist(), torch.randn(1, 1, 28, 28), None
    if notebook == "03_unet_camvid":
        unet = DynamicUnet(create_body(resnet34(), pretrained=False), 32, (360, 480))
        return unet, torch.randn(1, 3, 360, 480), None
    if notebook == "04_wgan_bedroom":
        gen, crit = basic_generator(64, 3, n_extra_layers=1), basic_critic(64, 3, n_extra_layers=1)
        # per generated item: the generator, then the critic on it and on a real image
        return nn_seq(gen, crit), torch.randn(1, 100), (crit, torch.randn(1, 3, 64, 64))
    unet = DynamicUnet(create_body(resnet34(), pretrained=False), 3, (128, 128), blur=True,
                       self_attention=True)
    if notebook == "05_superres_gan":
        from fastai.vision.gan import gan_critic

        return unet, torch.randn(1, 3, 128, 128), (gan_critic(nf=128), torch.randn(1, 3, 128, 128))
    vgg = vgg16_bn().features.eval()
    return unet, torch.randn(1, 3, 128, 128), (vgg, torch.randn(2, 3, 128, 128))


def nn_seq(*modules):
    return torch.nn.Sequential(*modules)


def cost(notebook: str) -> dict:
    """Forward GFLOPs per item (model, and any extra network in the loss or the GAN), parameters
    (millions) and the activations a training step keeps per item (MB, fp32: every module's
    output, which backward needs), counted with torch's FlopCounterMode on a batch of one."""
    from torch.utils.flop_counter import FlopCounterMode

    model, x, extra = models(notebook)
    kept = []
    hooks = [m.register_forward_hook(lambda m, i, o: kept.append(o.numel()
                                     if isinstance(o, torch.Tensor) else 0))
             for m in model.modules() if not list(m.children())]
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model.eval()(x)
    for h in hooks:
        h.remove()
    flops = counter.get_total_flops()
    extra_flops = 0
    if extra is not None:
        net, y = extra
        counter = FlopCounterMode(display=False)
        with counter, torch.no_grad():
            net.eval()(y)
        extra_flops = counter.get_total_flops()
    return {"gflops": flops / 1e9, "extra_gflops": extra_flops / 1e9,
            "params_m": sum(p.numel() for p in model.parameters()) / 1e6,
            "activations_mb": 4 * sum(kept) / 1e6}


def estimate(p: Pipeline, c: dict, rate_per_worker: float) -> dict:
    """Estimated hours of a `full` run on each GPU of GPUS, and its peak memory: compute (three
    times the forward for forward and backward of the trained model, twice the extra network's)
    at UTILISATION of the data sheet's peak, or loading at WORKER_SCALING workers, whichever is
    slower; memory: parameters with Adam's state, and the batch's activations."""
    work = p.item_steps * (3 * c["gflops"] + 2 * c["extra_gflops"]) * 1e9
    load_h = p.item_steps / (rate_per_worker * WORKER_SCALING) / 3600
    memory = (16 * c["params_m"] * 1e6 + p.batch_size * c["activations_mb"] * 1e6) / 1e9
    return {gpu: round(max(work / (tflops * 1e12 * UTILISATION) / 3600, load_h), 2)
            for gpu, (tflops, _) in GPUS.items()} | {"load_hours": round(load_h, 2),
                                                    "memory_gb": round(memory, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m utils.throughput", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, os.cpu_count() or 1])
    parser.add_argument("--batches", type=int, default=8, help="batches timed per figure")
    parser.add_argument("--only", nargs="+", help="notebooks (default: every image notebook)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    rows = []
    for p in PIPELINES:
        if args.only and not any(p.notebook.startswith(o) for o in args.only):
            continue
        workers = sorted(set(args.workers))
        rates = {w: round(items_per_second(p, w, args.batches), 1) for w in workers}
        cpu_rates = {w: round(items_per_second(p, w, args.batches, "cpu"), 1) for w in workers}
        c = cost(p.notebook)
        per_worker = max(rates[w] / max(w, 1) for w in workers)  # the best rate a process gave
        est = estimate(p, c, per_worker)
        rows.append({"notebook": p.notebook, "size": list(p.size), "batch_size": p.batch_size,
                     "item_steps": p.item_steps, "downloads": p.downloads,
                     "items_per_second": rates, "cpu_items_per_second": cpu_rates, "cost": c,
                     "estimate": est})
        print(f"{p.notebook}: {p.size[0]}x{p.size[1]}, bs {p.batch_size}: "
              + ", ".join(f"{w} workers {r:,.0f}/s" for w, r in rates.items())
              + " (cpu sizes: " + ", ".join(f"{r:,.0f}" for r in cpu_rates.values()) + ")"
              + f"; {c['gflops']:.3g} GFLOPs/item (+{c['extra_gflops']:.3g}); estimated "
              + ", ".join(f"{g} {est[g]:.1f} h" for g in GPUS)
              + f", {est['memory_gb']:.1f} GB", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
