"""Numbers in a notebook's prose come from its run, its code, a cited source or a justified list."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tools import prose_numbers
from tools.run import find_notebooks

NOTEBOOKS = find_notebooks()


def notebook(tmp_path, markdown, printed="", code="x = 1"):
    cell = new_code_cell(code, outputs=[new_output("stream", name="stdout", text=printed)])
    path = tmp_path / "t.ipynb"
    nbformat.write(new_notebook(cells=[new_markdown_cell(markdown), cell]), path)
    return [q.text for q in prose_numbers.unbacked(path)]


def test_rounding_of_a_printed_number_backs_the_prose(tmp_path):
    assert notebook(tmp_path, "accuracy 0.96 and 95.8%", "accuracy 0.9576") == []
    assert notebook(tmp_path, "accuracy 0.95", "accuracy 0.9576") == ["0.95"]
    assert notebook(tmp_path, "a gap of 2.4 times", "ratio 2.43") == []
    assert notebook(tmp_path, "22.4 dB against 25.1", "bicubic 24.22") == ["22.4", "25.1"]
    assert notebook(tmp_path, "numbers in the 6,000s", "6,524") == ["6,000"]  # plural, still judged


def test_code_reference_and_allowed_numbers_need_no_printing(tmp_path):
    assert notebook(tmp_path, "we train for 40 epochs", code="epochs = 40") == []
    assert notebook(tmp_path, "MNIST has 60,000 training digits") == []
    assert notebook(tmp_path, "the lesson's 0.9952", code="") == []  # in utils/reference.py


def test_counts_years_and_link_targets_are_not_judged(tmp_path):
    text = "two or 3 layers, He et al. (2015), [paper](https://arxiv.org/abs/1512.03385)"
    assert notebook(tmp_path, text) == []
    assert notebook(tmp_path, "# 05 · Super-resolution") == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_number_in_the_prose_is_backed(path):
    missing = [f"cell {q.cell}: {q.text!r} in ...{q.context}..." for q in
               prose_numbers.unbacked(path)]
    assert not missing, ("numbers in the prose that the run does not print and "
                         "utils/reference.py does not cite:\n" + "\n".join(missing))
