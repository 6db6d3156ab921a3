"""tools/: the maintainer commands import no fastai (what needs it runs in a child process from
utils/), and utils/ holds what the notebooks import, not the commands."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tools import run

TOOLS = sorted(p.stem for p in (run.ROOT / "tools").glob("*.py") if p.stem != "__init__")


def test_importing_every_tool_leaves_fastai_out():
    code = (f"import importlib, json, sys\nfor name in {TOOLS!r}:\n"
            "    importlib.import_module('tools.' + name)\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'fastai')))")
    done = subprocess.run([sys.executable, "-c", code], cwd=run.ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


@pytest.mark.parametrize("name", TOOLS)
def test_no_tool_imports_fastai_even_inside_a_function(name):
    tree = ast.parse((run.ROOT / "tools" / f"{name}.py").read_text())
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [m for m in imported if m.split(".")[0] == "fastai"]


def test_utils_holds_no_maintainer_command():
    commands = {"run", "site", "bench", "gpu_check", "readme_table", "prose_numbers", "diagrams"}
    assert not commands & {p.stem for p in Path(run.ROOT / "utils").glob("*.py")}
