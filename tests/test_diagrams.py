"""The diagrams in images/ are drawn by code, identically every time."""

from utils import diagrams


def test_drawing_twice_gives_the_same_bytes(tmp_path):
    first = diagrams.draw_all(tmp_path / "a")
    second = diagrams.draw_all(tmp_path / "b")
    assert [p.name for p in first] == list(diagrams.DIAGRAMS)
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_every_diagram_is_committed_in_images():
    for name in diagrams.DIAGRAMS:
        assert (diagrams.IMAGES / name).exists(), f"run `make images` to draw {name}"
