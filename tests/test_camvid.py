"""The offline CamVid: CamVid's layout, codes in CamVid's order, the valid split, determinism."""

import numpy as np
import pytest
from PIL import Image

from utils import data, env
from utils.data.standins import camvid
from utils.segmentation import CAMVID_COLOURS, check_folder

SMALL = {"n_images": 10, "size": (30, 40)}  # small builds keep these tests fast


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    dest = tmp_path_factory.mktemp("camvid")
    camvid.build(dest, **SMALL)
    return dest


def test_layout_is_camvids(built):
    assert sorted(p.name for p in built.iterdir()) == ["codes.txt", "images", "labels", "valid.txt"]
    images = sorted(p.stem for p in (built / "images").glob("*.png"))
    labels = sorted(p.stem for p in (built / "labels").glob("*.png"))
    assert len(images) == SMALL["n_images"] and labels == [f"{s}_P" for s in images]


def test_codes_are_camvids_32_classes_in_order(built):
    codes = (built / "codes.txt").read_text().splitlines()
    assert len(codes) == 32 and codes[0] == "Animal" and codes[-1] == "Wall"
    assert codes.index("Void") == 30 and codes.index("Sky") == 21 and codes.index("Road") == 17
    assert codes == sorted(codes, key=str.lower)  # CamVid's codes.txt is in alphabetical order
    assert list(CAMVID_COLOURS) == codes  # figures colour every class the way CamVid does


def test_valid_txt_names_existing_images_of_one_sequence(built):
    valid = (built / "valid.txt").read_text().split()
    assert len(valid) == 2  # 20% of 10
    for name in valid:
        assert (built / "images" / name).exists() and name.startswith(camvid.VALID_SEQUENCE)
    train = {p.name for p in (built / "images").glob("*.png")} - set(valid)
    assert train and not any(n.startswith(camvid.VALID_SEQUENCE) for n in train)


def test_images_are_rgb_and_masks_are_8bit_class_indices_in_range(built):
    assert check_folder(built, camvid.CODES) == SMALL["n_images"]
    seen = set()
    for mask in (built / "labels").glob("*.png"):
        m = Image.open(mask)
        assert m.mode == "L" and m.size == (40, 30)
        seen |= set(np.unique(np.asarray(m)).tolist())
    assert {camvid.C["Sky"], camvid.C["Road"], camvid.C["Building"]} <= seen
    assert seen <= {camvid.C[c] for c in camvid.DRAWN}
    assert Image.open(next((built / "images").glob("*.png"))).mode == "RGB"


def test_two_builds_are_byte_identical_and_seeds_differ(built, tmp_path):
    camvid.build(tmp_path / "again", **SMALL)
    camvid.build(tmp_path / "other", **SMALL, seed=1)
    for path in sorted(p for p in built.rglob("*") if p.is_file()):
        rel = path.relative_to(built)
        assert (tmp_path / "again" / rel).read_bytes() == path.read_bytes(), rel
    first = sorted((built / "images").glob("*.png"))[0].relative_to(built)
    assert (tmp_path / "other" / first).read_bytes() != (built / first).read_bytes()


def test_colour_alone_does_not_give_the_class(tmp_path):
    """Sky, road and buildings have no fixed colour: their mean colours vary between scenes."""
    camvid.build(tmp_path, n_images=12, size=(30, 40))
    means = {c: [] for c in ("Road", "Building", "Sky")}
    for image in (tmp_path / "images").glob("*.png"):
        rgb = np.asarray(Image.open(image), float)
        mask = np.asarray(Image.open(tmp_path / "labels" / f"{image.stem}_P.png"))
        for c in means:
            if (mask == camvid.C[c]).any():
                means[c].append(rgb[mask == camvid.C[c]].mean(0))
    for c, m in means.items():
        assert np.std(m, axis=0).mean() > 10, c


def test_data_layer_builds_camvid_into_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(env.CACHE, str(tmp_path))
    monkeypatch.setattr(data, "CAMVID", data.Dataset(
        name="camvid", title="CamVid", url_attr="CAMVID",
        build=lambda dest: camvid.build(dest, **SMALL), offline_description="small"))
    root = data.get_root(data.CAMVID, source="offline", verbose=False)
    assert root == tmp_path / "camvid" and (root / "valid.txt").exists()
    assert data.verify(root, data.CAMVID) == []
    assert data.camvid.__doc__ and data.CAMVID.url_attr == "CAMVID"
