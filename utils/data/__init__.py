"""The lesson's datasets: the real data through fastai's `untar_data`, or an offline stand-in built
into a local cache (`cache.py`) in exactly the same on-disk layout, so notebook code is the same
for both.

Adding a dataset is two steps: a module in `utils/standins/` with `build(dest)` (writes the stand-in
into an empty folder), `DESCRIPTION` and `VERSION`, and here a `Dataset.with_standin(...)` entry
plus a one-line function.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from .. import env
from ..presets import resolve_preset
from .cache import (  # noqa: F401 (re-exported: the cache's public names)
    MANIFEST,
    CacheError,
    ForeignFolder,
    cache_dir,
    offline_root,
    pretty_path,
    verify,
    write_atomically,
)
from .standins import camvid as camvid_standin
from .standins import human_numbers as human_numbers_standin
from .standins import lsun_bedrooms as lsun_bedrooms_standin
from .standins import mnist as mnist_standin
from .standins import pets as pets_standin

SOURCES = ("auto", "fastai", "offline")
DOWNLOAD_TIMEOUT_S = 60.0  # a download that receives nothing for this long fails


class DatasetUnavailable(RuntimeError):
    """The real dataset could not be fetched (no internet, server down, disk full...)."""


@dataclass(frozen=True)
class Dataset:
    name: str  # folder name in the cache, e.g. "mnist"
    title: str  # how messages name it, e.g. "MNIST"
    url_attr: str  # attribute of fastai's `URLs` holding the real dataset, e.g. "MNIST"
    build: Callable[[Path], None]  # writes the offline stand-in into an empty folder
    offline_description: str  # one line on what the stand-in is made of
    version: int = 1  # bump when `build` changes its output, so old caches are rebuilt

    @classmethod
    def with_standin(cls, name: str, title: str, url_attr: str, standin) -> Dataset:
        """A dataset whose offline stand-in is a module of utils/standins (build, DESCRIPTION,
        VERSION)."""
        return cls(name, title, url_attr, standin.build, standin.DESCRIPTION, standin.VERSION)


MNIST = Dataset.with_standin("mnist", "MNIST", "MNIST", mnist_standin)


def mnist(source: str = "auto", preset: str = "auto", verbose: bool = True) -> Path:
    """Root of MNIST: `training/<digit>/*.png` and `testing/<digit>/*.png`."""
    return get_root(MNIST, source, preset, verbose)


LSUN_BEDROOMS = Dataset.with_standin(
    "lsun_bedrooms", "LSUN bedrooms", "LSUN_BEDROOMS", lsun_bedrooms_standin)


def lsun_bedrooms(source: str = "auto", preset: str = "auto", verbose: bool = True) -> Path:
    """Root of LSUN bedrooms: a folder of bedroom photos (JPEG) in nested sub-folders."""
    return get_root(LSUN_BEDROOMS, source, preset, verbose)


HUMAN_NUMBERS = Dataset.with_standin(
    "human_numbers", "Human numbers", "HUMAN_NUMBERS", human_numbers_standin)


def human_numbers(source: str = "auto", preset: str = "auto", verbose: bool = True) -> Path:
    """Root of human numbers: `train.txt` (1 to 7,999) and `valid.txt` (8,001 to 9,999)."""
    return get_root(HUMAN_NUMBERS, source, preset, verbose)


CAMVID = Dataset.with_standin("camvid", "CamVid", "CAMVID", camvid_standin)


def camvid(source: str = "auto", preset: str = "auto", verbose: bool = True) -> Path:
    """Root of CamVid: `images/*.png`, `labels/<stem>_P.png`, `codes.txt`, `valid.txt`."""
    return get_root(CAMVID, source, preset, verbose)


PETS = Dataset.with_standin(
    "pets_superres", "Oxford-IIIT Pets (images, for super-resolution)", "PETS", pets_standin)


def pets(source: str = "auto", preset: str = "auto", verbose: bool = True) -> Path:
    """Root of the pets photos: `images/*.jpg` (offline: photo crops split by source photo)."""
    return get_root(PETS, source, preset, verbose)


# --- where a dataset comes from --------------------------------------------------------------


def resolve_source(source: str, preset: str = "auto") -> str:
    """`fastai` or `offline`. `auto` means $LESSON7_SOURCE when it is set, else it follows the
    preset: fastai for `full`, offline otherwise."""
    if source not in SOURCES:
        raise ValueError(f"Unknown data source {source!r}. Valid sources: {', '.join(SOURCES)}.")
    if source != "auto":
        return source
    from_env = os.environ.get(env.SOURCE, "").strip().lower()
    if from_env not in ("", *SOURCES):
        raise ValueError(f"{env.SOURCE}={from_env!r} is not a data source. "
                         f"Valid sources: {', '.join(SOURCES)}.")
    if from_env in ("fastai", "offline"):
        return from_env
    return "fastai" if resolve_preset(preset) == "full" else "offline"


def get_root(ds: Dataset, source: str = "auto", preset: str = "auto", verbose: bool = True) -> Path:
    """The dataset's root folder, from fastai (real) or from the offline cache (stand-in)."""
    if resolve_source(source, preset) == "fastai":
        root = fastai_root(ds)
        what = f"real data from fastai (URLs.{ds.url_attr})"
    else:
        root = offline_root(ds, verbose)
        what = f"offline stand-in: {ds.offline_description}"
    if verbose:
        print(f"{ds.title}: {what}, in {pretty_path(root)}")
    return root


