"""Every notebook in notebooks/ (found by globbing): its shape, its committed outputs, and a
papermill run on the `smoke` preset that must record results, reach the headline's floor and
reproduce the committed outputs of the cells tagged `nbval-check-output`."""

import ast
import copy
import difflib
import json
import re
from collections import defaultdict

import nbformat
import pytest
from nbval.plugin import (
    coalesce_streams,
    find_comment_markers,
    find_metadata_tags,
    transform_streams_for_comparison,
)

from tools import run
from utils import reference

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
    assert not nb.metadata.get("papermill"), "strip papermill metadata (tools.run does)"


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
        assert f"{path.stem}-{name}.png" in kept, f"tools.run.GALLERY names {name!r}"


def test_every_notebook_is_in_the_readme_and_its_gallery_images_exist():
    readme = (run.ROOT / "README.md").read_text()
    for path in NOTEBOOKS:
        assert f"notebooks/{path.name}" in readme, f"add {path.name} to the README"
    for image in re.findall(r"\]\((results/gallery/[^)]+\.png)\)", readme):
        assert (run.ROOT / image).exists(), f"{image}: run `make run` on cpu to publish it"


SUPERRES_SCORES = {  # the generators each super-res notebook scores against bicubic, held out
    "05_superres_gan": ["mse", "gan"],
    "06_superres_feature_loss": ["mse", "feature"],
}
SUPERRES_SHARES = {  # a share = 1 - ours / the MSE generator's, on the same held-out photos
    # the last epoch's share (the headline is the mean over the last three epochs, raw outputs)
    "05_superres_gan": ("gan_swd_reduction", "gan_swd", "mse_swd"),
    "06_superres_feature_loss": ("feature_distance_reduction", "feature_feature_distance",
                                 "mse_feature_distance"),  # a sanity check (its own objective)
}
SUPERRES_RANGES = {  # metrics recorded as a mean with the lowest and highest value beside it
    "05_superres_gan": ("gan_swd_reduction_last3_raw",),  # headline: mean of the last three epochs
    # headline: per-photo SWD share, mean over seeds and photos; and pooled over the crops
    "06_superres_feature_loss": ("feature_swd_reduction_photo_mean", "feature_swd_reduction"),
}


@pytest.mark.parametrize("name", SUPERRES_SCORES)
def test_superres_notebooks_score_every_model_on_held_out_photos(name, smoke_run):
    metrics = smoke_run(run.NOTEBOOKS / f"{name}.ipynb").record["metrics"]
    for model in SUPERRES_SCORES[name]:
        # the residual generators start as their input, bicubic: a short run must not break them
        assert metrics[f"{model}_psnr"] > metrics["bicubic_psnr"] - 1.0, (model, metrics)
        assert metrics[f"{model}_ssim"] > metrics["bicubic_ssim"] - 0.05, (model, metrics)
    gain = metrics["mse_psnr"] - metrics["bicubic_psnr"]
    assert metrics["mse_psnr_gain"] == pytest.approx(gain, abs=1e-9)
    share, ours, mse = SUPERRES_SHARES[name]
    assert metrics[share] == pytest.approx(1 - metrics[ours] / metrics[mse])
    for key in SUPERRES_RANGES[name]:
        low, mean, high = (metrics[f"{key}{k}"] for k in ("_min", "", "_max"))
        assert low <= mean <= high, (key, low, mean, high)
    assert metrics["bicubic_swd"] > 0 and metrics[ours] > 0  # bicubic is not the original


def test_superres_gan_trains_a_critic_and_shows_the_gan_images(smoke_run):
    result = smoke_run(run.NOTEBOOKS / "05_superres_gan.ipynb")
    assert 0 <= result.record["metrics"]["critic_accuracy"] <= 1
    kept = {f.name for f in result.figures}
    assert "05_superres_gan-gan-epoch001.png" in kept, "the image grid did not run during the GAN"


# --- regression: the smoke run against the committed outputs, as `pytest --nbval-lax` compares ---

# What nbval leaves out of a comparison (nbval.plugin.IPyNbFile.skip_compare, without nbdime).
SKIP_COMPARE = ("metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
                "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg")


def checks_output(cell) -> bool:
    """nbval --nbval-lax: only cells tagged (or commented) to check their output, not unrun ones."""
    options = dict(find_metadata_tags(cell.metadata))
    options.update(find_comment_markers(cell.source))  # a comment wins over a tag, as in nbval
    return bool(options.get("check") and not options.get("skip") and cell.execution_count)


def comparable(outputs) -> dict[str, list]:
    """Outputs keyed as nbval compares them: streams merged by name, `data` flattened by MIME type,
    the order kept among values of one key only."""
    flat = defaultdict(list)
    for out in transform_streams_for_comparison(coalesce_streams(copy.deepcopy(outputs))):
        for key, value in out.items():
            if key == "data":
                for mime, v in value.items():
                    if mime not in SKIP_COMPARE:
                        flat[mime].append(v)
            elif key not in SKIP_COMPARE:
                flat[key].append(value)
    return flat


