"""The offline cache under faults: concurrent builds and readers, broken manifests, unwritable or
full caches, leftovers of killed builds, permissions, and a download that never gets an answer."""

import errno
import json
import multiprocessing
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from utils import data, env


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(env.CACHE, str(folder))
    return folder


def slow_dataset(version=1, log: Path | None = None, pause=0.2):
    """Three small files, written slowly enough for builds to overlap; each build is logged."""

    def build(dest: Path):
        if log is not None:
            with open(log, "a") as f:
                f.write(f"{os.getpid()}\n")
        (dest / "train").mkdir()
        for name in ("a", "b", "c"):
            (dest / "train" / f"{name}.txt").write_text(name * 10)
        time.sleep(pause)

    return data.Dataset(name="tiny", title="Tiny", url_attr="MNIST", build=build,
                        offline_description="three small files", version=version)


def _build(cache_folder, log, barrier, results):
    os.environ[env.CACHE] = str(cache_folder)
    barrier.wait(timeout=30)
    try:
        root = data.offline_root(slow_dataset(log=log), verbose=False)
        results.put(("ok", (root / "train" / "b.txt").read_text()))
    except Exception as err:  # reported to the test, which fails on it
        results.put(("error", repr(err)))


def _rebuild_versions(cache_folder, versions):
    os.environ[env.CACHE] = str(cache_folder)
    for version in range(2, versions + 2):  # each new version replaces the copy
        data.offline_root(slow_dataset(version=version, pause=0), verbose=False)


def _read_until(root, writer_done, failures, reads):
    n_failed = n = 0
    while not writer_done.is_set() and n < 100_000:
        n += 1
        try:
            names = sorted(p.name for p in (root / "train").iterdir())
            assert names == ["a.txt", "b.txt", "c.txt"], names
            assert (root / "train" / "b.txt").read_text() == "b" * 10
        except (OSError, AssertionError):
            n_failed += 1
    failures.value, reads.value = n_failed, n


def test_concurrent_builds_wait_for_one_build_and_all_use_it(tmp_path):
    ctx = multiprocessing.get_context("fork")
    for trial in range(3):
        folder, log = tmp_path / f"cache{trial}", tmp_path / f"builds{trial}.log"
        barrier, results = ctx.Barrier(3), ctx.Queue()
        procs = [ctx.Process(target=_build, args=(folder, log, barrier, results))
                 for _ in range(3)]
        for p in procs:
            p.start()
        outcomes = [results.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(timeout=30)
        assert outcomes == [("ok", "b" * 10)] * 3
        assert len(log.read_text().split()) == 1  # one build, the others waited and used it
        assert sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock")) == [
            f".tiny-copy-{Path(os.readlink(folder / 'tiny')).name.split('-')[-1]}", "tiny"]


def test_a_reader_never_finds_the_dataset_missing_while_it_is_replaced(cache, monkeypatch):
    root = data.offline_root(slow_dataset(pause=0), verbose=False)
    ctx = multiprocessing.get_context("fork")
    done, failures, reads = ctx.Event(), ctx.Value("i", -1), ctx.Value("i", 0)
    reader = ctx.Process(target=_read_until, args=(root, done, failures, reads))
    writer = ctx.Process(target=_rebuild_versions, args=(cache, 30))
    reader.start()
    writer.start()
    writer.join(timeout=60)
    done.set()
    reader.join(timeout=30)
    assert writer.exitcode == 0 and reader.exitcode == 0
    assert reads.value > 0 and failures.value == 0
    assert json.loads((root / data.MANIFEST).read_text())["version"] == 31
    copies = lambda: [p for p in cache.iterdir() if "-copy-" in p.name]  # noqa: E731
    assert len(copies()) == 31  # replaced copies wait for readers that still list them
    monkeypatch.setattr(data.cache, "RETIRED_COPY_GRACE_S", 0)
    data.offline_root(slow_dataset(version=31), verbose=False)
    assert copies() == [root.resolve()]


