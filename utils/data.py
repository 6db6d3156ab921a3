"""Dataset roots for the lesson: the real data through fastai's `untar_data`, or an offline stand-in
built into a local cache in exactly the same on-disk layout, so notebook code is the same for both.

Adding a dataset is two steps: a module in `utils/standins/` with `build(dest)` (writes the stand-in
into an empty folder), `DESCRIPTION` and `VERSION`, and here a `Dataset.with_standin(...)` entry
plus a one-line function.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import sys
import time
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from . import env
from .presets import resolve_preset
from .standins import camvid as camvid_standin
from .standins import human_numbers as human_numbers_standin
from .standins import lsun_bedrooms as lsun_bedrooms_standin
from .standins import mnist as mnist_standin
from .standins import pets as pets_standin

try:
    import fcntl
except ImportError:  # Windows: no locking between processes
    fcntl = None

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

ROOT = Path(__file__).resolve().parent.parent  # a relative $LESSON7_CACHE is relative to this
DOWNLOAD_TIMEOUT_S = 60.0  # a download that receives nothing for this long fails
RETIRED_COPY_GRACE_S = 60.0  # a replaced copy is kept this long for readers still listing it


class CacheError(OSError):
    """The offline cache cannot be written (read-only, not a folder, disk full...)."""


def cache_dir() -> Path:
    """Where offline stand-ins live: $LESSON7_CACHE (relative to the repository's root when it is
    relative, so notebooks, whose working folder is notebooks/, and the runner agree), else
    ~/.cache/lesson7."""
    value = os.environ.get(env.CACHE)
    path = Path(value).expanduser() if value else Path.home() / ".cache" / "lesson7"
    return path if path.is_absolute() else ROOT / path


def pretty_path(path: Path) -> str:
    """A path as a reader should see it: under ~ rather than the machine's home folder."""
    path = Path(os.path.abspath(path))
    for home in (Path.home(), Path.home().resolve()):
        if path.is_relative_to(home):
            return f"~/{path.relative_to(home)}"
    return str(path)


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


def offline_root(ds: Dataset, verbose: bool = True) -> Path:
    """The stand-in's folder in the cache, built (or rebuilt, if damaged or stale) when needed.

    Callers in several processes at once wait for one build and then all use it.
    """
    dest = cache_dir() / ds.name
    try:
        with _locked(dest):
            return _current_or_built(ds, dest, verbose)
    except CacheError:
        if dest.exists() and not verify(dest, ds):  # a read-only cache still serves a good copy
            return dest
        raise


def _current_or_built(ds: Dataset, dest: Path, verbose: bool) -> Path:
    _remove_leftovers(dest, older_than_s=0 if fcntl is not None else 3600)
    if dest.exists():
        problems = verify(dest, ds)
        if not problems:
            return dest
        if verbose:
            print(f"Offline {ds.title} in {pretty_path(dest)} is damaged or stale "
                  f"({problems[0]}{'...' if len(problems) > 1 else ''}); rebuilding it.")
    elif verbose:
        print(f"Building the offline {ds.title} in {pretty_path(dest)} (once)...")
    _check_space(dest, _manifest_bytes(dest))

    def build(tmp: Path) -> None:
        ds.build(tmp)
        write_manifest(tmp, ds)

    _replace(dest, build)
    return dest


def write_atomically(dest: Path, write: Callable[[Path], None]) -> None:
    """Run `write` on a new folder beside `dest`, then swap it into place.

    An interrupted or failed `write` leaves nothing behind: `dest` is either the old folder or the
    complete new one, and never missing once it exists. `dest` is a link to a hidden folder
    beside it (`.<name>-copy-*`), replaced in one step. Concurrent callers take turns.
    """
    with _locked(dest):
        _replace(dest, write)


