"""Every notebook's settings table, read as the notebook reads it: batch sizes declared, and the
GPU branch of the dry run (applied here on a CPU) leaving each training loader two batches."""

import json
import re

import pytest
from fastai.learner import defaults

from tools import run
from utils import dry_run, presets, reference

NOTEBOOKS = run.find_notebooks()


def settings_of(path):
    """The notebook's settings table and the `batch_sizes` its `pick` call declares."""
    for cell in json.loads(path.read_text())["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and source.startswith("settings = {"):
            table = source[: source.index("\n}") + 2]
            namespace = {"defaults": defaults}
            exec(table, namespace)  # noqa: S102 (the repository's own notebook)
            declared = re.search(r"pick\(settings, PRESET.*?batch_sizes=(\[.*?\])", source)
            return namespace["settings"], json.loads(declared[1]) if declared else []
    return None, []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_batch_size_setting_is_declared(path):
    settings, declared = settings_of(path)
    if settings is None:
        pytest.skip(f"{path.stem} has no settings table")
    looks_like = {k for k in settings if "batch_size" in k or k.endswith("_bs")}
    assert looks_like == set(declared), f"{path.stem}: declare {sorted(looks_like)} to pick()"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_gpu_dry_run_of_full_leaves_every_training_loader_two_batches(path):
    settings, declared = settings_of(path)
    if settings is None or "n_train" not in settings:
        pytest.skip(f"{path.stem}: no n_train setting (its data is not cut by the dry run)")
    full = presets.pick(settings, "full", batch_sizes=declared)
    dry = dry_run.shorten(full, declared, gpu=True)
    for key in declared:
        if isinstance(dry[key], int) and dry[key] > 0:
            assert dry[key] == full[key], f"{key} is kept on a GPU"
            assert dry["n_train"] // dry[key] >= 2, f"{path.stem}: {key}={dry[key]} leaves " \
                f"{dry['n_train'] // dry[key]} training batches of {dry['n_train']} items"


@pytest.mark.parametrize("notebook", sorted(reference.QUOTED_SETTINGS))
def test_the_settings_a_not_comparable_text_quotes_are_the_notebooks_own(notebook):
    path = next(p for p in NOTEBOOKS if p.stem == notebook)
    settings, declared = settings_of(path)
    for preset, quoted in reference.QUOTED_SETTINGS[notebook].items():
        picked = presets.pick(settings, preset, batch_sizes=declared)
        for key, value in quoted.items():
            assert picked[key] == value, f"utils/reference.py quotes {notebook}'s {key}={value!r}" \
                f" on {preset}; its settings table gives {picked[key]!r}: change the sentence too"
