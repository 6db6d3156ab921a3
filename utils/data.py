"""Dataset roots for the lesson: the real data through fastai's `untar_data`, or an offline stand-in
built into a local cache in exactly the same on-disk layout, so notebook code is the same for both.

Adding a dataset is two steps: a module in `utils/standins/` with `build(dest)` (writes the stand-in
into an empty folder), `DESCRIPTION` and `VERSION`, and here a `Dataset.with_standin(...)` entry
plus a one-line function.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .presets import resolve_preset
from .standins import camvid as camvid_standin
from .standins import human_numbers as human_numbers_standin
from .standins import lsun_bedrooms as lsun_bedrooms_standin
from .standins import mnist as mnist_standin
from .standins import pets as pets_standin

CACHE_ENV = "LESSON7_CACHE"
SOURCE_ENV = "LESSON7_SOURCE"  # what source="auto" means when set: `make check-full` sets offline
SOURCES = ("auto", "fastai", "offline")
MANIFEST = ".lesson7-manifest.json"


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


# --- the mechanism shared by every dataset -------------------------------------------------------


def cache_dir() -> Path:
    """Where offline stand-ins live: $LESSON7_CACHE, else ~/.cache/lesson7."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "lesson7").expanduser()


def pretty_path(path: Path) -> str:
    """A path as a reader should see it: under ~ rather than the machine's home folder."""
    path, home = Path(path).resolve(), Path.home().resolve()
    return f"~/{path.relative_to(home)}" if path.is_relative_to(home) else str(path)


def resolve_source(source: str, preset: str = "auto") -> str:
    """`fastai` or `offline`. `auto` means $LESSON7_SOURCE when it is set, else it follows the
    preset: fastai for `full`, offline otherwise."""
    if source not in SOURCES:
        raise ValueError(f"Unknown data source {source!r}. Valid sources: {', '.join(SOURCES)}.")
    if source != "auto":
        return source
    from_env = os.environ.get(SOURCE_ENV, "").strip().lower()
    if from_env not in ("", *SOURCES):
        raise ValueError(f"{SOURCE_ENV}={from_env!r} is not a data source. "
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


def fastai_root(ds: Dataset) -> Path:
    """Download (once) and extract the real dataset with fastai's `untar_data`."""
    from fastai.data.external import URLs, untar_data

    url = getattr(URLs, ds.url_attr)
    try:
        return Path(untar_data(url))
    except Exception as err:
        raise DatasetUnavailable(
            f"Could not get the real {ds.title} from {url} ({type(err).__name__}: {err}). "
            f"This needs internet access. An offline stand-in exists ({ds.offline_description}): "
            f"call {ds.name}(source='offline'), or run the notebook with preset='cpu' "
            f"(or set LESSON7_PRESET=cpu)."
        ) from err


def offline_root(ds: Dataset, verbose: bool = True) -> Path:
    """The stand-in's folder in the cache, built (or rebuilt, if damaged or stale) when needed."""
    dest = cache_dir() / ds.name
    if dest.exists():
        problems = verify(dest, ds)
        if not problems:
            return dest
        if verbose:
            print(f"Offline {ds.title} in {pretty_path(dest)} is damaged or stale "
                  f"({problems[0]}{'...' if len(problems) > 1 else ''}); rebuilding it.")
    elif verbose:
        print(f"Building the offline {ds.title} in {pretty_path(dest)} (once)...")
    build_atomically(ds, dest)
    return dest


def build_atomically(ds: Dataset, dest: Path) -> None:
    """Build the stand-in and write its manifest last, atomically (see `write_atomically`)."""

    def build(tmp: Path) -> None:
        ds.build(tmp)
        write_manifest(tmp, ds)

    write_atomically(dest, build)


def write_atomically(dest: Path, write: Callable[[Path], None]) -> None:
    """Run `write` on a temporary folder beside `dest`, then rename that folder into place.

    An interrupted or failed `write` leaves nothing behind: the temporary folder is removed, and
    `dest` is either the old folder or the complete new one.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(dest)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}-building-", dir=dest.parent))
    try:
        write(tmp)
        if dest.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{dest.name}-old-", dir=dest.parent))
            dest.rename(old / dest.name)
            tmp.rename(dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _remove_stale_temporaries(dest: Path, older_than_s: float = 3600) -> None:
    """Remove temporary folders left by builds that were killed outright (not just interrupted)."""
    for leftover in dest.parent.glob(f".{dest.name}-*-*"):
        if leftover.is_dir() and time.time() - leftover.stat().st_mtime > older_than_s:
            shutil.rmtree(leftover, ignore_errors=True)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != MANIFEST)


def _sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def write_manifest(root: Path, ds: Dataset) -> None:
    """Record every file's size and hash, so a damaged cache can be told from a good one."""
    files = {p.relative_to(root).as_posix(): [p.stat().st_size, _sha1(p)] for p in _files(root)}
    manifest = {"dataset": ds.name, "version": ds.version, "files": files}
    (root / MANIFEST).write_text(json.dumps(manifest, indent=0, sort_keys=True))


def verify(root: Path, ds: Dataset) -> list[str]:
    """Problems with a cached stand-in (empty list when it is intact and current)."""
    try:
        manifest = json.loads((root / MANIFEST).read_text())
    except (OSError, ValueError) as err:
        return [f"no readable manifest ({type(err).__name__})"]
    if manifest.get("dataset") != ds.name or manifest.get("version") != ds.version:
        return [f"built by another version (manifest says {manifest.get('version')!r}, "
                f"code is {ds.version})"]
    problems = []
    for rel, (size, digest) in manifest.get("files", {}).items():
        path = root / rel
        try:
            if path.stat().st_size != size or _sha1(path) != digest:
                problems.append(f"{rel} is corrupted")
        except OSError:
            problems.append(f"{rel} is missing or unreadable")
    if not manifest.get("files"):
        problems.append("the manifest lists no files")
    return problems


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