@contextmanager
def _locked(dest: Path):
    """Hold an exclusive lock on `.<name>.lock` beside `dest` (where the platform has flock)."""
    _cache_op(dest, "create", lambda: dest.parent.mkdir(parents=True, exist_ok=True))
    lock_file = dest.parent / f".{dest.name}.lock"
    fd = _cache_op(dest, "create", lambda: os.open(lock_file, os.O_RDONLY | os.O_CREAT, 0o666))
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _replace(dest: Path, write: Callable[[Path], None]) -> None:
    """`write_atomically` without the lock: the caller holds it."""
    _remove_leftovers(dest, older_than_s=0 if fcntl is not None else 3600)
    tmp = dest.parent / f".{dest.name}-building-{secrets.token_hex(4)}"
    _cache_op(dest, "create", tmp.mkdir)  # not mkdtemp: its 0700 would hide the data from others
    try:
        try:
            write(tmp)
        except OSError as err:
            if err.errno in (errno.ENOSPC, errno.EDQUOT):
                known = _manifest_bytes(dest)
                raise _cache_error(dest, "write", err, needs=known or _bytes(tmp),
                                   exact=bool(known)) from err
            raise
        copy = tmp.rename(dest.parent / tmp.name.replace("-building-", "-copy-"))
    except BaseException:
        _remove(tmp)
        raise
    old = dest.resolve() if dest.is_symlink() else None
    link = dest.parent / f".{dest.name}-link-{secrets.token_hex(4)}"
    try:
        os.symlink(copy.name, link)
        try:
            os.replace(link, dest)  # atomic: readers see the old copy or the new one
        except IsADirectoryError:  # a plain folder from an older version of this code
            old = dest.rename(dest.parent / f".{dest.name}-old-{secrets.token_hex(4)}")
            os.replace(link, dest)
    except OSError:  # no symbolic links here (Windows without the privilege): plain renames
        link.unlink(missing_ok=True)
        if dest.exists():
            old = dest.rename(dest.parent / f".{dest.name}-old-{secrets.token_hex(4)}")
        copy.rename(dest)
    if old is not None and old.name.startswith(f".{dest.name}-old-"):
        _remove(old)  # nobody reads a renamed folder through `dest` any more
    elif old is not None:
        os.utime(old)  # retired now: removed by a later call, after RETIRED_COPY_GRACE_S


def _remove_leftovers(dest: Path, older_than_s: float = 0) -> None:
    """Remove what earlier builds of `dest` left behind: half-built folders of builds that were
    killed, and copies that `dest` no longer links to (once RETIRED_COPY_GRACE_S has passed, so a
    reader that resolved the link just before a swap can finish reading)."""
    live = dest.resolve() if dest.is_symlink() else None
    ours = re.compile(rf"\.{re.escape(dest.name)}-(building|copy|old|link)-\w+")
    for leftover in dest.parent.iterdir():
        match = ours.fullmatch(leftover.name)
        if not match or leftover == live:
            continue
        grace = max(older_than_s, RETIRED_COPY_GRACE_S if match[1] == "copy" else 0)
        if time.time() - leftover.lstat().st_mtime >= grace:
            _remove(leftover)


def _remove(path: Path) -> None:
    """Delete a folder (or link); report what could not be deleted rather than hide it."""
    failed = []
    if path.is_symlink() or path.is_file():
        try:
            path.unlink()
        except OSError as err:
            failed.append(err)
    else:
        if sys.version_info >= (3, 12):
            shutil.rmtree(path, onexc=lambda fn, p, exc: failed.append(exc))
        else:
            shutil.rmtree(path, onerror=lambda fn, p, exc: failed.append(exc[1]))
    if failed:
        warnings.warn(f"Could not delete {path} ({failed[0]}); delete it by hand to free the "
                      f"space.", RuntimeWarning, stacklevel=3)


def _cache_op(dest: Path, action: str, op: Callable):
    try:
        return op()
    except OSError as err:
        raise _cache_error(dest, action, err) from err


