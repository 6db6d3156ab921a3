"""Super-resolution pieces shared by the super-res notebooks: crappify a folder of photos, a U-Net
that starts from its input, colour-safe tensor <-> image conversion, and the held-out images
predicted, scored (PSNR / SSIM) and shown."""

from __future__ import annotations

import hashlib
import inspect
import io
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

from .data import write_atomically
from .superres_gan import crappify_jpeg, make_residual  # noqa: F401 (notebook 05's #@save cells)

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
DONE = ".complete"  # written last into a crappified folder: its presence means the folder is whole


# --- crappify ------------------------------------------------------------------------------------


def file_rng(path: Path | str, seed: int) -> np.random.Generator:
    """A random generator for one file, fixed by the seed and the file's name only.

    Seed note: `parallel` runs the work in worker processes forked from the parent (on Linux).
    Python reseeds `random` in each forked child from the OS's entropy, so `random.randint` there
    differs from worker to worker and run to run; NumPy's global state is copied unchanged, so
    `np.random` draws repeat the same numbers in every worker. Either way the result would depend
    on how the files are shared out; seeding per file makes it the same however they are.
    """
    digest = hashlib.sha1(f"{seed}:{Path(path).name}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def crappify_image(img: Image.Image, size: int, rng: np.random.Generator) -> Image.Image:
    """`crappify_jpeg`, read back as an image."""
    return Image.open(io.BytesIO(crappify_jpeg(img, size, rng))).convert("RGB")


def downscale_image(img: Image.Image, size: int, quality: int = 60) -> Image.Image:
    """lesson7-superres's inputs: downscale (bilinear) so the short side is `size`; the caller saves
    it as a JPEG at `quality` (the lesson's 60), with no number drawn on it."""
    w, h = img.size
    ratio = size / min(w, h)
    return img.convert("RGB").resize((round(w * ratio), round(h * ratio)), Image.BILINEAR)


def _crappify_file(src: Path, dest: Path, size: int, seed: int, mode: str = "crappify") -> None:
    if mode == "downscale":
        downscale_image(Image.open(src), size).save(dest, quality=60)
    else:
        dest.write_bytes(crappify_jpeg(Image.open(src), size, file_rng(src, seed)))


CRAPPIFY_MODES = ("crappify", "downscale")  # lesson7-superres-gan's crappifier, lesson7-superres's


def crappify_folder(src: Path, dest: Path, size: int, seed: int = 42, n_workers: int = 2,
                    files: list[Path] | None = None, mode: str = "crappify") -> Path:
    """Crappify every image of `src` (or `files`) into a folder named after `dest`, same file names;
    return that folder. `mode` is "crappify" (`crappify_image`) or "downscale" (`downscale_image`,
    saved at JPEG quality 60).

    Keyed: the folder's name is `dest`'s plus a hash of everything its images depend on (size,
    seed, the files' names and sizes, mode, and the source code that makes them), so runs with
    other settings, or after a change to the crappifier, at the same time or a day later, never
    replace each other's images. Cached: a complete folder (its DONE marker) is returned as it
    is. Atomic: the images go to a temporary folder beside it, renamed into place when all are
    written.
    """
    from fastcore.parallel import parallel

    if mode not in CRAPPIFY_MODES:
        raise ValueError(f"mode={mode!r}: use one of {', '.join(CRAPPIFY_MODES)}.")
    src, dest = Path(src), Path(dest)
    files = sorted(files if files is not None else
                   (p for p in src.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png")))
    names = hashlib.sha1(" ".join(f"{f.name}:{f.stat().st_size}" for f in files).encode())
    code = hashlib.sha1("".join(inspect.getsource(f) for f in _crappify_code()).encode())
    key = (f"size={size} seed={seed} files={names.hexdigest()} mode={mode} "
           f"code={code.hexdigest()[:12]}")
    dest = dest.parent / f"{dest.name}-{hashlib.sha1(key.encode()).hexdigest()[:8]}"
    if (dest / DONE).exists() and (dest / DONE).read_text() == key:
        return dest

    def write(tmp: Path) -> None:
        parallel(_CrappifyTo(tmp, size, seed, mode), files, n_workers=n_workers, progress=False)
        (tmp / DONE).write_text(key)  # last: only a complete folder carries it

    write_atomically(dest, write)
    return dest


def _crappify_code():
    """What the images of a crappified folder are made by: a change to any of them is a new key."""
    return (crappify_image, downscale_image, crappify_jpeg, _CrappifyTo)


def scratch_folder(notebook: str, name: str) -> Path:
    """A new, empty folder `name` of this process's own, for what one run derives and nobody else
    reads (05's generated images): no other run can replace it, and it is deleted when the
    notebook's kernel exits."""
    import atexit
    import shutil
    import tempfile

    parent = Path(tempfile.mkdtemp(prefix=f"lesson7-{notebook}-"))
    atexit.register(shutil.rmtree, parent, ignore_errors=True)
    folder = parent / name
    folder.mkdir()
    return folder


class _CrappifyTo:
    """A picklable callable for `parallel`: crappify one file into a fixed folder."""

    def __init__(self, folder: Path, size: int, seed: int, mode: str = "crappify"):
        self.folder, self.size, self.seed, self.mode = folder, size, seed, mode

    def __call__(self, src: Path) -> None:
        _crappify_file(src, self.folder / src.name, self.size, self.seed, self.mode)


# --- images decoded once ----------------------------------------------------------------------


KEEP_MAX_PIXELS = 256 * 256  # the largest image kept decoded (the real pets of full are larger)
_kept: dict[tuple[str, int], Image.Image] = {}  # (path, modification time) -> the decoded image


def decoded(path: Path | str) -> Image.Image:
    """The RGB image at `path`, decoded from its file once per Python process and then kept (a
    copy each call, so nothing downstream can change the kept one). For a DataBlock's `get_x` /
    `get_y`: fastai's `PILImage.create` accepts an image as well as a path, and small images read
    every epoch cost more to open and decode than to train on. A file rewritten since (a new
    modification time) is decoded again; an image over KEEP_MAX_PIXELS (the lesson's photos on
    `full`, thousands of them) is decoded every time instead of filling the memory."""
    path = Path(path)
    key = (str(path), path.stat().st_mtime_ns)
    img = _kept.get(key)
    if img is None:
        with Image.open(path) as file:
            img = file.convert("RGB")  # as fastai's PILImage.create opens it
        if img.width * img.height <= KEEP_MAX_PIXELS:
            _kept[key] = img
    return img.copy()


def at_working_size(path_hr: Path, files: list[Path], size: int) -> Path:
    """The folder the targets are read from: `path_hr` itself where its photos are already near the
    working size (the offline stand-ins), else copies shrunk once to short side `size` in the cache
    (utils.data.prepared.shrunk; JPEG at quality 95), so that no epoch decodes the big originals
    (the real pets of `full`, about 500x375, trained at 128 or 288 pixels). `Resize(size)` then
    crops the copies as it would have cropped the originals."""
    from .data.prepared import shrunk

    path_hr, files = Path(path_hr), [Path(f) for f in files]
    sample = files[:: max(1, len(files) // 20)][:20]
    sides = []
    for f in sample:
        with Image.open(f) as img:  # the header only
            sides.append(min(img.size))
    if not sides or float(np.median(sides)) <= 1.5 * size:
        return path_hr
    if any(f.parent != path_hr for f in files):
        raise ValueError(f"at_working_size: every file must lie in {path_hr} itself (targets are "
                         "found by name there)")
    return shrunk(files, path_hr, size)[0].parent


# --- a U-Net that starts from its input --------------------------------------------------------


# --- colour-safe conversions and metrics ---------------------------------------------------------


def denormalize(t: torch.Tensor, mean=IMAGENET_MEAN, std=IMAGENET_STD) -> torch.Tensor:
    """Undo ImageNet normalisation of a (C, H, W) or (N, C, H, W) tensor: values back in [0, 1]."""
    shape = (-1, 1, 1)
    m, s = torch.tensor(mean).view(shape), torch.tensor(std).view(shape)
    return (t.detach().float().cpu() * s + m).clamp(0, 1)


def held_out_by_photo(files: list[Path], preset: str = "auto", seed: int = 42,
                      valid_pct: float = 0.1) -> dict[str, bool]:
    """Which photos are held out, keyed by file stem (so a generated PNG of a photo is keyed like
    its JPEG). The real pets: a random `valid_pct` of the files, each its own photo. The offline
    stand-in: every crop of its held-out photos, so no held-out crop overlaps a training crop."""
    from .data import resolve_source
    from .data.standins import pets as pets_standin

    if resolve_source("auto", preset) == "offline":
        return {f.stem: pets_standin.is_held_out(f) for f in files}
    draws = np.random.default_rng(seed).random(len(files))
    return {f.stem: bool(v) for f, v in zip(files, draws < valid_pct)}


def check_colours(dls, path_hr: Path, size: int, through_png: bool = False) -> str:
    """Assert that the first held-out original comes back pixel for pixel from the loader's
    normalised target through `to_pil` (and, with `through_png`, a PNG file written and read back,
    as the critic's images are), and that pure red stays red; say so in a sentence."""
    from fastai.vision.all import PILImage, Resize

    original = PILImage.create(Path(path_hr) / dls.valid_ds.items[0].name)
    target = Resize(size, resamples=(Image.BICUBIC, Image.BICUBIC))(original, split_idx=1)
    back = to_pil(dls.valid.one_batch()[1][0])  # the loader's normalised target, turned back
    steps = "file -> loader -> normalised tensor -> to_pil"
    if through_png:
        buf = io.BytesIO()
        back.save(buf, format="PNG")
        back = Image.open(io.BytesIO(buf.getvalue()))
        steps += " -> PNG -> file"
    if not np.array_equal(np.asarray(back), np.asarray(target)):
        raise AssertionError(f"the pixels changed on the way ({steps})")
    red = Image.new("RGB", (4, 4), (255, 0, 0))
    if to_pil(from_pil(red)).getpixel((0, 0)) != (255, 0, 0):
        raise AssertionError("pure red did not stay red through from_pil and to_pil")
    return f"colours round-trip exactly: {steps} gives the same pixels"


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


def predict_images(model: nn.Module, dl) -> list[Image.Image]:
    """Run `model` (in eval mode, without gradients) on every batch of `dl`: the outputs as images.

    For a DataLoader of ImageNet-normalised images; the outputs are denormalised, so colours are
    right. The model's train/eval mode is restored afterwards.
    """
    was_training, images = model.training, []
    model.eval()
    try:
        with torch.no_grad():
            for xb, *_ in dl:
                images += [to_pil(p) for p in model(xb).as_subclass(torch.Tensor)]
    finally:
        model.train(was_training)
    return images


def held_out_losses(loss_func, dl, models: dict) -> dict[str, float]:
    """For each named model, the mean of `loss_func(output, target)` over every item of `dl`, the
    output being `model(x)` (in eval mode, without gradients) or, for a model given as None, the
    input x itself (for the super-res loaders, bicubic upsampling). Each model's train/eval mode
    is restored afterwards."""
    modes = {name: m.training for name, m in models.items() if m is not None}
    totals, count = dict.fromkeys(models, 0.0), 0
    try:
        for m in models.values():
            if m is not None:
                m.eval()
        with torch.no_grad():
            for xb, yb in dl:
                xb, yb = xb.as_subclass(torch.Tensor), yb.as_subclass(torch.Tensor)
                outs = [xb if m is None else m(xb).as_subclass(torch.Tensor)
                        for m in models.values()]
                losses = [float(loss_func(out, yb)) for out in outs]
                for name, loss in zip(models, losses, strict=True):
                    totals[name] += float(loss) * len(xb)
                count += len(xb)
    finally:
        for name, training in modes.items():
            models[name].train(training)
    return {name: total / count for name, total in totals.items()}


def inputs_and_targets(dl) -> tuple[list[Image.Image], list[Image.Image]]:
    """Every (input, target) pair of `dl`, ImageNet-normalised, as two lists of images."""
    inputs, targets = [], []
    for xb, yb in dl:
        inputs += [to_pil(x) for x in xb]
        targets += [to_pil(y) for y in yb]
    return inputs, targets


def score_images(images: dict[str, list[Image.Image]], targets: list[Image.Image]) -> dict:
    """PSNR and SSIM of each named list of images against `targets`: name -> array (n, 2)."""
    return {name: np.array([psnr_ssim(p, t) for p, t in zip(ims, targets, strict=True)])
            for name, ims in images.items()}


def crappified_pairs_figure(originals: list[Path], folder_lr: Path, n: int = 6):
    """`n` originals, evenly spaced in the list, under their crappified copies in `folder_lr`."""
    import matplotlib.pyplot as plt

    fig, axs = plt.subplots(2, n, figsize=(2 * n, 5.0), squeeze=False)
    for (ax_lr, ax_hr), f in zip(axs.T, originals[:: max(1, len(originals) // n)][:n]):
        small, big = Image.open(Path(folder_lr) / f.name), Image.open(f)
        ax_lr.imshow(small), ax_lr.set_title(f"crappified ({small.size[0]} px)", fontsize=9)
        ax_hr.imshow(big), ax_hr.set_title(f"original ({big.size[0]} px)", fontsize=9)
    for ax in axs.flat:
        ax.axis("off")
    fig.suptitle("Crappify: shrink, write a number, save as JPEG at that quality")
    fig.tight_layout()
    return fig


def comparison_figure(columns: dict[str, list[Image.Image]], scores: dict, rows: list[int],
                      title: str, row_labels: list[str] | None = None):
    """A grid of images: one row per index in `rows`, one column per entry of `columns`.

    A column with scores gets its PSNR and SSIM in each title; one without (the original) its name.
    `row_labels`, if given, names each row, written upright at its left.
    """
    import matplotlib.pyplot as plt

    fig, axs = plt.subplots(len(rows), len(columns), figsize=(2.5 * len(columns), 2.6 * len(rows)),
                            squeeze=False)
    for r, i in enumerate(rows):
        for c, (name, ims) in enumerate(columns.items()):
            label = (f"{name}\n{scores[name][i, 0]:.1f} dB, SSIM {scores[name][i, 1]:.2f}"
                     if name in scores else name)
            axs[r, c].imshow(ims[i]), axs[r, c].set_title(label, fontsize=9)
            axs[r, c].axis("off")
        if row_labels is not None:
            axs[r, 0].text(-0.06, 0.5, row_labels[r], transform=axs[r, 0].transAxes, rotation=90,
                           ha="right", va="center", fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