@contextmanager
def download_timeout(seconds: float):
    """Make fastai's downloads give up after `seconds` without receiving anything (fastdownload
    calls urllib with no timeout at all, so a server that accepts and never answers hangs it)."""
    import fastdownload.core

    plain = fastdownload.core.download_url
    fastdownload.core.download_url = partial(plain, timeout=seconds)
    try:
        yield
    finally:
        fastdownload.core.download_url = plain


def fastai_root(ds: Dataset) -> Path:
    """Download (once) and extract the real dataset with fastai's `untar_data`."""
    from fastai.data.external import URLs, untar_data

    url = getattr(URLs, ds.url_attr)
    try:
        with download_timeout(DOWNLOAD_TIMEOUT_S):
            return Path(untar_data(url))
    except Exception as err:
        reason = f"{type(err).__name__}: {err}"
        if isinstance(err, TimeoutError) or isinstance(getattr(err, "reason", None), TimeoutError):
            reason = f"no answer for {DOWNLOAD_TIMEOUT_S:g} s ({reason})"
        raise DatasetUnavailable(
            f"Could not get the real {ds.title} from {url} ({reason}). "
            f"This needs internet access. An offline stand-in exists ({ds.offline_description}): "
            f"call {ds.name}(source='offline'), or run the notebook with preset='cpu' "
            f"(or set LESSON7_PRESET=cpu)."
        ) from err


def subset(files: list[Path], n: int | None, seed: int) -> list[Path]:
    """A reproducible random sample of `n` files with the same share of each class (parent folder)
    as the whole; all files when `n` is None or not smaller than their number."""
    import numpy as np

    files = sorted(files)
    if n is None or n >= len(files):
        return files
    if n < 1:
        raise ValueError(f"Subset size must be at least 1, got {n}.")
    rng = np.random.default_rng(seed)
    by_class: dict[str, list[Path]] = {}
    for f in files:
        by_class.setdefault(f.parent.name, []).append(f)
    # largest-remainder allocation, so the class counts add up to exactly n
    shares = {c: n * len(fs) / len(files) for c, fs in by_class.items()}
    counts = {c: int(s) for c, s in shares.items()}
    for c in sorted(shares, key=lambda c: counts[c] - shares[c])[: n - sum(counts.values())]:
        counts[c] += 1
    chosen = [f for c, fs in by_class.items() for f in rng.permutation(fs)[: counts[c]]]
    return sorted(chosen)
