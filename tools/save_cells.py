"""Write the lesson's reusable code from the notebooks into utils/ (d2l's `#@save`).

The notebook is the source. A code cell whose first line is exactly `#@save` holds code that later
notebooks, the tests or an exported learner reuse; this command writes every such cell of a
notebook, in notebook order and without its marker line, into the one module `MODULES` names for
that notebook, below a header that names the notebook. A marked cell holds imports and definitions
only (it runs again whenever the module is imported); what a generated module needs it imports in
a marked import cell, the first marked cell of its notebook.

    python -m tools.save_cells          # (re)write every generated module
    python -m tools.save_cells --check  # exit 1, naming each module that differs from its cells

A notebook without marked cells is skipped, and the module it maps to is left as it is. A
hand-written module is replaced only when nothing it defines would be lost. Reads
notebook JSON and writes text: no fastai, no torch, no Jupyter needed.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = "#@save"

# notebook (stem, in notebooks/) -> the module its #@save cells are written to (relative to ROOT).
# One module per notebook: a later notebook imports an earlier one's code from that module.
MODULES = {
    "01_resnet_mnist": "utils/models.py",
    "02_densenet": "utils/densenet.py",
    "03_unet_camvid": "utils/unet.py",
    "04_wgan_bedroom": "utils/sliced_wasserstein.py",
    "05_superres_gan": "utils/superres_gan.py",
    "06_superres_feature_loss": "utils/feature_loss.py",
    "07_rnn_human_numbers": "utils/regularised_lstm.py",
}

# Lines added at the end of a generated module, for code that still imports a name from it that
# now lives elsewhere. Delete an entry once nothing imports the name from that module.
RE_EXPORTS: dict[str, str] = {}  # module -> lines added after its generated code

HEADER = '''"""Generated from notebooks/{notebook}.ipynb by `python -m tools.save_cells`:
edit the notebook, not this file.
"""
'''


class SaveError(ValueError):
    """A marked cell that cannot become module code; the message names the notebook and cell."""


# top-level statements a marked cell may hold: nothing that does work when the module is imported
_ALLOWED = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
            ast.Assign, ast.AnnAssign)


def marked_cells(notebook: Path) -> list[tuple[int, str]]:
    """(cell index, code without its marker line) of every `#@save` cell of `notebook`."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    found = []
    for index, cell in enumerate(cells):
        source = "".join(cell["source"])
        first, _, rest = source.partition("\n")
        if cell["cell_type"] != "code" or not first.startswith(MARKER):
            continue
        where = f"notebooks/{notebook.name}, cell {index}"
        if first.rstrip() != MARKER:
            raise SaveError(f"{where}: the first line is {first!r}; the marker is exactly "
                            f"{MARKER!r}")
        try:
            tree = ast.parse(rest)
        except SyntaxError as err:
            raise SaveError(f"{where}: not plain Python ({err.msg}, line {err.lineno})") from None
        for node in tree.body:
            docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            if not (isinstance(node, _ALLOWED) or docstring):
                line = rest.splitlines()[node.lineno - 1].strip()
                raise SaveError(f"{where}: `{line}` would run whenever the module is imported; a "
                                f"{MARKER} cell holds imports and definitions only (move the rest "
                                "to the next cell)")
        found.append((index, rest.strip("\n")))
    return found


def module_text(notebook: Path) -> str | None:
    """The module generated from `notebook`'s marked cells (None: it has none)."""
    cells = marked_cells(notebook)
    if not cells:
        return None
    body = "\n\n\n".join(code for _, code in cells)
    module = MODULES.get(notebook.stem, "")
    tail = "\n\n" + RE_EXPORTS[module] if module in RE_EXPORTS else ""
    return HEADER.format(notebook=notebook.stem) + "\n" + body + "\n" + tail


def generated(root: Path = ROOT) -> dict[Path, str]:
    """Each generated module's path -> the text its notebook's marked cells give."""
    out = {}
    for stem, module in MODULES.items():
        notebook = root / "notebooks" / f"{stem}.ipynb"
        text = module_text(notebook) if notebook.exists() else None
        if text is not None:
            out[root / module] = text
    for notebook in sorted((root / "notebooks").glob("*.ipynb")):
        if notebook.stem not in MODULES and marked_cells(notebook):
            raise SaveError(f"notebooks/{notebook.name} has {MARKER} cells but no module: add it "
                            "to MODULES in tools/save_cells.py")
    return out


def stale(root: Path = ROOT) -> list[Path]:
    """Modules that say they are generated but whose notebook no longer has marked cells."""
    wanted = generated(root)
    return [root / module for stem, module in MODULES.items()
            if (root / module).exists() and root / module not in wanted
            and (root / module).read_text(encoding="utf-8").startswith(
                HEADER.format(notebook=stem).splitlines()[0])]


def _defined(text: str) -> set[str]:
    names = set()
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def would_lose(path: Path, text: str) -> list[str]:
    """Names a hand-written module at `path` defines that the generated `text` would not."""
    if not path.exists():
        return []
    old = path.read_text(encoding="utf-8")
    if old.startswith('"""Generated from notebooks/'):
        return []
    return sorted(_defined(old) - _defined(text))


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.save_cells", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a generated module differs from its cells")
    args = parser.parse_args(argv)
    try:
        modules = generated(root)
    except SaveError as err:
        print(f"save_cells: {err}", file=sys.stderr)
        return 2
    differ = [path for path, text in modules.items()
              if not path.exists() or path.read_text(encoding="utf-8") != text]
    left_over = stale(root)
    lost = {path: names for path in differ if (names := would_lose(path, modules[path]))}
    for path, names in lost.items():
        print(f"{path.relative_to(root)} is hand-written and would lose {', '.join(names)}: mark "
              "the cells that define them, or move them to another module first", file=sys.stderr)
    if lost:
        return 2
    if args.check:
        for path in differ:
            print(f"{path.relative_to(root)} differs from the #@save cells of its notebook: run "
                  "`python -m tools.save_cells` (or `make save`) and commit it", file=sys.stderr)
        for path in left_over:
            print(f"{path.relative_to(root)} is generated, but its notebook has no {MARKER} cells "
                  "any more", file=sys.stderr)
        return 1 if differ or left_over else 0
    for path in differ:
        path.write_text(modules[path], encoding="utf-8")
        print(f"wrote {path.relative_to(root)}")
    for path in left_over:
        print(f"{path.relative_to(root)}: its notebook has no {MARKER} cells any more; delete it "
              "or mark the cells again", file=sys.stderr)
    if not differ:
        print(f"{len(modules)} generated modules, all up to date")
    return 1 if left_over else 0


if __name__ == "__main__":
    sys.exit(main())
