"""Offline Oxford-IIIT Pets images for super-resolution: crops of the real photographs that
scikit-image ships, in the layout of `URLs.PETS` (one `images/` folder of JPEG files).

Super-resolution needs only photographs, not pet labels, so the stand-in is crops cut from real
photos at a few scales. Each file is named `<photo>_<index>.jpg`, so every crop can be traced to
its source photo, and the split is by photo: the HELD_OUT photos are never seen in training in any
crop (two overlapping crops of one photo in both splits would flatter the held-out numbers).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

DESCRIPTION = ("crops of 8 real photos shipped with scikit-image (a cat, coffee, an astronaut, a "
               "rocket...), split by source photo: chelsea (a cat) and coffee are held out")
VERSION = 1
SIZE = 64  # pixels per side of each crop (the high-resolution target)
SEED = 0  # fixes every crop's position, so two builds are byte-identical
# scikit-image data functions that read a file shipped in the wheel (none of them downloads);
# a photo can be several files of one scene (the motorcycle's two stereo views are one photo)
PHOTOS = {
    "astronaut": ("astronaut",),
    "chelsea": ("chelsea",),
    "coffee": ("coffee",),
    "hubble": ("hubble_deep_field",),
    "ihc": ("immunohistochemistry",),
    "motorcycle": ("stereo_motorcycle",),
    "retina": ("retina",),
    "rocket": ("rocket",),
}
HELD_OUT = ("chelsea", "coffee")  # evaluation photos: no crop of them is in the training split
CROPS = {"train": 60, "held_out": 40}  # crops per photo in each split
SCALES = (1.0, 0.5, 0.25)  # each photo is cut at these scales too (more content per crop)


def photo_of(path: Path | str) -> str:
    """The source photo of a stand-in file, from its name `<photo>_<index>.jpg`."""
    return Path(path).stem.rsplit("_", 1)[0]


def is_held_out(path: Path | str) -> bool:
    """True for crops of the held-out photos (the validation split)."""
    return photo_of(path) in HELD_OUT


def load_photo(name: str) -> list[np.ndarray]:
    """The RGB arrays (uint8, H x W x 3) of one photo, from scikit-image's shipped files."""
    from skimage import data

    arrays = []
    for fn in PHOTOS[name]:
        out = getattr(data, fn)()
        for a in (out[:2] if isinstance(out, tuple) else (out,)):
            arrays.append(np.asarray(a, dtype=np.uint8))
    return arrays


def build(dest: Path, crops: dict[str, int] | None = None, size: int = SIZE) -> None:
    """Write `images/<photo>_<index>.jpg` under `dest`: square crops at random positions and
    scales, `crops['held_out']` per held-out photo and `crops['train']` per training photo."""
    crops = crops or CROPS
    folder = Path(dest) / "images"
    folder.mkdir(parents=True, exist_ok=True)
    for p, name in enumerate(sorted(PHOTOS)):
        rng = np.random.default_rng([SEED, p])
        views = [Image.fromarray(a) for a in load_photo(name)]
        n = crops["held_out" if name in HELD_OUT else "train"]
        for i in range(n):
            view = views[i % len(views)]
            scale = SCALES[rng.integers(len(SCALES))]
            w, h = max(size, round(view.width * scale)), max(size, round(view.height * scale))
            img = view.resize((w, h), Image.LANCZOS) if (w, h) != view.size else view
            x, y = rng.integers(0, w - size + 1), rng.integers(0, h - size + 1)
            img.crop((x, y, x + size, y + size)).save(folder / f"{name}_{i:03d}.jpg", quality=95)
