"""Super-resolution pieces shared by the super-res notebooks: crappify a folder of photos, split
by source photo, a residual generator for the CPU, colour-safe tensor <-> image conversion, and
PSNR / SSIM on held-out images."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont
from torch import nn

from .data import write_atomically

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
DONE = ".complete"  # written last into a crappified folder: its presence means the folder is whole


# --- crappify ------------------------------------------------------------------------------------


def file_rng(path: Path | str, seed: int) -> np.random.Generator:
    """A random generator for one file, fixed by the seed and the file's name only.

    Seed note: `parallel` runs the work in worker processes that each start from a copy of the
    parent's random state, so `random.randint` there repeats the same numbers in every worker and
    changes with the number of workers. Seeding per file makes the result the same however the
    files are shared out.
    """
    digest = hashlib.sha1(f"{seed}:{Path(path).name}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def crappify_image(img: Image.Image, size: int, rng: np.random.Generator) -> Image.Image:
    """The lesson's crappifier: downscale (bilinear) so the short side is `size`, draw a random
    number from 10 to 70 as text, and return it JPEG-compressed at that quality."""
    w, h = img.size
    ratio = size / min(w, h)
    img = img.convert("RGB").resize((round(w * ratio), round(h * ratio)), Image.BILINEAR)
    q = int(rng.integers(10, 71))
    w, h = img.size
    font = ImageFont.load_default(size=max(6, round(11 * size / 96)))  # the lesson's 11 px at 96
    pos = (int(rng.integers(0, w // 2 + 1)), int(rng.integers(0, h // 2 + 1)))
    ImageDraw.Draw(img).text(pos, str(q), fill=(255, 255, 255), font=font)
    return _jpeg(img, q)


def _jpeg(img: Image.Image, quality: int) -> Image.Image:
    import io

    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def _crappify_file(src: Path, dest: Path, size: int, seed: int) -> None:
    crappify_image(Image.open(src), size, file_rng(src, seed)).save(dest, quality=95)


def crappify_folder(src: Path, dest: Path, size: int, seed: int = 42, n_workers: int = 2,
                    files: list[Path] | None = None) -> Path:
    """Crappify every image of `src` (or `files`) into `dest`, same file names.

    Cached and idempotent: a `dest` that is complete (has its DONE marker, for the same size, seed
    and files) is returned as it is. Atomic: the images go to a temporary folder beside `dest`,
    renamed into place when all are written, so an interrupted run leaves no half folder behind.
    """
    from fastcore.parallel import parallel

    src, dest = Path(src), Path(dest)
    files = sorted(files if files is not None else
                   (p for p in src.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png")))
    names = hashlib.sha1(" ".join(f.name for f in files).encode()).hexdigest()
    key = f"size={size} seed={seed} files={names}"
    if (dest / DONE).exists() and (dest / DONE).read_text() == key:
        return dest

    def write(tmp: Path) -> None:
        parallel(_CrappifyTo(tmp, size, seed), files, n_workers=n_workers, progress=False)
        (tmp / DONE).write_text(key)  # last: only a complete folder carries it

    write_atomically(dest, write)
    return dest


class _CrappifyTo:
    """A picklable callable for `parallel`: crappify one file into a fixed folder."""

    def __init__(self, folder: Path, size: int, seed: int):
        self.folder, self.size, self.seed = folder, size, seed

    def __call__(self, src: Path) -> None:
        _crappify_file(src, self.folder / src.name, self.size, self.seed)


# --- generator for the CPU -----------------------------------------------------------------------


class ResidualSR(nn.Module):
    """A small super-resolution CNN that starts as the identity: output = input + f(input).

    The input is the low-resolution image already upsampled to the output size; the body learns
    only the correction. Its last convolution starts at zero, so before training the model returns
    its input exactly, and training can only move it away from there if that lowers the loss.
    """

    def __init__(self, channels: int = 48, n_layers: int = 8):
        super().__init__()
        layers = [nn.Conv2d(3, channels, 3, padding=1), nn.ReLU(inplace=True)]
        for _ in range(n_layers - 2):
            layers += [nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU(inplace=True)]
        last = nn.Conv2d(channels, 3, 3, padding=1)
        nn.init.zeros_(last.weight), nn.init.zeros_(last.bias)
        self.body = nn.Sequential(*layers, last)

    def forward(self, x):
        return x + self.body(x)


# --- colour-safe conversions and metrics ---------------------------------------------------------


def denormalize(t: torch.Tensor, mean=IMAGENET_MEAN, std=IMAGENET_STD) -> torch.Tensor:
    """Undo ImageNet normalisation of a (C, H, W) or (N, C, H, W) tensor: values back in [0, 1]."""
    shape = (-1, 1, 1)
    m, s = torch.tensor(mean).view(shape), torch.tensor(std).view(shape)
    return (t.detach().float().cpu() * s + m).clamp(0, 1)


def to_pil(t: torch.Tensor, normalized: bool = True) -> Image.Image:
    """A (3, H, W) tensor as a PIL image, channels in RGB order, denormalised if it was normalised.

    The colour bugs of the fastai v2 super-res ports come from skipping this: saving a normalised
    tensor (negative values wrap around) or one in the wrong channel order.
    """
    t = denormalize(t) if normalized else t.detach().float().cpu().clamp(0, 1)
    return Image.fromarray((t.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8))


def from_pil(img: Image.Image, normalized: bool = True) -> torch.Tensor:
    """A PIL image as a (3, H, W) float tensor, ImageNet-normalised if asked (inverse of to_pil)."""
    t = torch.from_numpy(np.asarray(img.convert("RGB"), dtype=np.float32) / 255).permute(2, 0, 1)
    if normalized:
        mean, std = torch.tensor(IMAGENET_MEAN), torch.tensor(IMAGENET_STD)
        t = (t - mean.view(-1, 1, 1)) / std.view(-1, 1, 1)
    return t


def psnr_ssim(pred: Image.Image, target: Image.Image) -> tuple[float, float]:
    """PSNR (dB) and SSIM of an RGB image against its original (scikit-image, data range 255)."""
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    a, b = np.asarray(pred.convert("RGB")), np.asarray(target.convert("RGB"))
    return (float(peak_signal_noise_ratio(b, a, data_range=255)),
            float(structural_similarity(b, a, channel_axis=2, data_range=255)))
