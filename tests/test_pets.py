"""The offline pets stand-in: layout, determinism, and a split by source photo."""

from utils.data.standins import pets

SMALL = {"train": 3, "held_out": 2}


def test_layout_and_counts(tmp_path):
    pets.build(tmp_path, crops=SMALL, size=32)
    files = sorted((tmp_path / "images").iterdir())
    assert {f.suffix for f in files} == {".jpg"}
    n_held = len(pets.HELD_OUT)
    assert len(files) == n_held * SMALL["held_out"] + (len(pets.PHOTOS) - n_held) * SMALL["train"]
    assert {pets.photo_of(f) for f in files} == set(pets.PHOTOS)


def test_two_builds_are_byte_identical(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    pets.build(a, crops=SMALL, size=32)
    pets.build(b, crops=SMALL, size=32)
    fa, fb = sorted((a / "images").iterdir()), sorted((b / "images").iterdir())
    assert [f.name for f in fa] == [f.name for f in fb]
    assert all(x.read_bytes() == y.read_bytes() for x, y in zip(fa, fb))


def test_no_photo_is_in_both_splits(tmp_path):
    pets.build(tmp_path, crops=SMALL, size=32)
    files = list((tmp_path / "images").iterdir())
    train = {pets.photo_of(f) for f in files if not pets.is_held_out(f)}
    held = {pets.photo_of(f) for f in files if pets.is_held_out(f)}
    assert held == set(pets.HELD_OUT) and train and not train & held
