"""Images shrunk once to a notebook's working size, into the cache, so that no epoch decodes the
big originals again (04 on `full`: LSUN's 303,125 photos, about 256 px, trained at 64 px)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .cache import cache_dir, write_atomically

DONE = ".complete"  # written last: a folder with it holds every image


def _shrink_one(job) -> None:
    from PIL import Image, ImageOps

    src, dest, size = job
    dest.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(src) as img:
        img.draft("RGB", (size, size))  # JPEG: decode at a fraction of the size already
        img = ImageOps.exif_transpose(img).convert("RGB")
        scale = size / min(img.size)
        if scale < 1:
            img = img.resize((max(size, round(img.width * scale)),
                              max(size, round(img.height * scale))), Image.LANCZOS)
        img.save(dest.with_suffix(".jpg"), quality=95)


def shrunk(files: list[Path], root: Path, size: int, n_workers: int | None = None) -> list[Path]:
    """`files` (under `root`) with their short side shrunk to `size` (never enlarged), as JPEGs
    at quality 95, in a folder of the cache keyed by the files and the size; built once, in
    `n_workers` processes (default: every core), and returned as the list of the new files in the
    same order. A notebook's `Resize` then crops them as it would have cropped the originals."""
    from fastcore.parallel import parallel

    root = Path(root)
    files = [Path(f) for f in files]
    names = hashlib.sha1("\n".join(f.relative_to(root).as_posix() for f in files).encode())
    key = f"{root.resolve()} size={size} files={names.hexdigest()} v1"
    digest = hashlib.sha1(key.encode()).hexdigest()[:10]
    dest = cache_dir() / "prepared" / f"{root.name}-{size}-{digest}"
    out = [(dest / f.relative_to(root)).with_suffix(".jpg") for f in files]
    if (dest / DONE).exists() and (dest / DONE).read_text() == key:
        return out

    def write(tmp: Path) -> None:
        jobs = [(f, tmp / f.relative_to(root), size) for f in files]
        parallel(_shrink_one, jobs, n_workers=n_workers or os.cpu_count() or 1, progress=False)
        (tmp / DONE).write_text(key)

    print(f"Shrinking {len(files):,} images to {size} px into {dest} (once)...", flush=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(dest, write)
    return out
