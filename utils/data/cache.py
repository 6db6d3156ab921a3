"""The offline cache's mechanics: stand-ins built once, swapped in atomically, verified by manifest.

Everything here deletes only what it made: a folder carries the project's manifest or its owner
marker (`OWNER`), and a link points at one of its own copies. Anything else found in the cache is
left alone and named in the error or notice.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import secrets
import shutil
import string
import sys
import time
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from .. import env

if TYPE_CHECKING:
    from . import Dataset

try:
    import fcntl
except ImportError:  # Windows: no locking between processes
    fcntl = None

MANIFEST = ".lesson7-manifest.json"  # a stand-in's files, sizes and hashes
OWNER = ".lesson7-owner"  # written first into every folder the cache builds: "this is ours"
MAX_FILE_BYTES = 1 << 40  # a manifest size above this is not plausible: rebuild


class CacheError(OSError):
    """The offline cache cannot be written (read-only, not a folder, disk full...)."""


class ForeignFolder(RuntimeError):
    """Something the project did not make stands where a stand-in should go; it is left alone."""

ROOT = Path(__file__).resolve().parents[2]  # a relative $LESSON7_CACHE is relative to this
RETIRED_COPY_GRACE_S = 60.0  # a replaced copy is kept this long for readers still listing it


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
    if dest.exists() or dest.is_symlink():
        _refuse_foreign(dest, f"the offline {ds.title}")
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


def is_ours(path: Path) -> bool:
    """True when the project made `path`: a folder with its manifest or owner marker, or a link
    to such a folder beside it (`.<name>-copy-*`). Only what is ours is ever replaced or deleted."""
    if path.is_symlink():
        target = Path(os.readlink(path))
        copy = re.fullmatch(r"\.(.+)-copy-[0-9a-f]+", target.name)
        return (len(target.parts) == 1 and copy is not None and (path.parent / target).is_dir()
                and is_ours(path.parent / target))
    return path.is_dir() and ((path / OWNER).is_file() or (path / MANIFEST).is_file())


def _refuse_foreign(dest: Path, what: str) -> None:
    if not is_ours(dest):
        raise ForeignFolder(
            f"{pretty_path(dest)} was not made by this project (it has no {MANIFEST} or {OWNER}), "
            f"so it is left as it is and {what} cannot go there. Point {env.CACHE} at a folder of "
            f"the project's own (unset, it is ~/.cache/lesson7), or move {pretty_path(dest)} away.")


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
    if dest.exists() or dest.is_symlink():
        _refuse_foreign(dest, "the new copy")
    tmp = dest.parent / f".{dest.name}-building-{secrets.token_hex(4)}"
    _cache_op(dest, "create", tmp.mkdir)  # not mkdtemp: its 0700 would hide the data from others
    try:
        try:
            (tmp / OWNER).write_text(f"made by lesson7 for {dest.name}\n")  # first: marks it ours
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
    reader that resolved the link just before a swap can finish reading). Only folders the project
    marked as its own are removed; the live copy is recognised by its resolved path, so a cache
    reached through a symbolic link (macOS's /tmp, many cluster homes) keeps it."""
    live = dest.resolve() if dest.is_symlink() else None
    ours = re.compile(rf"\.{re.escape(dest.name)}-(building|copy|old|link)-[0-9a-f]+")
    for leftover in dest.parent.iterdir():
        match = ours.fullmatch(leftover.name)
        if not match or (live is not None and leftover.resolve() == live):
            continue
        if match[1] == "link" and not leftover.is_symlink():
            continue
        if match[1] != "link" and not (is_ours(leftover) or match[1] == "building"
                                       and _only_ours_inside(leftover)):
            continue
        grace = max(older_than_s, RETIRED_COPY_GRACE_S if match[1] == "copy" else 0)
        if time.time() - leftover.lstat().st_mtime >= grace:
            _remove(leftover)


def _only_ours_inside(folder: Path) -> bool:
    """A build killed before it wrote its owner marker left an empty folder."""
    return folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir())


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
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name not in (MANIFEST, OWNER))


def _sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def write_manifest(root: Path, ds: Dataset) -> None:
    """Record every file's size and hash, so a damaged cache can be told from a good one."""
    files = {p.relative_to(root).as_posix(): [p.stat().st_size, _sha1(p)] for p in _files(root)}
    manifest = {"dataset": ds.name, "version": ds.version, "files": files}
    (root / MANIFEST).write_text(json.dumps(manifest, indent=0, sort_keys=True))


def _read_manifest(root: Path) -> dict:
    """The manifest if it is readable and well-formed, else {} (which means "rebuild"): its keys
    are relative paths inside the dataset, its sizes plausible whole numbers, its hashes SHA-1."""
    try:
        manifest = json.loads((root / MANIFEST).read_text())
    except (OSError, ValueError, RecursionError):
        return {}
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or not all(
            _safe_key(k) and isinstance(v, list) and len(v) == 2 and type(v[0]) is int
            and 0 <= v[0] <= MAX_FILE_BYTES and isinstance(v[1], str) and len(v[1]) == 40
            and set(v[1]) <= set(string.hexdigits) for k, v in files.items()):
        return {}
    return manifest


def _safe_key(key) -> bool:
    """A manifest key names a file inside the dataset: relative, no `..`, no NUL, not too deep."""
    if not isinstance(key, str) or not key or "\x00" in key or "\\" in key or len(key) > 1024:
        return False
    parts = key.split("/")
    return (not key.startswith("/") and ":" not in parts[0] and len(parts) <= 32
            and all(part not in ("", ".", "..") for part in parts))


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
    inside = root.resolve()
    for rel, (size, digest) in manifest["files"].items():
        path = root / rel
        try:
            if not path.resolve().is_relative_to(inside):
                problems.append(f"{rel} points outside the dataset")
            elif not path.exists():
                problems.append(f"{rel} is missing")
            elif not path.is_file():
                problems.append(f"{rel} is not a regular file")
            elif path.stat().st_size != size or _sha1(path) != digest:
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


