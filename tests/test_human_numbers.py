"""The offline human numbers: the published files' counts, spelling, first and last lines, bytes."""

import pytest

from utils import data
from utils.data.standins import human_numbers as hn


@pytest.fixture(scope="module")
def built(build_offline):
    return build_offline(data.human_numbers)


def test_layout_is_that_of_urls_human_numbers(built):
    assert built.name == "human_numbers"
    assert sorted(p.name for p in built.iterdir() if not p.name.startswith(".")) == [
        "train.txt", "valid.txt"]


@pytest.mark.parametrize("name, count, first, last", [
    ("train.txt", 7_999, "one \n", "seven thousand nine hundred ninety nine \n"),
    ("valid.txt", 1_999, "eight thousand one \n", "nine thousand nine hundred ninety nine \n"),
])
def test_counts_and_first_and_last_lines(built, name, count, first, last):
    raw = (built / name).read_bytes()
    assert b"\r" not in raw and raw.isascii() and raw.endswith(b" \n")
    lines = raw.decode().splitlines(keepends=True)
    assert len(lines) == count and lines[0] == first and lines[-1] == last
    assert all(line.endswith(" \n") and "  " not in line for line in lines)


def test_eight_thousand_is_in_neither_file_and_the_stream_matches_fastbook(built):
    lines = [line.strip() for name in ("train.txt", "valid.txt")
             for line in (built / name).read_text().splitlines()]
    assert len(lines) == 9_998 and "eight thousand" not in lines
    tokens = " . ".join(lines).split(" ")
    assert len(tokens) == 63_095 and len(set(tokens)) == 30  # fastbook chapter 12's counts


@pytest.mark.parametrize("n, text", [
    (1, "one"), (12, "twelve"), (20, "twenty"), (45, "forty five"), (100, "one hundred"),
    (110, "one hundred ten"), (1001, "one thousand one"), (3000, "three thousand"),
    (7019, "seven thousand nineteen"), (9999, "nine thousand nine hundred ninety nine"),
])
def test_spelling(n, text):
    assert hn.words(n) == text


def test_words_refuses_numbers_outside_the_dataset():
    for n in (0, 10_000):
        with pytest.raises(ValueError):
            hn.words(n)


def test_two_builds_are_byte_identical_and_last_builds_a_small_variant(tmp_path):
    hn.build(tmp_path / "a")
    hn.build(tmp_path / "b")
    for name in hn.SPLITS:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    hn.build(tmp_path / "small", last=3)
    assert (tmp_path / "small" / "valid.txt").read_text() == (
        "eight thousand one \neight thousand two \neight thousand three \n")
