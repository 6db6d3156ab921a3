"""Fixtures shared by the tests: one papermill run of each notebook on `smoke`, made once per
session and reused by every test that looks at its result; an offline stand-in built into a cache
of its own."""

import json
from dataclasses import dataclass
from pathlib import Path

import nbformat
import papermill
import pytest

from utils import data, run


@dataclass
class SmokeRun:
    notebook: Path  # the executed copy
    record: dict | None  # what record_results saved, None if nothing was recorded
    figures: list[Path]  # figures kept with keep_figure
    error: Exception | None  # why the run stopped early, if it did

    def executed(self):
        return nbformat.read(self.notebook, as_version=4)


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory):
    """`smoke_run(path)` runs the notebook at `path` with papermill on `smoke` (once)."""
    runs: dict[Path, SmokeRun] = {}

    def get(path: Path) -> SmokeRun:
        if path not in runs:
            out = tmp_path_factory.mktemp(path.stem)
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("LESSON7_RUN_DIR", str(out))
                error = None
                try:
                    papermill.execute_notebook(
                        str(path), str(out / path.name), parameters={"preset": "smoke"},
                        kernel_name=run.kernel_name(), cwd=str(path.parent), progress_bar=False)
                except Exception as err:  # the tests that need a full run report it
                    error = err
            record_file = out / "metrics" / f"{path.stem}.json"
            record = json.loads(record_file.read_text()) if record_file.exists() else None
            figures = sorted((out / "figures").glob(f"{path.stem}-*.png"))
            runs[path] = SmokeRun(out / path.name, record, figures, error)
        return runs[path]

    return get


@pytest.fixture(scope="session")
def build_offline(tmp_path_factory):
    """`build_offline(data.mnist)` builds that dataset's offline stand-in into a fresh cache (not
    the user's) and returns its root."""

    def build(dataset):
        folder = tmp_path_factory.mktemp(f"{dataset.__name__}-cache")
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv(data.CACHE_ENV, str(folder))
            return dataset(source="offline", verbose=False)

    return build
