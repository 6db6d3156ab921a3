"""Use what you trained: export a learner, load it in any process, predict on your own input."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import pickle
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from . import superres
from .results import check_name, run_dir

FORMAT = "lesson7-export"
FORMAT_VERSION = 1
KINDS = ("digit", "segmentation", "superres", "next-word")
ACCEPTED_IMAGES = "a path to an image file PIL can read (PNG, JPEG, ...) or a PIL image"


class ExportError(ValueError):
    """An export that cannot be written or loaded: the message names the file and what to do."""


class InputError(ValueError):
    """An input a model cannot take: the message names it and says what is accepted."""


# --- export and load -----------------------------------------------------------------------------


def export_folder() -> Path:
    """`<run folder>/models` under the runner, else `models/` in the working directory (the
    notebook's folder in JupyterLab); both are ignored by git."""
    folder = run_dir()
    return (folder if folder is not None else Path.cwd()) / "models"


def export_name(notebook: str, preset: str, date: datetime.date | None = None) -> str:
    """`<notebook>-<preset>-<date>.pkl`, e.g. `01_resnet_mnist-cpu-2025-11-27.pkl`."""
    return f"{notebook}-{preset}-{(date or datetime.date.today()).isoformat()}.pkl"


class _RefusingPickler(pickle.Pickler):
    """Refuses what would pickle but not unpickle elsewhere: lambdas, functions or classes defined
    in a notebook cell (`__main__`) or inside another function (fastai issues 3901 and 3532)."""

    def reducer_override(self, obj):
        if isinstance(obj, type) or callable(obj) and hasattr(obj, "__qualname__"):
            module, name = getattr(obj, "__module__", None), getattr(obj, "__qualname__", "")
            if module == "__main__" or "<lambda>" in name or "<locals>" in name:
                where = "a notebook cell" if module == "__main__" else f"{module}"
                raise ExportError(
                    f"the learner holds {name!r}, defined in {where}: a fresh process could not "
                    "load it. Define it as a function or class in a module of utils/ and use that "
                    "(no lambdas), or leave it out of the learner before exporting.")
        return NotImplemented


class _RefusingPickle:
    """A stand-in for the `pickle` module that `torch.save` pickles with."""

    Pickler = _RefusingPickler
    Unpickler = pickle.Unpickler
    __name__ = "pickle"


def _default_callbacks():
    from fastai.callback.core import TrainEvalCallback
    from fastai.callback.progress import ProgressCallback
    from fastai.learner import CastToTensor, Recorder

    return (TrainEvalCallback, Recorder, CastToTensor, ProgressCallback)


@contextmanager
def _locked(folder: Path, create: bool = True):
    """An exclusive lock on `folder` while an export pair is renamed into place or read (a reader
    takes it only where an export made the lock file)."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock; the hash check still catches a mixed pair
        fcntl = None
    if fcntl is None or not create and not (folder / ".export.lock").exists():
        yield
        return
    with open(folder / ".export.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _versions() -> dict:
    import fastai

    return {"fastai": fastai.__version__, "torch": torch.__version__.split("+")[0]}


def export(learn, notebook: str, preset: str, kind: str, info: dict | None = None,
           folder: Path | None = None) -> Path:
    """Export `learn` for prediction as `<folder>/<notebook>-<preset>-<date>.pkl`, with a JSON
    record beside it (`.json`: notebook, preset, kind, versions, the file's hash, `info`).

    Only what prediction needs travels: metrics and callbacks other than fastai's defaults stay
    behind (a metric or callback defined in a notebook cannot be loaded elsewhere), and anything
    else defined in a notebook cell or as a lambda is refused with an error that names it. Written
    to temporary files renamed into place, so a failed export leaves nothing behind.
    """
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r} is not one of {KINDS}")
    try:
        check_name(notebook, "notebook"), check_name(preset, "preset")
    except ValueError as err:
        raise ExportError(f"{err} Exports go into {export_folder()} and nowhere else.") from None
    folder = Path(folder) if folder is not None else export_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / export_name(notebook, preset)
    extra = [cb for cb in learn.cbs if not isinstance(cb, _default_callbacks())]
    metrics = learn.metrics
    learn.remove_cbs(extra)
    learn.metrics = []
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".pkl", dir=folder)
    os.close(fd)
    tmp = Path(tmp)
    try:
        learn.export(tmp, pickle_module=_RefusingPickle)
        record = {"format": FORMAT, "format_version": FORMAT_VERSION, "notebook": notebook,
                  "preset": preset, "kind": kind, "file": path.name,
                  "created": datetime.datetime.now().isoformat(timespec="seconds"),
                  **_versions(), "sha256": _sha256(tmp), "info": info or {}}
        tmp_json = tmp.with_suffix(".json")
        tmp_json.write_text(json.dumps(record, indent=2))
        with _locked(folder):
            os.replace(tmp, path)
            os.replace(tmp_json, path.with_suffix(".json"))
    finally:
        tmp.unlink(missing_ok=True)
        tmp.with_suffix(".json").unlink(missing_ok=True)
        learn.add_cbs(extra)
        learn.metrics = metrics
    return path


def read_record(path: Path | str) -> dict:
    """The JSON record of an export, checked: it must exist, come from `export` and match the file
    byte for byte. Raises ExportError naming the file and saying what to do."""
    path = Path(path)
    if not path.is_file():
        raise ExportError(f"{path}: no such file. Run the notebook to export its model (its last "
                          "section prints the path), then pass that path.")
    sidecar = path.with_suffix(".json")
    untrusted = (f"{path} was not exported by this project ({sidecar.name} beside it is {{}}). "
                 "Loading a learner unpickles it, which can run any code: load only files you "
                 "exported yourself.")
    try:
        record = json.loads(sidecar.read_text())
    except FileNotFoundError:
        raise ExportError(untrusted.format("missing")) from None
    except (OSError, ValueError):
        raise ExportError(untrusted.format("not a record this project wrote")) from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise ExportError(untrusted.format("not a record this project wrote"))
    rerun = f"re-run notebooks/{record.get('notebook', '<notebook>')}.ipynb to export it again"
    if record.get("file") != path.name or record.get("sha256") != _sha256(path):
        raise ExportError(f"{path} has changed since it was exported (its hash or name no "
                          f"longer matches {sidecar.name}); {rerun}.")
    now = _versions()
    old = {k: record.get(k) for k in now}
    same = all(str(old[k]).split(".")[:2] == now[k].split(".")[:2] for k in now)
    if record.get("format_version") != FORMAT_VERSION or not same:
        raise ExportError(
            f"{path} was exported by an older or incompatible run (export format "
            f"{record.get('format_version')}, fastai {old['fastai']}, torch {old['torch']}; this "
            f"environment reads format {FORMAT_VERSION} with fastai {now['fastai']}, torch "
            f"{now['torch']}): {rerun}.")
    return record


def load(path: Path | str):
    """Load an export of this project on the CPU: its record is checked first (see read_record),
    then fastai's `load_learner` unpickles it. The record is kept as `learn.export_record`."""
    from fastai.learner import load_learner

    path = Path(path)
    with _locked(path.parent, create=False):
        record = read_record(path)
        try:
            with warnings.catch_warnings():  # its warning is the README's: load only your own files
                warnings.filterwarnings("ignore", message="load_learner` uses Python's insecure")
                learn = load_learner(path, cpu=True)
        except Exception as err:
            why = f"{type(err).__name__}: {err}"
            if isinstance(err, UnboundLocalError):  # fastai 2.8 swallows the ImportError itself
                why = "a module, class or function it names cannot be imported"
            raise ExportError(
                f"{path} could not be loaded ({why}): it was exported by an "
                f"older or incompatible version of this project; re-run "
                f"notebooks/{record['notebook']}.ipynb to export it again.") from err
    learn.export_record = record
    return learn


def predict(learn, item=None, **kwargs):
    """Predict with a loaded export, whatever its kind; `item=None` uses the kind's default input.

    digit: (label, probability, the 28x28 image the model saw); segmentation: the mask at the
    photo's size; superres: (bicubic, model's output); next-word: the words that follow.
    """
    kind = learn.export_record["kind"]
    if kind == "digit":
        return predict_digit(learn, draw_digit() if item is None else item, **kwargs)
    if kind == "segmentation":
        return segment(learn, street_scene()[0] if item is None else item, **kwargs)
    if kind == "superres":
        return upscale(learn, default_photo() if item is None else item, **kwargs)
    return next_words(learn, "one thousand two hundred" if item is None else item, **kwargs)


# --- inputs --------------------------------------------------------------------------------------


MAX_INPUT_SIDE = 4096  # a larger image is shrunk to this (with a notice): every helper stays small
WIDE_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")  # 16- and 32-bit greyscale


def read_image(source, name: str = "my_image") -> Image.Image:
    """An RGB image from a path, a PIL image or an array, as it is meant to be seen: its EXIF
    orientation applied, 16- and 32-bit greyscale scaled to its real range (not clipped),
    greyscale repeated in three channels, transparency laid over white, and an image larger than
    MAX_INPUT_SIDE shrunk to it with a notice (JPEGs decoded at the smaller size, so memory stays
    bounded). Bad input raises InputError naming `name` and the value."""
    if isinstance(source, np.ndarray):
        try:
            source = Image.fromarray(source)
        except (TypeError, ValueError) as err:
            raise InputError(f"{name} is an array of shape {source.shape} and type {source.dtype}"
                             f" that is not an image ({err}). Give {ACCEPTED_IMAGES}.") from None
    if isinstance(source, Image.Image):
        img = source
    elif isinstance(source, str | os.PathLike):
        img = _open(Path(source).expanduser(), source, name)
    else:
        raise InputError(f"{name} is a {type(source).__name__}; give {ACCEPTED_IMAGES}.")
    if img.width < 1 or img.height < 1:
        raise InputError(f"{name} is an empty image ({img.width}x{img.height} pixels).")
    img = _real_range(img)
    img = ImageOps.exif_transpose(img)
    if max(img.size) > MAX_INPUT_SIDE:
        before = img.size
        img = img.copy()
        img.thumbnail((MAX_INPUT_SIDE, MAX_INPUT_SIDE), Image.LANCZOS)
        print(f"{name}: {before[0]}x{before[1]} pixels, shrunk to {img.width}x{img.height} "
              f"(the largest side used here is {MAX_INPUT_SIDE}).")
    if img.mode in ("RGBA", "LA", "PA") or img.mode == "P" and "transparency" in img.info:
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    return img.convert("RGB")


def _open(path: Path, source, name: str) -> Image.Image:
    if not path.is_file():
        raise InputError(f"{name} = {str(source)!r}: no such file. Give {ACCEPTED_IMAGES}, "
                         "or None for the default input.")
    try:
        with Image.open(path) as opened:
            if max(opened.size) > MAX_INPUT_SIDE:  # JPEG: decode at a fraction of the size
                opened.draft("RGB", (MAX_INPUT_SIDE, MAX_INPUT_SIDE))
            opened.load()
            return opened.copy()
    except Image.DecompressionBombError as err:
        raise InputError(f"{name} = {str(source)!r} is too large to open safely ({err}). Shrink "
                         f"it to at most {MAX_INPUT_SIDE} pixels a side first.") from None
    except (UnidentifiedImageError, OSError, ValueError) as err:
        raise InputError(f"{name} = {str(source)!r} is not an image that can be read "
                         f"({type(err).__name__}). Give {ACCEPTED_IMAGES}.") from None


def _real_range(img: Image.Image) -> Image.Image:
    """16- and 32-bit greyscale as 8-bit, scaled from the range its type holds (PNG's 16 bits open
    as 32-bit "I"; floats are taken as 0 to 1 when they fit), keeping its EXIF."""
    if img.mode not in WIDE_MODES:
        return img
    a = np.asarray(img, dtype=np.float64)
    if not np.isfinite(a).all():
        a = np.nan_to_num(a, nan=0.0, posinf=0.0, neginf=0.0)
    if img.mode == "F":
        top = 1.0 if a.min() >= 0 and a.max() <= 1 else max(a.max(), 1e-12)
        a = np.clip(a, 0, None) / top
    else:
        a = np.clip(a, 0, None) / (65535.0 if a.max() <= 65535 else a.max())
    out = Image.fromarray(np.round(a * 255).astype(np.uint8), "L")
    if "exif" in img.info:
        out.info["exif"] = img.info["exif"]
    exif = img.getexif()
    if exif:
        out.getexif().update(exif)
    return out


def check_inputs(my_image=None, my_text=None) -> None:
    """In a notebook's set-up cell, before any training: the notebook's own input, if one is
    given, is checked now, with the messages the last cell would give after all the training."""
    if my_image is not None:
        read_image(my_image, "my_image")
    if my_text is not None:
        from .data.standins.human_numbers import words

        vocab = sorted({w for n in range(1, 10_000) for w in words(n).split()} | {"."})
        words_in(my_text, vocab, "my_text")


def draw_digit(digit: int = 3, size: tuple[int, int] = (120, 90)) -> Image.Image:
    """A digit drawn by code as a photo of one would look: dark ink on a light page, not 28x28."""
    img = Image.new("RGB", (size[1], size[0]), (235, 232, 225))
    font = ImageFont.load_default(size=int(size[0] * 0.7))
    draw = ImageDraw.Draw(img)
    box = draw.textbbox((0, 0), str(digit), font=font)
    xy = ((size[1] - box[2] - box[0]) / 2, (size[0] - box[3] - box[1]) / 2)
    draw.text(xy, str(digit), fill=(30, 30, 40), font=font)
    return img.rotate(8, resample=Image.BICUBIC, fillcolor=(235, 232, 225))


def street_scene(size: tuple[int, int] = (120, 240), seed: int = 7):
    """A street scene drawn by the CamVid stand-in's code, wider than CamVid's 3:4: (image,
    mask)."""
    from .data.standins.camvid import draw_scene

    image, mask = draw_scene(np.random.default_rng(seed), size)
    return Image.fromarray(image), mask


def default_photo() -> Image.Image:
    """scikit-image's cat photo (451x300 pixels, width x height): a held-out photo of the
    super-res notebooks' data."""
    from skimage import data

    return Image.fromarray(data.chelsea())


# --- digits --------------------------------------------------------------------------------------


def mnist_style(image, name: str = "my_image") -> Image.Image:
    """A photo of one digit as MNIST draws it: greyscale, light ink on black (inverted when the
    background is light), cropped to the ink, scaled to fit 20x20 and centred in 28x28 by its
    centre of mass."""
    grey = np.asarray(read_image(image, name).convert("L"), dtype=np.float32)
    if np.median(_border(grey)) > 127:  # a light page: MNIST's ink is light on black
        grey = 255 - grey
    grey = grey - np.median(_border(grey))  # the background to 0
    grey = np.clip(grey / max(grey.max(), 1e-6), 0, 1)
    ys, xs = np.nonzero(grey > 0.3)
    if len(ys) == 0:
        raise InputError(f"{name}: no digit found (the image is blank or has no contrast). Give a "
                         "photo of one digit, dark on light or light on dark.")
    ink = grey[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    ink = Image.fromarray((ink * 255).astype(np.uint8))
    scale = 20 / max(ink.size)
    ink = ink.resize((max(1, round(ink.width * scale)), max(1, round(ink.height * scale))),
                     Image.LANCZOS)
    a = np.asarray(ink, dtype=np.float32)
    cy, cx = (np.array(np.nonzero(a >= 0)).T * a.reshape(-1, 1)).sum(0) / max(a.sum(), 1e-6)
    canvas = Image.new("L", (28, 28), 0)
    left = min(max(0, round(14 - cx)), 28 - ink.width)  # never cut the ink off
    canvas.paste(ink, (left, min(max(0, round(14 - cy)), 28 - ink.height)))
    return canvas


def _border(a: np.ndarray) -> np.ndarray:
    return np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])


def predict_digit(learn, image, name: str = "my_image"):
    """(predicted digit, its probability, the 28x28 image the model saw) for a photo of a digit."""
    from fastai.vision.core import PILImageBW

    seen = mnist_style(image, name)
    label, idx, probs = learn.predict(PILImageBW(seen))
    return str(label), float(probs[idx]), seen


# --- segmentation --------------------------------------------------------------------------------


def segment(learn, image, name: str = "my_image") -> np.ndarray:
    """The class of every pixel of a photo of any size and aspect ratio: the photo is resized to
    the training size (stretched if its shape differs), and the mask resized back to the photo's
    size (nearest neighbour, so every value stays a class index)."""
    from fastai.vision.core import PILImage

    photo = read_image(image, name)
    h, w = learn.export_record["info"]["size"]
    mask = learn.predict(PILImage(photo.resize((w, h), Image.BILINEAR)))[0]
    small = Image.fromarray(np.asarray(mask, dtype=np.uint8))
    return np.asarray(small.resize(photo.size, Image.NEAREST))


def show_segmentation(photo, mask: np.ndarray, codes, title: str = "", alpha: float = 0.55,
                      truth: np.ndarray | None = None):
    """The photo, and its mask in class colours laid over it (`alpha` of the colour, the rest of
    the photo), with a legend of the classes seen. With `truth` (a mask of the photo's size), a
    third panel lays the true classes over the photo the same way."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from .segmentation import class_colours

    photo = np.asarray(read_image(photo), dtype=np.float32) / 255
    colours = class_colours(codes)
    panels = {"predicted classes, over the photo": mask}
    if truth is not None:
        panels["true classes, over the photo"] = truth
    n = 1 + len(panels)
    fig, axs = plt.subplots(1, n, figsize=(5 * n, 5 * photo.shape[0] / photo.shape[1] + 1))
    axs[0].imshow(photo), axs[0].set_title("photo")
    for ax, (name, classes) in zip(axs[1:], panels.items()):
        ax.imshow((1 - alpha) * photo + alpha * colours[classes])
        ax.set_title(name)
    for ax in axs:
        ax.axis("off")
    seen = sorted(set().union(*[np.unique(m).tolist() for m in panels.values()]))
    fig.legend(handles=[Patch(color=colours[c], label=codes[c]) for c in seen], loc="lower center",
               ncol=min(6, len(seen)), fontsize=8)
    fig.suptitle(title)
    return fig


# --- super-resolution ----------------------------------------------------------------------------


def image_to_image_learner(model, items):
    """A learner around a super-res generator that needs nothing but fastai and this package at
    load time: images in and out, ImageNet-normalised, MSE as its loss (the training loss, a
    feature loss or a critic, stays behind). `items`: a few image files to build it from."""
    from fastai.data.block import DataBlock
    from fastai.learner import Learner
    from fastai.losses import MSELossFlat
    from fastai.vision.augment import Normalize
    from fastai.vision.core import imagenet_stats
    from fastai.vision.data import ImageBlock
    from fastcore.basics import noop

    block = DataBlock(blocks=(ImageBlock, ImageBlock), get_y=noop,
                      batch_tfms=[Normalize.from_stats(*imagenet_stats)])
    dls = block.dataloaders(list(items)[:2], bs=1, num_workers=0)
    return Learner(dls, model, loss_func=MSELossFlat())


def upscale(learn, image, name: str = "my_image", max_side: int = 1024, tile: int = 256,
            margin: int = 16):
    """(bicubic, model output) of a photo upscaled by the export's factor.

    The model runs in tiles of `tile` pixels (each with `margin` pixels of context, cut off after)
    so memory stays bounded whatever the size. An output longer than `max_side` pixels would take
    long on a CPU: the photo is shrunk first so that it fits, and a notice says so.
    """
    photo = read_image(image, name)
    scale = learn.export_record["info"]["scale"]
    out_w, out_h = round(photo.width * scale), round(photo.height * scale)
    if max(out_w, out_h) > max_side:
        shrink = max_side / max(out_w, out_h)
        out_w, out_h = max(1, round(out_w * shrink)), max(1, round(out_h * shrink))
        print(f"{name}: {photo.width}x{photo.height} pixels would upscale to "
              f"{round(photo.width * scale)}x{round(photo.height * scale)}; capped at {max_side} "
              f"px on the long side: the photo is shrunk first, the output is {out_w}x{out_h}")
        photo = photo.resize((max(1, round(out_w / scale)), max(1, round(out_h / scale))),
                             Image.LANCZOS)
    bicubic = photo.resize((out_w, out_h), Image.BICUBIC)
    x = superres.from_pil(bicubic)
    out = torch.empty_like(x)
    model = learn.model.eval()
    with torch.no_grad():
        for top in range(0, out_h, tile):
            for left in range(0, out_w, tile):
                t, lft = max(0, top - margin), max(0, left - margin)
                b, r = min(out_h, top + tile + margin), min(out_w, left + tile + margin)
                y = model(x[None, :, t:b, lft:r]).as_subclass(torch.Tensor)[0]
                inner = y[:, top - t:top - t + min(tile, out_h - top),
                          left - lft:left - lft + min(tile, out_w - left)]
                out[:, top:top + inner.shape[1], left:left + inner.shape[2]] = inner
    return bicubic, superres.to_pil(out)


def show_upscaled(photo, bicubic, result, title: str = "", crop: int = 192):
    """The photo, then the same `crop`-pixel square from its centre upscaled by bicubic and by the
    model, at full resolution: the details a super-resolution model changes are pixels wide."""
    import matplotlib.pyplot as plt

    side = min(crop, result.width, result.height)
    left, top = (result.width - side) // 2, (result.height - side) // 2
    box = (left, top, left + side, top + side)
    fig, axs = plt.subplots(1, 3, figsize=(11, 4))
    for ax, (label, img) in zip(axs, [
            (f"input, {photo.width}x{photo.height}", photo),
            (f"bicubic, {bicubic.width}x{bicubic.height}: centre {side} px", bicubic.crop(box)),
            (f"model, {result.width}x{result.height}: centre {side} px", result.crop(box))]):
        ax.imshow(img, interpolation="nearest"), ax.set_title(label, fontsize=9), ax.axis("off")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


# --- next words ----------------------------------------------------------------------------------


def word_model_learner(model):
    """A learner around a next-word model that needs nothing but fastai and this package at load
    time: a placeholder data pipeline (the model reads word ids; the vocabulary travels in the
    export's record) and cross-entropy as its loss."""
    from fastai.data.core import DataLoaders, TfmdLists
    from fastai.learner import Learner
    from fastai.losses import CrossEntropyLossFlat
    from fastcore.basics import noop

    ids = [(torch.zeros(2, dtype=torch.long), torch.zeros(2, dtype=torch.long))]
    dls = DataLoaders.from_dsets(TfmdLists(ids, noop), TfmdLists(ids, noop), bs=1,
                                 device=torch.device("cpu"))  # exports load and predict on the CPU
    return Learner(dls, model, loss_func=CrossEntropyLossFlat())


def words_in(text, vocab, name: str = "my_text") -> list[str]:
    """The words of `text`, lower-cased, checked against `vocab`; InputError names what is not."""
    if not isinstance(text, str):
        raise InputError(f"{name} is a {type(text).__name__}; give a string of number words, "
                         "such as 'one thousand two hundred'.")
    words = text.lower().replace(",", " . ").split()
    if not words:
        raise InputError(f"{name} is empty; give number words, such as 'one thousand two hundred'.")
    unknown = sorted({w for w in words if w not in vocab})
    if unknown:
        raise InputError(f"{name} = {text!r}: {', '.join(map(repr, unknown))} not in the "
                         f"vocabulary. The model knows these {len(vocab)} words: "
                         f"{' '.join(vocab)}.")
    return words


def next_words(learn, text, name: str = "my_text", n_words: int = 20, stop_after: int = 2) -> str:
    """The words the model writes after `text`, one at a time (the most likely each time), until
    `stop_after` numbers are finished ('.') or `n_words` are written."""
    vocab = learn.export_record["info"]["vocab"]
    ids = [vocab.index(w) for w in words_in(text, vocab, name)]
    model = learn.model.eval()
    model.reset()
    out, dot = [], vocab.index(".")
    with torch.no_grad():
        x = torch.tensor([ids])
        while len(out) < n_words and out.count(dot) < stop_after:
            logits = model(x)
            logits = logits[0] if isinstance(logits, tuple) else logits
            out.append(int(logits[0, -1].argmax()))
            x = torch.tensor([[out[-1]]])
    return " ".join(vocab[i] for i in out)
