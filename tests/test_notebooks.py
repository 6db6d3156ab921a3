"""Every notebook in notebooks/ (found by globbing): its shape, its committed outputs, and a
papermill run on the `smoke` preset that must record results and reach the headline's floor."""

import ast
import json
import re

import nbformat
import pytest

from utils import reference, run

NOTEBOOKS = sorted(run.NOTEBOOKS.glob("*.ipynb"))
ids = [nb.stem for nb in NOTEBOOKS]


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ is empty"


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_first_code_cell_holds_only_raw_parameters(path):
    first = code_cells(nbformat.read(path, as_version=4))[0]
    assert "parameters" in first.metadata.get("tags", []), "tag the first code cell `parameters`"
    names = {}
    for node in ast.parse(first.source).body:
        assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant), (
            f"parameters cell line {node.lineno}: only `name = <literal>` (papermill does not "
            f"recompute derived values)")
        names[node.targets[0].id] = node.value.value
    assert names.get("preset") == "auto" and isinstance(names.get("seed"), int)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_committed_outputs_come_from_a_clean_cpu_run(path):
    nb = nbformat.read(path, as_version=4)
    assert reference.for_notebook(path.stem), f"add {path.stem} to utils/reference.py"
    text = json.dumps([c.get("outputs", []) for c in code_cells(nb)])
    assert "preset 'cpu'" in text, "commit the notebook with the outputs of a cpu run"
    for cell in code_cells(nb):
        assert not any(o.output_type == "error" for o in cell.outputs), cell.source[:60]
        assert not re.search(r"^\s*[!%]pip\b", cell.source, re.M), "no pip inside notebooks"
    assert not re.search(r"(/work/|/tmp/|/root/|/home/)", text), "machine path in the outputs"
    assert not nb.metadata.get("papermill"), "strip papermill metadata (utils.run does)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_notebook_runs_on_smoke_and_reaches_its_floor(path, smoke_run):
    result = smoke_run(path)
    if result.error is not None:
        raise result.error
    assert result.record is not None, "the last code cell must call record_results"
    ref = reference.for_notebook(path.stem)
    record = result.record
    assert record["preset"] == "smoke" and record["headline"] == ref.headline
    value, floor = record["metrics"][ref.headline], ref.floors["smoke"]
    assert value >= floor if ref.higher_is_better else value <= floor, (
        f"{ref.headline} = {value} does not reach the smoke floor {floor}")
    assert result.figures, "the notebook keeps its figures with keep_figure()"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_gallery_figures_are_kept_by_the_notebook(path, smoke_run):
    names = run.GALLERY.get(path.stem, [])
    kept = {f.name for f in smoke_run(path).figures}
    for name in names:
        assert f"{path.stem}-{name}.png" in kept, f"utils.run.GALLERY names {name!r}"


def test_every_notebook_is_in_the_readme_and_its_gallery_images_exist():
    readme = (run.ROOT / "README.md").read_text()
    for path in NOTEBOOKS:
        assert f"notebooks/{path.name}" in readme, f"add {path.name} to the README"
    for image in re.findall(r"\]\((results/gallery/[^)]+\.png)\)", readme):
        assert (run.ROOT / image).exists(), f"{image}: run `make run` on cpu to publish it"


SUPERRES_SCORES = {  # the images each super-res notebook must score on its held-out photos
    "05_superres_gan": ["bicubic", "mse", "gan"],
    "06_superres_feature_loss": ["bicubic", "mse", "feature"],
}


@pytest.mark.parametrize("name", SUPERRES_SCORES)
def test_superres_notebooks_score_every_model_on_held_out_photos(name, smoke_run):
    metrics = smoke_run(run.NOTEBOOKS / f"{name}.ipynb").record["metrics"]
    for model in SUPERRES_SCORES[name]:
        assert 10 < metrics[f"{model}_psnr"] < 60, f"{model}: PSNR {metrics[f'{model}_psnr']}"
        assert 0 < metrics[f"{model}_ssim"] <= 1, f"{model}: SSIM {metrics[f'{model}_ssim']}"
    gain = metrics["mse_psnr"] - metrics["bicubic_psnr"]
    assert metrics["mse_psnr_gain"] == pytest.approx(gain, abs=1e-9)


def test_superres_gan_trains_a_critic_and_shows_the_gan_images(smoke_run):
    result = smoke_run(run.NOTEBOOKS / "05_superres_gan.ipynb")
    assert 0 <= result.record["metrics"]["critic_accuracy"] <= 1
    kept = {f.name for f in result.figures}
    assert "05_superres_gan-gan-epoch001.png" in kept, "the image grid did not run during the GAN"


MAX_CELL_LINES = 30  # a code cell a reader can hold in their head
MAX_SETUP_LINES = 9  # the set-up cell: the lesson's imports and utils.setup(...)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_cells_are_short_and_set_up_is_one_call(path):
    cells = code_cells(nbformat.read(path, as_version=4))
    for cell in cells:
        n = len(cell.source.splitlines())
        assert n <= MAX_CELL_LINES, (
            f"{path.name}: a code cell of {n} lines (at most {MAX_CELL_LINES}); split it, or move "
            f"plumbing into utils/ behind a named call. It starts: {cell.source[:60]!r}")
    setup = cells[1]  # the cell after the parameters
    lines = [line for line in setup.source.splitlines() if line.strip()]
    assert "setup(preset, NOTEBOOK, dry_run, seed)" in setup.source, (
        f"{path.name}: the set-up cell calls utils.setup.setup(preset, NOTEBOOK, dry_run, seed)")
    assert len(lines) <= MAX_SETUP_LINES, (
        f"{path.name}: the set-up cell has {len(lines)} non-blank lines (at most "
        f"{MAX_SETUP_LINES}); import what one cell uses in that cell")
    assert "nbval-ignore-output" in setup.metadata.get("tags", [])
