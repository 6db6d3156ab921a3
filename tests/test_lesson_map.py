"""The README's lesson map stays true: every seed note, tip and paper has a row; every section a
row points to exists in its notebook and executes in the smoke run."""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
# a pointer reads `[01](notebooks/01_resnet_mnist.ipynb) › <heading>`; pointers are separated by `;`
LINK = re.compile(r"\[[^\]]+\]\((notebooks/[^)#]+\.ipynb)\) › ([^;|]+)")

# The items of the lesson summary this project started from: ten notes, ten tips, the papers.
SEED_ITEMS = [
    "Note: GAN", "Note: residual learning", "Note: skip / identity connection", "Note: .no_split",
    "Note: MergeLayer", "Note: dense=True", "Note: U-Net", "Note: parallel", "Note: GANLearner",
    "Note: RNN", *[f"Tip {i}:" for i in range(1, 11)],
    "Paper: Deep Residual Learning", "Paper: Visualizing the Loss Landscape", "Paper: U-Net",
    "Paper: Wasserstein GAN", "Paper: Perceptual Losses", "Paper: convolution arithmetic",
    "Video: basic CNN with batchnorm", "Video: DenseNet question", "Talk: fireside chat",
    "Tool: ipyexperiments",
]


def lesson_map_rows() -> list[tuple[str, str]]:
    text = README.read_text()
    assert "## Lesson map" in text, "README.md needs a '## Lesson map' section"
    section = text.split("## Lesson map", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and line.startswith("|") and not set(cells[0]) <= set("-: "):
            rows.append((cells[0], cells[-1]))
    return rows[1:]  # without the header


def headings(nb) -> list[tuple[int, str, int]]:
    """(level, text, cell index) of every markdown heading."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            for m in re.finditer(r"^(#+)\s+(.+?)\s*$", cell.source, re.M):
                found.append((len(m.group(1)), m.group(2), i))
    return found


def section_cells(nb, heading: str) -> list:
    """The code cells from `heading` to the next heading of the same or a higher level."""
    marks = headings(nb)
    for n, (level, text, start) in enumerate(marks):
        if text == heading:
            end = next((i for lv, _, i in marks[n + 1:] if lv <= level and i > start),
                       len(nb.cells))
            return [c for c in nb.cells[start:end] if c.cell_type == "code"]
    raise AssertionError(f"no heading {heading!r}")


def pointers():
    for item, where in lesson_map_rows():
        for path, heading in LINK.findall(where):
            yield item, path, heading.strip()


def test_every_seed_item_has_a_row():
    items = [item for item, _ in lesson_map_rows()]
    for seed in SEED_ITEMS:
        assert any(item.startswith(seed) for item in items), f"no lesson-map row for {seed!r}"


def test_every_row_points_somewhere_or_says_it_does_not():
    for item, where in lesson_map_rows():
        assert LINK.search(where) or "not demonstrated" in where, (item, where)


@pytest.mark.parametrize("item, path, heading", list(pointers()))
def test_pointed_section_exists(item, path, heading):
    notebook = ROOT / path
    assert notebook.exists(), f"{item}: {path} does not exist"
    nb = nbformat.read(notebook, as_version=4)
    assert heading in [text for _, text, _ in headings(nb)], f"{item}: no heading {heading!r}"


@pytest.mark.parametrize("path", sorted({p for _, p, _ in pointers()}))
def test_pointed_sections_execute_in_the_smoke_run(path, smoke_run):
    executed = smoke_run(ROOT / path).executed()
    for item, p, heading in pointers():
        if p != path:
            continue
        cells = section_cells(executed, heading)
        assert cells, f"{item}: section {heading!r} has no code to run"
        for cell in cells:
            assert cell.execution_count is not None, f"{item}: {heading!r} did not run"
            assert not any(o.output_type == "error" for o in cell.outputs), (item, heading)
