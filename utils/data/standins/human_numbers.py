"""Offline human numbers: the words for 1 to 9,999, in the format of `URLs.HUMAN_NUMBERS`."""

from __future__ import annotations

from pathlib import Path

DESCRIPTION = ("the English words for 1 to 7,999 (train.txt) and 8,001 to 9,999 (valid.txt), "
               "generated in the published files' line format (not compared byte for byte)")
VERSION = 1
SPLITS = {"train.txt": (1, 7_999), "valid.txt": (8_001, 9_999)}  # first and last number in each

ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen").split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def words(n: int) -> str:
    """`n` (1 to 9,999) in words, as the dataset spells it: `nine thousand nine hundred ninety nine`
    (no "and", no hyphens)."""
    if not 1 <= n <= 9_999:
        raise ValueError(f"human numbers go from 1 to 9,999, got {n}")
    thousands, rest = divmod(n, 1000)
    hundreds, rest = divmod(rest, 100)
    parts = []
    if thousands:
        parts += [ONES[thousands], "thousand"]
    if hundreds:
        parts += [ONES[hundreds], "hundred"]
    if rest >= 20:
        parts.append(TENS[rest // 10])
        rest %= 10
    if rest:
        parts.append(ONES[rest])
    return " ".join(parts)


def lines(first: int, last: int) -> str:
    """The text of one file: a number a line, each line ending in a space before the newline."""
    return "".join(f"{words(n)} \n" for n in range(first, last + 1))


def build(dest: Path, last: int | None = None) -> None:
    """Write `train.txt` and `valid.txt` under `dest` (Unix line endings, ASCII).

    `last` stops each file after that many numbers (for fast tests); None writes them whole.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for name, (first, final) in SPLITS.items():
        final = final if last is None else min(final, first + last - 1)
        (dest / name).write_bytes(lines(first, final).encode("ascii"))