def _cache_error(dest: Path, action: str, err: OSError, needs: int | None = None,
                 exact: bool = False) -> CacheError:
    """An error that names the cache folder and says what to do."""
    folder = pretty_path(dest.parent)
    what = (f"Cannot {action} {dest.name} in the cache folder {folder} "
            f"({type(err).__name__}: {err}).")
    if needs is not None:
        what += f" The build needs {'about' if exact else 'more than'} {_size(needs)} free there."
    return CacheError(
        err.errno, f"{what} Set {env.CACHE} to a writable folder with enough space (it is "
        f"{os.environ.get(env.CACHE) or 'not set, so ~/.cache/lesson7 is used'}), or fix the "
        f"folder's permissions. Stand-ins in it can be deleted at any time: they are rebuilt.")


def _size(n: int) -> str:
    return next(f"{n / f:,.1f} {unit}" for f, unit in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB"))
                if n >= f) if n >= 1e3 else f"{n} bytes"


def _bytes(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file())


def _manifest_bytes(dest: Path) -> int:
    """The size of the files that `dest`'s manifest lists (0 if it has no readable manifest)."""
    files = _read_manifest(dest).get("files") or {}
    return sum(entry[0] for entry in files.values())


def _check_space(dest: Path, needed: int) -> None:
    """Fail before building when the cache folder clearly lacks the space (the new copy is built
    beside the old one, which is removed only once the new one is complete)."""
    free = shutil.disk_usage(dest.parent).free
    if needed and free < needed * 1.1:
        raise _cache_error(dest, "rebuild", OSError(errno.ENOSPC, f"{_size(free)} free"),
                           needs=needed, exact=True)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != MANIFEST)


def _sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def write_manifest(root: Path, ds: Dataset) -> None:
    """Record every file's size and hash, so a damaged cache can be told from a good one."""
    files = {p.relative_to(root).as_posix(): [p.stat().st_size, _sha1(p)] for p in _files(root)}
    manifest = {"dataset": ds.name, "version": ds.version, "files": files}
    (root / MANIFEST).write_text(json.dumps(manifest, indent=0, sort_keys=True))


def _read_manifest(root: Path) -> dict:
    """The manifest if it is readable and well-formed, else {}."""
    try:
        manifest = json.loads((root / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or not all(
            isinstance(v, list) and len(v) == 2 and isinstance(v[0], int) and isinstance(v[1], str)
            for v in files.values()):
        return {}
    return manifest


def verify(root: Path, ds: Dataset) -> list[str]:
    """Problems with a cached stand-in (empty list when it is intact and current).

    Folders that the manifest does not know of at the top (what notebooks derive from the data,
    such as the super-res notebooks' `crappy-64/`) are not part of the stand-in and not checked.
    """
    manifest = _read_manifest(root)
    if not manifest:
        return ["no readable, well-formed manifest"]
    if manifest.get("dataset") != ds.name or manifest.get("version") != ds.version:
        return [f"built by another version (manifest says {manifest.get('version')!r}, "
                f"code is {ds.version})"]
    problems = []
    for rel, (size, digest) in manifest["files"].items():
        path = root / rel
        try:
            if path.stat().st_size != size or _sha1(path) != digest:
                problems.append(f"{rel} is corrupted")
        except OSError:
            problems.append(f"{rel} is missing or unreadable")
    if not manifest["files"]:
        problems.append("the manifest lists no files")
    tops = {rel.split("/")[0] for rel in manifest["files"]}
    for top in tops:
        if (root / top).is_dir():
            known = {rel for rel in manifest["files"] if rel.startswith(top + "/")}
            problems += [f"{p.relative_to(root).as_posix()} is not part of the stand-in"
                         for p in _files(root / top) if
                         p.relative_to(root).as_posix() not in known]
    problems += [f"{p.name} is not part of the stand-in" for p in root.iterdir() if p.is_file()
                 and not p.name.startswith(".") and p.name not in manifest["files"]]
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
