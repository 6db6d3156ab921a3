"""Numbers a notebook's markdown quotes, and whether the run or a cited source backs each one.

A number in prose must be one the notebook's own committed outputs print, one its code sets (a
setting the reader can see), a published number in `utils/reference.py`, or an entry of ALLOWED
with the reason it needs no backing. Rounding counts: "0.96" is backed by a printed 0.9576 and
"95.8%" by 0.958, but "0.95" is not. Single digits (counts, "two epochs") and years are not checked.

    python -m tools.prose_numbers notebooks/05_superres_gan.ipynb   # lists the unbacked ones
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

# Numbers prose may quote without the run printing them, per notebook ("*" for all), each with why.
ALLOWED: dict[str, dict[str, str]] = {
    "*": {
        "224": "ImageNet's input size, which the pretrained models were trained at",
        "1000": "ImageNet's class count",
        "60,000": "MNIST's training set size",
        "10,000": "MNIST's test set size",
        "28": "MNIST's image side, 28x28",
        "70,000": "MNIST's digits in all (60,000 for training, 10,000 for testing)",
        "2.8": "the fastai version this course is written for",
    },
    "01_resnet_mnist": {
        "0.75": "fastai's default p_affine in aug_transforms: each affine transform's chance",
    },
    "07_rnn_human_numbers": {
        "250,000": "fastai v1's one-cycle default: the final rate is max_lr / (25 x 1e4)",
        "100,000": "fastai 2.8's one-cycle default div_final=1e5",
        "45": "the length of the first batch that course-v3's lecture revision printed (bptt + 25)",
    },
    "01b_resnet_degradation": {
        "26": "a value of deep_blocks suggested under Where next (its 55 weight layers follow)",
        "55": "the weight layers deep_blocks = 26 gives: 3 (stem and head) + 2 x 26",
        "1.96": "the two-sided 5% bound of the standard normal distribution, a textbook constant",
    },
}

# a number, with its % sign, and an "s" that makes it plural ("the 9,000s"); not part of a word
# a number, as above, may end in a multiplier's "x" ("3.2x the floor" backs "3.2× the floor")
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(%?)(?:s|x)?(?![\w])")
_LINK_TARGET = re.compile(r"\]\([^)]*\)|<[^>]+>|https?://\S+")
_HEADING_NUMBER = re.compile(r"^#+\s*\d+b?\s*·", re.M)


@dataclass(frozen=True)
class Quoted:
    text: str  # as written, e.g. "0.96" or "95.8%"
    cell: int  # index of the markdown cell
    context: str  # the words around it

    @property
    def value(self) -> float:
        return float(self.text.rstrip("%").replace(",", ""))

    @property
    def decimals(self) -> int:
        bare = self.text.rstrip("%")
        return len(bare.split(".")[1]) if "." in bare else 0


def _numbers(text: str) -> list[float]:
    return [float(m.group(1).replace(",", "")) for m in _NUMBER.finditer(text)]


def quoted(nb) -> list[Quoted]:
    """Every number in the markdown cells that this check judges (not single digits or years)."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        text = _HEADING_NUMBER.sub("#", _LINK_TARGET.sub(" ", cell.source))
        for m in _NUMBER.finditer(text):
            q = Quoted(m.group(1) + m.group(2), i,
                       text[max(0, m.start() - 40):m.end() + 40].replace("\n", " "))
            if "." not in q.text and not q.text.endswith("%") and (
                    q.value < 10 or (1950 <= q.value <= 2030 and "," not in q.text)):
                continue  # single digits are counts; four-digit years cite papers
            found.append(q)
    return found


def published_text() -> str:
    """Every published number of `utils/reference.py`, with its setup and source text."""
    from utils import reference

    entries = [p for nb in reference.NOTEBOOKS.values() for p in nb.published.values()]
    entries += [v for v in vars(reference).values() if isinstance(v, reference.Published)]
    for value in vars(reference).values():
        if isinstance(value, dict):
            entries += [v for v in value.values() if isinstance(v, reference.Published)]
    return "\n".join(f"{p.value} {p.setup} {p.source}" for p in entries)


def backing(nb) -> list[float]:
    """The numbers the notebook itself shows: its code and its committed text outputs."""
    texts = [published_text()]
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        texts.append(cell.source)
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                texts.append(out.get("text", ""))
            elif "data" in out:
                data = out["data"]
                texts.append(data.get("text/html") or data.get("text/plain", ""))
    return _numbers("\n".join(texts))


def _backs(value: float, q: Quoted) -> bool:
    target, d = q.value, q.decimals
    candidates = [value, value * 100] if q.text.endswith("%") or d > 0 else [value]
    return any(abs(round(c, d) - target) < 10 ** -(d + 3) for c in candidates)


def unbacked(path: Path) -> list[Quoted]:
    """Numbers in `path`'s prose that neither its run, its code, the reference nor ALLOWED back."""
    nb = nbformat.read(path, as_version=4)
    allowed = {**ALLOWED["*"], **ALLOWED.get(path.stem, {})}
    values = backing(nb)
    return [q for q in quoted(nb)
            if q.text.rstrip("%") not in allowed and not any(_backs(v, q) for v in values)]


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(Path("notebooks").glob("*.ipynb"))
    missing = 0
    for path in paths:
        for q in unbacked(path):
            missing += 1
            print(f"{path.name} cell {q.cell}: {q.text!r} in ...{q.context}...")
    print(f"{missing} number(s) in prose that nothing in the run or the reference backs")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