def output_differences(committed, executed) -> list[str]:
    """For every checked cell of the `committed` notebook whose outputs in `executed` (the same
    notebook run by papermill, with its injected-parameters cell) differ: where and how."""
    ran = [c for c in executed.cells
           if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])]
    ref = [c for c in committed.cells if c.cell_type == "code"]
    assert [c.source for c in ran] == [c.source for c in ref], "the executed copy has other code"
    problems = []
    for n, (want_cell, got_cell) in enumerate(zip(ref, ran)):
        if not checks_output(want_cell):
            continue
        want, got = comparable(want_cell.outputs), comparable(got_cell.outputs)
        where = f"code cell {n} ({want_cell.source.strip().splitlines()[0][:60]!r})"
        if set(want) != set(got):
            problems.append(f"{where}: output fields {sorted(got)}, committed {sorted(want)}")
            continue
        for key in want:
            if want[key] != got[key]:
                diff = difflib.unified_diff(
                    "\n".join(map(str, want[key])).splitlines(),
                    "\n".join(map(str, got[key])).splitlines(),
                    "committed", "smoke run", lineterm="")
                problems.append(f"{where}: {key!r} differs\n" + "\n".join(diff))
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_checked_outputs_match_the_committed_ones(path, smoke_run):
    result = smoke_run(path)
    if result.error is not None:
        raise result.error
    problems = output_differences(nbformat.read(path, as_version=4), result.executed())
    assert not problems, "\n\n".join(problems)


def fake_notebook(*cells):
    """A notebook of code cells given as (tags, outputs), executed, as nbformat builds them."""
    nb = nbformat.v4.new_notebook()
    for i, (tags, outputs) in enumerate(cells):
        cell = nbformat.v4.new_code_cell(f"x = {i}", execution_count=i + 1, outputs=outputs)
        cell.metadata["tags"] = tags
        nb.cells.append(cell)
    return nb


def stream(text, name="stdout"):
    return nbformat.v4.new_output("stream", name=name, text=text)


def result(text, png="iVBOR"):
    return nbformat.v4.new_output("execute_result", {"text/plain": text, "image/png": png})


def test_only_checked_cells_are_compared_and_a_change_is_shown():
    committed = fake_notebook((["nbval-check-output"], [stream("loss 0.50\n")]),
                              (["nbval-ignore-output"], [stream("7 s\n")]),
                              ([], [stream("untagged\n")]))
    same = fake_notebook((["nbval-check-output"], [stream("loss 0.50\n")]),
                         (["nbval-ignore-output"], [stream("9 s\n")]), ([], [stream("other\n")]))
    assert output_differences(committed, same) == []
    changed = fake_notebook((["nbval-check-output"], [stream("loss 0.75\n")]), ([], []), ([], []))
    [problem] = output_differences(committed, changed)
    assert "code cell 0 ('x = 0')" in problem
    assert "-loss 0.50" in problem and "+loss 0.75" in problem


def test_comparison_merges_streams_and_skips_images_and_counts():
    committed = fake_notebook((["nbval-check-output"], [stream("a\n"), stream("b\n"), result("1")]))
    executed = fake_notebook((["nbval-check-output"], [stream("a\nb\n"), result("1", png="xyz")]))
    executed.cells[0].execution_count = 40
    assert output_differences(committed, executed) == []
    missing = fake_notebook((["nbval-check-output"], [stream("a\nb\n")]))
    assert "output fields ['stdout'], committed ['stdout', 'text/plain']" in (
        output_differences(committed, missing)[0])


def test_the_injected_parameters_cell_is_skipped_and_other_code_is_refused():
    committed = fake_notebook((["parameters"], []), (["nbval-check-output"], [stream("1\n")]))
    executed = fake_notebook((["parameters"], []), (["injected-parameters"], []),
                             (["nbval-check-output"], [stream("2\n")]))
    executed.cells[2].source = "x = 1"
    assert len(output_differences(committed, executed)) == 1
    executed.cells[2].source = "x = 2"
    with pytest.raises(AssertionError, match="other code"):
        output_differences(committed, executed)


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
    call = r"setup\(preset, NOTEBOOK, dry_run, seed(, my_(image|text)=my_\2)?\)"
    assert re.search(call, setup.source), (
        f"{path.name}: the set-up cell calls utils.setup.setup(preset, NOTEBOOK, dry_run, seed)")
    assert len(lines) <= MAX_SETUP_LINES, (
        f"{path.name}: the set-up cell has {len(lines)} non-blank lines (at most "
        f"{MAX_SETUP_LINES}); import what one cell uses in that cell")
    assert "nbval-ignore-output" in setup.metadata.get("tags", [])


MAX_NOTEBOOK_BYTES = 1 << 20  # 1 MiB a notebook with its outputs...
MAX_ALL_BYTES = 5 << 20  # ...and 5 MiB for all of them
OBJECT_REPR = re.compile(r"<[\w.]+(?: object)? at 0x[0-9a-f]+>")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_committed_outputs_are_small_and_clean(path):
    size = path.stat().st_size
    assert size <= MAX_NOTEBOOK_BYTES, f"{size / 2**20:.2f} MiB with outputs: keep figures small"
    for n, cell in enumerate(code_cells(nbformat.read(path, as_version=4))):
        for out in cell.outputs:
            assert not run.is_progress_debris(out), f"code cell {n}: progress-bar debris"
            data = out.get("data", {})
            if 'class="fastprogress"' in "".join(data.get("text/html", "")):
                assert set(data) == {"text/html"}, f"code cell {n}: a progress table stored twice"
            text = "".join(data.get("text/plain", "")) + "".join(out.get("text", ""))
            assert not OBJECT_REPR.search(text), f"code cell {n} prints an object's repr: {text!r}"


def test_all_notebooks_together_fit_the_budget():
    total = sum(path.stat().st_size for path in NOTEBOOKS)
    assert total <= MAX_ALL_BYTES, f"{total / 2**20:.2f} MiB of notebooks"
