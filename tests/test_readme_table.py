"""The README's results table is results/results.json rendered: no number in it is typed in."""

import json
import re
import string

import pytest

from tools import readme_table
from utils import reference


def committed():
    return json.loads(readme_table.RESULTS_JSON.read_text())


def test_the_readme_table_is_results_json_rendered():
    table = readme_table.block(readme_table.README.read_text())
    assert table == readme_table.render(committed()), (
        "README.md's results table differs from results/results.json: run "
        "`python -m tools.readme_table` (make notebooks does it)")


def test_every_number_in_the_measured_columns_is_a_value_of_results_json():
    values = [v for e in committed()["notebooks"] for v in e["metrics"].values()]
    values += [e["seconds"] / 60 for e in committed()["notebooks"]]
    rows = [r for r in readme_table.block(readme_table.README.read_text()).splitlines()
            if r.startswith("| [")]
    assert len(rows) == len(committed()["notebooks"])
    for row in rows:
        cells = row.split(" | ")
        for text in re.findall(r"(?<![\w.])\d[\d,]*(?:\.\d+)?%?", " ".join(cells[1:4])):
            number = float(text.rstrip("%").replace(",", ""))
            decimals = len(text.rstrip("%").split(".")[1]) if "." in text else 0
            scale = 100 if text.endswith("%") else 1
            assert any(abs(round(v * scale, decimals) - number) < 1e-9 for v in values) or (
                number in [f for f in _floors()]), f"{text} in {row[:60]}... is not in results.json"


def _floors():
    return [f for ref in reference.NOTEBOOKS.values() for f in ref.floors.values()]


@pytest.mark.parametrize("name", sorted(readme_table.RESULT))
def test_templates_type_no_number_themselves(name):
    literal = "".join(t[0] for t in string.Formatter().parse(readme_table.RESULT[name]))
    assert not re.findall(r"\d", literal.replace("course-v3", "")), readme_table.RESULT[name]


def test_a_lesson_number_is_shown_only_where_it_compares():
    cpu = readme_table.beside_the_lesson("03_unet_camvid", "cpu")
    assert cpu.startswith("not comparable: ") and "0.9333" not in cpu
    assert "fastai_accuracy_mean 0.9333" in readme_table.beside_the_lesson("03_unet_camvid", "full")
    assert readme_table.beside_the_lesson("01b_resnet_degradation", "cpu") == "none published"


def test_update_rewrites_only_the_table_and_lost_markers_are_named(tmp_path):
    readme, results = tmp_path / "README.md", tmp_path / "results.json"
    results.write_text(json.dumps(committed()))
    readme.write_text(f"intro\n{readme_table.START}\nold\n{readme_table.END}\noutro\n")
    readme_table.update(readme, results)
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith("\noutro\n") and "old" not in text
    assert readme_table.block(text) == readme_table.render(committed())
    readme.write_text("no markers here")
    with pytest.raises(ValueError, match="results-table markers"):
        readme_table.update(readme, results)
