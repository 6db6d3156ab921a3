"""The offline LSUN bedrooms: layout, counts, image format, variety and determinism."""

import numpy as np
import pytest
from PIL import Image

from utils import data
from utils.data.standins import lsun_bedrooms


@pytest.fixture(scope="module")
def small_build(tmp_path_factory):
    dest = tmp_path_factory.mktemp("bedrooms")
    lsun_bedrooms.build(dest, n=24)
    return dest


def test_layout_is_a_folder_of_jpegs_in_nested_subfolders(small_build):
    files = sorted(small_build.rglob("*.jpg"))
    assert len(files) == 24
    assert all(len(f.relative_to(small_build).parts) == 3 for f in files)  # <a>/<b>/<name>.jpg
    assert sorted(p for p in small_build.rglob("*") if p.is_file()) == files


def test_images_are_64px_rgb_and_neither_blank_nor_alike(small_build):
    arrays = []
    for f in sorted(small_build.rglob("*.jpg")):
        image = Image.open(f)
        assert image.format == "JPEG" and image.size == (64, 64) and image.mode == "RGB"
        arrays.append(np.asarray(image, dtype=np.float32))
    stack = np.stack(arrays)
    assert stack.std(axis=(1, 2, 3)).min() > 10  # every scene has structure
    assert stack.std(axis=0).mean() > 20  # and the scenes differ from each other
    mean_colours = stack.mean(axis=(1, 2))
    assert mean_colours.std(axis=0).min() > 5  # colours vary between scenes


def test_two_builds_are_byte_identical(small_build, tmp_path):
    lsun_bedrooms.build(tmp_path, n=24)
    for f in sorted(small_build.rglob("*.jpg")):
        assert f.read_bytes() == (tmp_path / f.relative_to(small_build)).read_bytes()


def test_size_argument_and_dataset_entry():
    image = lsun_bedrooms.draw_bedroom(np.random.default_rng([0, 1]), size=32)
    assert image.size == (32, 32)
    assert data.LSUN_BEDROOMS.url_attr == "LSUN_BEDROOMS"
    assert data.LSUN_BEDROOMS.build is lsun_bedrooms.build
    assert data.resolve_source("auto", "cpu") == "offline"
