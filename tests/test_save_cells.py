"""tools.save_cells: the modules written from the notebooks' `#@save` cells are what the cells say,
and the generator refuses what would not make a module."""

import json
import subprocess
import sys

import pytest

from tools import save_cells


def test_every_generated_module_is_what_its_notebook_cells_say():
    done = subprocess.run([sys.executable, "-m", "tools.save_cells", "--check"],
                          capture_output=True, text=True, cwd=save_cells.ROOT, timeout=60)
    assert done.returncode == 0, done.stderr + "\nrun `make save` and commit the modules it writes"


def test_notebooks_01_to_03_are_the_source_of_their_modules():
    modules = save_cells.generated()
    for stem in ("01_resnet_mnist", "02_densenet", "03_unet_camvid"):
        module = save_cells.ROOT / save_cells.MODULES[stem]
        assert module in modules, f"notebooks/{stem}.ipynb has no #@save cells"
        assert modules[module].startswith(f'"""Generated from notebooks/{stem}.ipynb by ')


def test_the_generator_imports_neither_fastai_nor_torch():
    code = ("import sys, tools.save_cells as s; s.generated(); "
            "print(sorted(m for m in ('fastai', 'torch') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=save_cells.ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def write_notebook(root, stem, *sources):
    (root / "notebooks").mkdir(parents=True, exist_ok=True)
    (root / "utils").mkdir(exist_ok=True)
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": source} for source in sources]
    (root / "notebooks" / f"{stem}.ipynb").write_text(json.dumps({"cells": cells}))


@pytest.fixture
def lesson(tmp_path, monkeypatch):
    monkeypatch.setattr(save_cells, "MODULES", {"01_demo": "utils/demo.py"})
    monkeypatch.setattr(save_cells, "RE_EXPORTS", {})
    write_notebook(tmp_path, "01_demo", "#@save\nimport math", "x = 1\nprint(x)",
                   "#@save\ndef area(r):\n    return math.pi * r ** 2\n")
    return tmp_path


def test_marked_cells_are_written_in_order_below_a_header_and_check_mode_catches_an_edit(
        lesson, capsys):
    assert save_cells.main(["--check"], root=lesson) == 1  # not written yet
    assert "utils/demo.py differs" in capsys.readouterr().err
    assert save_cells.main([], root=lesson) == 0
    text = (lesson / "utils/demo.py").read_text()
    assert text == ('"""Generated from notebooks/01_demo.ipynb by `python -m tools.save_cells`:\n'
                    'edit the notebook, not this file.\n"""\n\n'
                    "import math\n\n\ndef area(r):\n    return math.pi * r ** 2\n")
    assert save_cells.main(["--check"], root=lesson) == 0
    (lesson / "utils/demo.py").write_text(text.replace("** 2", "** 3"))  # edited by hand
    assert save_cells.main(["--check"], root=lesson) == 1
    assert "utils/demo.py differs from the #@save cells" in capsys.readouterr().err
    write_notebook(lesson, "01_demo", "#@save\nimport math", "#@save\ndef area(r):\n    return 0\n")
    assert save_cells.main(["--check"], root=lesson) == 1  # the notebook changed, not the module


def test_a_module_whose_notebook_lost_its_marks_is_reported(lesson, capsys):
    assert save_cells.main([], root=lesson) == 0
    write_notebook(lesson, "01_demo", "import math")
    assert save_cells.main(["--check"], root=lesson) == 1
    assert "utils/demo.py is generated, but its notebook has no #@save" in capsys.readouterr().err


def test_a_notebook_without_marks_leaves_its_hand_written_module_alone(lesson):
    write_notebook(lesson, "01_demo", "import math")
    (lesson / "utils/demo.py").write_text("HAND = 1\n")
    assert save_cells.main([], root=lesson) == 0
    assert (lesson / "utils/demo.py").read_text() == "HAND = 1\n"


def test_a_hand_written_module_is_replaced_only_when_it_loses_nothing(lesson, capsys):
    (lesson / "utils/demo.py").write_text("import math\n\n\ndef area(r):\n    return 0\n\n\n"
                                          "def helper():\n    return 1\n")
    assert save_cells.main([], root=lesson) == 2
    assert "utils/demo.py is hand-written and would lose helper" in capsys.readouterr().err
    assert "def helper" in (lesson / "utils/demo.py").read_text()
    (lesson / "utils/demo.py").write_text("import math\n\n\ndef area(r):\n    return 0\n")
    assert save_cells.main([], root=lesson) == 0
    assert (lesson / "utils/demo.py").read_text().startswith('"""Generated from')


@pytest.mark.parametrize("source, message", [
    ("#@save\nmodel = build()\nmodel", "`model` would run whenever the module is imported"),
    ("#@save\nfor i in range(3):\n    pass", "`for i in range(3):` would run"),
    ("#@save\n%time x = 1", "not plain Python"),
    ("#@save utils/other.py\nx = 1", "the marker is exactly '#@save'"),
])
def test_a_marked_cell_that_cannot_be_module_code_is_refused(lesson, capsys, source, message):
    write_notebook(lesson, "01_demo", source)
    assert save_cells.main(["--check"], root=lesson) == 2
    err = capsys.readouterr().err
    assert "notebooks/01_demo.ipynb, cell 0" in err and message in err


def test_marks_in_a_notebook_without_a_module_are_refused(lesson, capsys):
    write_notebook(lesson, "09_new", "#@save\nx = 1")
    assert save_cells.main([], root=lesson) == 2
    assert "09_new.ipynb has #@save cells but no module" in capsys.readouterr().err
