"""The diagrams in images/ are drawn by code, identically every time."""

from tools import diagrams


def test_drawing_twice_gives_the_same_bytes(tmp_path):
    first = diagrams.draw_all(tmp_path / "a")
    second = diagrams.draw_all(tmp_path / "b")
    assert len(first) == len(diagrams.DIAGRAMS)
    assert [p.name for p in first] == list(diagrams.DIAGRAMS)
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_committed_images_are_what_the_code_draws(tmp_path):
    for path in diagrams.draw_all(tmp_path):
        committed = diagrams.IMAGES / path.name
        assert committed.exists(), f"run `make images` to draw {path.name}"
        assert committed.read_bytes() == path.read_bytes(), f"{path.name} is stale: make images"