# --- manifests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("manifest", [
    "[1, 2, 3]", "null", '"text"', '{"dataset": "tiny", "version": 1, "files": ["train/a.txt"]}',
    '{"dataset": "tiny", "version": 1, "files": {"train/a.txt": "10"}}',
    '{"dataset": "tiny", "version": 1, "files": {"train/a.txt": [10]}}',
])
def test_an_ill_shaped_manifest_means_rebuild(cache, manifest):
    ds = slow_dataset(pause=0)
    root = data.offline_root(ds, verbose=False)
    (root / data.MANIFEST).write_text(manifest)
    assert data.verify(root, ds) == ["no readable, well-formed manifest"]
    data.offline_root(ds, verbose=False)
    assert data.verify(root, ds) == []


SHA = "0" * 40


@pytest.mark.parametrize("files", [
    {"/dev/zero": [10, SHA]}, {"../outside.txt": [10, SHA]}, {"train/../../outside.txt": [10, SHA]},
    {"train/a\u0000.txt": [10, SHA]}, {"": [10, SHA]}, {"train/a.txt": [True, SHA]},
    {"train/a.txt": [-1, SHA]}, {"train/a.txt": [10**15, SHA]}, {"train/a.txt": [10, "abc"]},
    {"/".join(["d"] * 40): [10, SHA]},
], ids=["absolute", "dotdot", "dotdot-inside", "nul", "empty", "bool-size", "negative-size",
        "huge-size", "short-hash", "too-deep"])
def test_a_manifest_key_or_size_that_is_not_plausible_means_rebuild_and_opens_nothing(
        cache, monkeypatch, files):
    ds = slow_dataset(pause=0)
    root = data.offline_root(ds, verbose=False)
    (root / data.MANIFEST).write_text(json.dumps({"dataset": "tiny", "version": 1, "files": files}))
    opened = []
    plain = data.cache._sha1
    monkeypatch.setattr(data.cache, "_sha1", lambda path: opened.append(path) or plain(path))
    assert data.verify(root, ds) == ["no readable, well-formed manifest"]
    assert opened == []
    data.offline_root(ds, verbose=False)
    assert data.verify(root, ds) == []


def test_a_deeply_nested_manifest_means_rebuild(cache):
    ds = slow_dataset(pause=0)
    root = data.offline_root(ds, verbose=False)
    (root / data.MANIFEST).write_text("[" * 100_000 + "]" * 100_000)
    assert data.verify(root, ds) == ["no readable, well-formed manifest"]


def test_a_manifest_entry_that_links_outside_the_dataset_is_not_read(cache, tmp_path, monkeypatch):
    ds = slow_dataset(pause=0)
    root = data.offline_root(ds, verbose=False)
    secret = tmp_path / "secret.txt"
    secret.write_text("not the dataset's")
    (root / "train" / "a.txt").unlink()
    (root / "train" / "a.txt").symlink_to(secret)
    opened = []
    plain = data.cache._sha1
    monkeypatch.setattr(data.cache, "_sha1", lambda path: opened.append(path) or plain(path))
    assert "train/a.txt points outside the dataset" in data.verify(root, ds)
    assert all(path.resolve() != secret.resolve() for path in opened)


def test_extra_files_are_noticed_but_folders_derived_beside_the_data_are_not(cache):
    ds = slow_dataset(pause=0)
    root = data.offline_root(ds, verbose=False)
    (root / "crappy-64").mkdir()  # what the super-res notebooks write next to the images
    (root / "crappy-64" / "a.png").write_bytes(b"derived")
    assert data.verify(root, ds) == []
    (root / "train" / "d.txt").write_text("stray")
    (root / "notes.txt").write_text("stray")
    assert sorted(data.verify(root, ds)) == ["notes.txt is not part of the stand-in",
                                             "train/d.txt is not part of the stand-in"]
    data.offline_root(ds, verbose=False)
    assert not (root / "train" / "d.txt").exists() and data.verify(root, ds) == []


# --- unwritable and full caches ----------------------------------------------------------------


