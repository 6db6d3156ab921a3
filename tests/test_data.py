"""The data layer: the offline MNIST's layout, rebuilds, damage, interruptions and error texts."""

import json
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from utils import data, env


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(env.CACHE, str(folder))
    return folder


@pytest.fixture(scope="module")
def built_mnist(build_offline):
    """One offline MNIST built into its own cache, shared by the tests that only read it."""
    return build_offline(data.mnist)


def tiny_dataset(build=None, version=1):
    def write_three(dest: Path):
        for name in ("a", "b", "c"):
            (dest / "train").mkdir(exist_ok=True)
            (dest / "train" / f"{name}.txt").write_text(name * 10)

    return data.Dataset(name="tiny", title="Tiny", url_attr="MNIST", build=build or write_three,
                        offline_description="three small files", version=version)


# --- the offline MNIST ---------------------------------------------------------------------------


def test_mnist_has_the_layout_and_counts_of_urls_mnist(built_mnist):
    assert built_mnist.name == "mnist"
    assert sorted(p.name for p in built_mnist.iterdir() if p.is_dir()) == ["testing", "training"]
    for split, per_class in (("training", 400), ("testing", 100)):
        counts = Counter(p.parent.name for p in (built_mnist / split).glob("*/*.png"))
        assert counts == {str(d): per_class for d in range(10)}


def test_mnist_images_are_28x28_grayscale_digits(built_mnist):
    image = Image.open(next((built_mnist / "training" / "3").glob("*.png")))
    assert image.size == (28, 28) and image.mode == "L"
    assert 0 < sum(image.getdata()) < 255 * 28 * 28  # neither blank nor saturated


def test_no_digit_is_in_both_splits(built_mnist):
    train = {p.name for p in (built_mnist / "training").rglob("*.png")}
    test = {p.name for p in (built_mnist / "testing").rglob("*.png")}
    assert len(train) == 4000 and len(test) == 1000 and not train & test


def test_two_builds_are_byte_identical(built_mnist, cache):
    again = data.mnist(source="offline", verbose=False)
    assert again != built_mnist
    assert (again / data.MANIFEST).read_bytes() == (built_mnist / data.MANIFEST).read_bytes()
    some = sorted((again / "testing" / "7").glob("*.png"))[:5]
    for path in some:
        assert path.read_bytes() == (built_mnist / path.relative_to(again)).read_bytes()


# --- the cache mechanism -----------------------------------------------------------------------


def test_a_built_dataset_is_reused_not_rebuilt(cache):
    calls = []
    ds = tiny_dataset()
    counting = tiny_dataset(build=lambda dest: (calls.append(1), ds.build(dest)))
    root = data.offline_root(counting, verbose=False)
    data.offline_root(counting, verbose=False)
    assert calls == [1] and data.verify(root, counting) == []


def test_an_interrupted_build_leaves_nothing(cache):
    def interrupted(dest: Path):
        (dest / "half.txt").write_text("half a dataset")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        data.offline_root(tiny_dataset(build=interrupted), verbose=False)
    assert [p.name for p in cache.iterdir()] == [".tiny.lock"]  # the lock file only


def test_a_failed_rebuild_keeps_the_previous_folder(cache):
    root = data.offline_root(tiny_dataset(), verbose=False)
    (root / "train" / "a.txt").unlink()

    def failing(dest: Path):
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        data.offline_root(tiny_dataset(build=failing), verbose=False)
    assert [p.name for p in cache.iterdir() if "building" in p.name] == []
    assert (root / "train" / "b.txt").exists()


@pytest.mark.parametrize("damage", ["delete", "truncate", "corrupt", "manifest"])
def test_a_damaged_cache_is_detected_and_rebuilt(cache, capsys, damage):
    ds = tiny_dataset()
    root = data.offline_root(ds, verbose=False)
    target = root / "train" / "b.txt"
    if damage == "delete":
        target.unlink()
    elif damage == "truncate":
        target.write_text("b")
    elif damage == "corrupt":
        target.write_text("x" * 10)  # same size, other bytes
    else:
        (root / data.MANIFEST).write_text("{not json")
    assert data.verify(root, ds)
    again = data.offline_root(ds, verbose=True)
    assert "rebuilding" in capsys.readouterr().out
    assert again == root and data.verify(root, ds) == []
    assert target.read_text() == "b" * 10


def test_a_cache_from_an_older_builder_is_rebuilt(cache):
    root = data.offline_root(tiny_dataset(version=1), verbose=False)
    assert data.verify(root, tiny_dataset(version=2))
    data.offline_root(tiny_dataset(version=2), verbose=False)
    assert json.loads((root / data.MANIFEST).read_text())["version"] == 2


def test_cache_folder_follows_the_environment_variable(cache):
    assert data.cache_dir() == cache


# --- choosing the source, and errors -----------------------------------------------------------


def test_auto_source_follows_the_preset():
    assert data.resolve_source("auto", "full") == "fastai"
    assert data.resolve_source("auto", "cpu") == "offline"
    assert data.resolve_source("auto", "smoke") == "offline"
    assert data.resolve_source("fastai", "smoke") == "fastai"


def test_unknown_source_lists_the_valid_ones():
    with pytest.raises(ValueError, match="'web'.*auto, fastai, offline"):
        data.resolve_source("web")


def test_an_unreachable_real_dataset_says_how_to_use_the_offline_one(monkeypatch, cache):
    import fastai.data.external

    def no_network(url, *args, **kwargs):
        raise ConnectionError("Name or service not known")

    monkeypatch.setattr(fastai.data.external, "untar_data", no_network)
    with pytest.raises(data.DatasetUnavailable) as err:
        data.mnist(source="fastai")
    message = str(err.value)
    for part in ("MNIST", "mnist_png", "ConnectionError", "offline stand-in",
                 "mnist(source='offline')", "LESSON7_PRESET=cpu"):
        assert part in message
    assert not cache.exists()  # it did not quietly build the offline data instead


def test_subset_is_stratified_and_reproducible(built_mnist):
    files = sorted((built_mnist / "training").rglob("*.png"))
    sample = data.subset(files, 95, seed=1)
    assert len(sample) == 95 and sample == data.subset(files, 95, seed=1)
    assert sample != data.subset(files, 95, seed=2)
    assert set(Counter(p.parent.name for p in sample).values()) == {9, 10}
    assert data.subset(files, None, seed=1) == files
    with pytest.raises(ValueError, match="at least 1"):
        data.subset(files, 0, seed=1)


def test_pretty_path_hides_the_home_folder():
    assert data.pretty_path(Path.home() / ".cache" / "x") == "~/.cache/x"


def test_lesson7_source_decides_what_auto_means(monkeypatch):
    monkeypatch.setenv(env.SOURCE, "offline")
    assert data.resolve_source("auto", "full") == "offline"
    assert data.resolve_source("fastai", "full") == "fastai"  # an explicit source wins
    monkeypatch.setenv(env.SOURCE, "")
    assert data.resolve_source("auto", "full") == "fastai"
    monkeypatch.setenv(env.SOURCE, "web")
    with pytest.raises(ValueError, match="LESSON7_SOURCE='web'"):
        data.resolve_source("auto", "cpu")