def _refuse_writes_under(folder: Path, monkeypatch):
    """Make creating anything under `folder` fail as on a read-only filesystem (chmod alone does
    not stop root)."""
    mkdir, open_ = os.mkdir, os.open

    def guarded_mkdir(path, *args, **kwargs):
        if Path(path).is_relative_to(folder):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return mkdir(path, *args, **kwargs)

    def guarded_open(path, flags, *args, **kwargs):
        if flags & os.O_CREAT and Path(path).is_relative_to(folder) and not Path(path).exists():
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return open_(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", guarded_mkdir)
    monkeypatch.setattr(os, "open", guarded_open)


def test_a_read_only_cache_serves_a_good_copy_and_explains_a_missing_one(cache, monkeypatch):
    ds = slow_dataset(pause=0)
    root = data.offline_root(ds, verbose=False)
    (cache / ".tiny.lock").unlink()  # so even the lock cannot be created
    _refuse_writes_under(cache, monkeypatch)
    assert data.offline_root(ds, verbose=False) == root
    other = data.Dataset("other", "Other", "MNIST", ds.build, "x")
    with pytest.raises(data.CacheError) as err:
        data.offline_root(other, verbose=False)
    for part in (env.CACHE, str(cache), "Read-only", "writable folder"):
        assert part in str(err.value)


def test_a_cache_variable_that_names_a_file_is_explained(tmp_path, monkeypatch):
    not_a_folder = tmp_path / "cache.txt"
    not_a_folder.write_text("a file")
    monkeypatch.setenv(env.CACHE, str(not_a_folder))
    with pytest.raises(data.CacheError, match=f"cache folder {not_a_folder}.*{env.CACHE}"):
        data.offline_root(slow_dataset(pause=0), verbose=False)


def test_a_relative_cache_variable_is_relative_to_the_repository(monkeypatch):
    monkeypatch.setenv(env.CACHE, "some-cache")
    monkeypatch.chdir(data.cache.ROOT / "notebooks")  # the working folder of a notebook's kernel
    assert data.cache_dir() == data.cache.ROOT / "some-cache"


def test_a_rebuild_without_space_says_how_much_it_needs(cache, monkeypatch):
    ds = slow_dataset(pause=0)
    root = data.offline_root(ds, verbose=False)
    (root / "train" / "a.txt").write_text("damaged!!!")
    full = shutil._ntuple_diskusage(total=1, used=1, free=5)
    monkeypatch.setattr(data.cache.shutil, "disk_usage", lambda path: full)
    needs = r"5 bytes free.*needs about 30 bytes free there.*LESSON7_CACHE"
    with pytest.raises(data.CacheError, match=needs):
        data.offline_root(ds, verbose=False)
    assert (root / "train" / "b.txt").exists()  # the damaged copy is still there


def test_a_disk_that_fills_up_during_a_build_is_explained_and_cleaned_up(cache):
    def fills_up(dest: Path):
        (dest / "half.bin").write_bytes(b"x" * 3_000_000)
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(data.CacheError, match=r"No space left.*more than 3.0 MB.*LESSON7_CACHE"):
        data.offline_root(data.Dataset("tiny", "Tiny", "MNIST", fills_up, "x"), verbose=False)
    assert [p.name for p in cache.iterdir()] == [".tiny.lock"]


# --- leftovers and permissions -----------------------------------------------------------------


def test_leftovers_of_killed_builds_are_removed_by_the_next_call(cache):
    ds = slow_dataset(pause=0)
    data.offline_root(ds, verbose=False)
    for name in (".tiny-building-1a2b3c4d", ".tiny-old-a1b2c3", ".tiny-copy-deadbeef"):
        (cache / name / "train").mkdir(parents=True)  # fresh: no waiting an hour
        (cache / name / data.cache.OWNER).write_text("ours")
    (cache / ".tiny-building-0e0e0e0e").mkdir()  # killed before it wrote its marker: empty
    retired = time.time() - data.cache.RETIRED_COPY_GRACE_S - 1
    os.utime(cache / ".tiny-copy-deadbeef", (retired, retired))
    (cache / ".tinyish-building-1a2b").mkdir()  # another dataset's: kept
    data.offline_root(ds, verbose=False)
    left = sorted(p.name for p in cache.iterdir() if p.name.startswith("."))
    assert left == sorted([".tiny.lock", os.readlink(cache / "tiny"), ".tinyish-building-1a2b"])


def test_folders_named_like_leftovers_but_not_made_here_are_kept(cache):
    ds = slow_dataset(pause=0)
    data.offline_root(ds, verbose=False)
    theirs = cache / ".tiny-old-a1b2c3"  # a learner's folder, no owner marker, no manifest
    (theirs / "notes").mkdir(parents=True)
    (theirs / "notes" / "mine.txt").write_text("keep me")
    retired = time.time() - 7200
    os.utime(theirs, (retired, retired))
    data.offline_root(ds, verbose=False)
    assert (theirs / "notes" / "mine.txt").read_text() == "keep me"


def test_a_folder_the_project_did_not_make_is_never_replaced(cache):
    """Pointing the cache at ~/.fastai/data must not delete fastai's real downloads."""
    real = cache / "tiny"
    (real / "train").mkdir(parents=True)
    (real / "train" / "real.txt").write_text("a real download")
    with pytest.raises(data.ForeignFolder, match=r"tiny was not made by this project.*left as it is"
                       r".*LESSON7_CACHE"):
        data.offline_root(slow_dataset(pause=0), verbose=False)
    assert (real / "train" / "real.txt").read_text() == "a real download"
    assert sorted(p.name for p in cache.iterdir()) == [".tiny.lock", "tiny"]


def test_a_link_of_the_learners_own_is_not_replaced(cache, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cache.mkdir()
    (cache / "tiny").symlink_to(elsewhere)
    with pytest.raises(data.ForeignFolder):
        data.offline_root(slow_dataset(pause=0), verbose=False)
    assert (cache / "tiny").resolve() == elsewhere.resolve()


def test_a_cache_reached_through_a_link_keeps_its_live_copy(tmp_path, monkeypatch):
    """macOS's /tmp and many cluster homes are links: the live copy must be recognised anyway."""
    real, linked = tmp_path / "real", tmp_path / "linked"
    real.mkdir()
    linked.symlink_to(real)
    monkeypatch.setenv(env.CACHE, str(linked / "cache"))
    ds = slow_dataset(pause=0)
    root = data.offline_root(ds, verbose=False)
    copy = root.resolve()
    long_ago = time.time() - 7200
    os.utime(copy, (long_ago, long_ago), follow_symlinks=False)
    again = data.offline_root(ds, verbose=False)
    assert again.resolve() == copy and (again / "train" / "b.txt").read_text() == "b" * 10


def test_a_leftover_that_cannot_be_removed_is_reported(cache, monkeypatch):
    (cache / ".tiny-old-a1b2c3").mkdir(parents=True)
    (cache / ".tiny-old-a1b2c3" / data.cache.OWNER).write_text("ours")

    def refuse(path, onerror=None, onexc=None):
        err = PermissionError(errno.EACCES, "Permission denied", str(path))
        onexc(os.rmdir, path, err) if onexc else onerror(os.rmdir, path, (type(err), err, None))

    monkeypatch.setattr(data.cache.shutil, "rmtree", refuse)
    with pytest.warns(RuntimeWarning, match=r"Could not delete .*\.tiny-old-a1b2c3.*by hand"):
        data.offline_root(slow_dataset(pause=0), verbose=False)


def test_dataset_folders_are_as_readable_as_the_umask_allows(cache):
    old = os.umask(0o022)
    try:
        root = data.offline_root(slow_dataset(pause=0), verbose=False)
    finally:
        os.umask(old)
    assert root.resolve().stat().st_mode & 0o777 == 0o755
    assert (root / "train").stat().st_mode & 0o777 == 0o755


# --- downloads ---------------------------------------------------------------------------------


@pytest.fixture
def silent_server():
    """A local server that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held, stop = [], threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    for conn in held:
        conn.close()
    server.close()


def test_a_stalled_download_fails_with_the_usual_message(silent_server, tmp_path, monkeypatch):
    from fastai.data.external import URLs

    monkeypatch.setenv("FASTAI_HOME", str(tmp_path / "fastai"))
    monkeypatch.setattr(URLs, "MNIST", f"http://127.0.0.1:{silent_server}/mnist_png.tgz")
    monkeypatch.setattr(data, "DOWNLOAD_TIMEOUT_S", 1.5)
    outcome = []

    def fetch():
        try:
            data.fastai_root(data.MNIST)
        except Exception as err:
            outcome.append(err)

    thread = threading.Thread(target=fetch, daemon=True)
    thread.start()
    thread.join(timeout=60)  # a hang is the failure this test is about
    assert not thread.is_alive(), "the download hangs"
    [err] = outcome
    assert isinstance(err, data.DatasetUnavailable)
    assert "no answer for 1.5 s" in str(err) and "mnist(source='offline')" in str(err)
