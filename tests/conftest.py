"""Fixtures shared by the tests: every offline stand-in built once per session into a cache of the
session's own, and one papermill run of each notebook on `smoke` (started in the background, a few
at a time, as soon as the session's tests need it), which every test about a notebook reads."""

import functools
import json
import os
import subprocess
import sys
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import nbformat
import pytest

from tools import run
from utils import data, env

STANDINS = (data.mnist, data.camvid, data.lsun_bedrooms, data.pets, data.human_numbers)
BASE_ENV = dict(os.environ)  # before any test monkeypatches it: what the background jobs inherit


@dataclass
class SmokeRun:
    notebook: Path  # the executed copy
    record: dict | None  # what record_results saved, None if nothing was recorded
    figures: list[Path]  # figures kept with keep_figure
    error: Exception | None  # why the run stopped early, if it did

    def executed(self):
        return nbformat.read(self.notebook, as_version=4)


class NotebookFailed(RuntimeError):
    """A smoke run that stopped early: papermill's own report of the failing cell."""


def jobs() -> int:
    value = os.environ.get(env.TEST_JOBS, "2")
    if not value.isdigit() or int(value) < 1:
        raise pytest.UsageError(f"{env.TEST_JOBS}={value!r}: give a whole number, 1 or more")
    return int(value)


class Suite:
    """The session's stand-in cache and run folder, and the jobs that fill them: every stand-in
    built once, then each notebook run once, at most `jobs()` builds or runs at a time."""

    def __init__(self, root: Path):
        self.cache, self.out = root / "cache", root / "run"
        (self.out / "logs").mkdir(parents=True)
        self.env = {**BASE_ENV, env.CACHE: str(self.cache), env.RUN_DIR: str(self.out),
                    env.PRESET: "smoke", "OMP_NUM_THREADS": "1"}
        # Builds run in forked processes (torch is imported already), notebooks in papermill
        # subprocesses that threads wait for; each pool holds `jobs()` at most.
        self.builders = ProcessPoolExecutor(jobs(), get_context("fork"), os.environ.update,
                                            ({env.CACHE: str(self.cache)},))
        self.pool = ThreadPoolExecutor(jobs(), thread_name_prefix="smoke")
        self.builds: dict[str, Future] = {}
        self.runs: dict[Path, Future] = {}
        self.procs: set[subprocess.Popen] = set()

    def _call(self, args: list[str], log: Path) -> subprocess.CompletedProcess:
        with subprocess.Popen(args, env=self.env, cwd=run.ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) as proc:
            self.procs.add(proc)
            output = proc.communicate()[0]
            self.procs.discard(proc)
        log.write_text(output)
        return subprocess.CompletedProcess(args, proc.returncode, output)

    def standin(self, dataset) -> Future:
        name = dataset.__name__
        if name not in self.builds:
            build = functools.partial(dataset, source="offline", verbose=False)
            self.builds[name] = self.builders.submit(build)
        return self.builds[name]

    def _run(self, path: Path) -> SmokeRun:
        for build in [self.standin(ds) for ds in STANDINS]:  # a notebook never builds one itself
            build.result()
        executed = self.out / path.name
        done = self._call(
            [sys.executable, "-m", "papermill", str(path), str(executed), "-p", "preset", "smoke",
             "-k", run.kernel_name(), "--cwd", str(path.parent), "--no-progress-bar"],
            self.out / "logs" / f"{path.stem}.txt")
        error = None
        if done.returncode:
            at = done.stdout.rfind("PapermillExecutionError")
            report = done.stdout[at:] if at >= 0 else done.stdout
            error = NotebookFailed(f"{path.name} failed on smoke (log: {self.out / 'logs'}):\n"
                                   f"{report[-4000:]}")
        record_file = self.out / "metrics" / f"{path.stem}.json"
        record = json.loads(record_file.read_text()) if record_file.exists() else None
        figures = sorted((self.out / "figures").glob(f"{path.stem}-*.png"))
        return SmokeRun(executed, record, figures, error)

    def notebook(self, path: Path) -> Future:
        path = Path(path).resolve()
        if path not in self.runs:
            for ds in STANDINS:  # queued before the run, which waits for them
                self.standin(ds)
            self.runs[path] = self.pool.submit(self._run, path)
        return self.runs[path]

    def close(self):
        for future in [*self.builds.values(), *self.runs.values()]:
            future.cancel()
        for proc in list(self.procs):  # an interrupted session: end the jobs it started
            proc.kill()  # a kernel ends with the papermill that started it
        self.pool.shutdown(wait=True)
        self.builders.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="session")
def suite(tmp_path_factory):
    s = Suite(tmp_path_factory.mktemp("suite"))
    yield s
    s.close()


def notebooks_named(item) -> list[Path]:
    """The notebooks a collected test names in its parameters (path, relative path or stem)."""
    known = {nb.stem: nb for nb in run.NOTEBOOKS.glob("*.ipynb")}
    params = getattr(item, "callspec", None)
    values = params.params.values() if params else ()
    return [known[s] for s in (Path(str(v)).stem for v in values) if s in known]


@pytest.fixture(scope="session", autouse=True)
def _start_smoke_runs(request, suite):
    """Queue, before the first test, the smoke run of each notebook that a selected test names,
    so they run while the other tests do."""
    for item in request.session.items:
        if "smoke_run" in item.fixturenames:
            for path in notebooks_named(item):
                suite.notebook(path)


@pytest.fixture(scope="session")
def smoke_run(suite):
    """`smoke_run(path)` is the papermill run of the notebook at `path` on `smoke` (made once)."""
    return lambda path: suite.notebook(path).result()


@pytest.fixture(scope="session")
def build_offline(suite):
    """`build_offline(data.mnist)` is the root of that dataset's offline stand-in, built once per
    session into the session's own cache (not the user's), which the notebooks' runs also read:
    read it, do not change it."""
    return lambda dataset: suite.standin(dataset).result()



@pytest.fixture(autouse=True)
def _fastai_default_callbacks_restored():
    """setup() gives every later Learner its device audit (and a dry run its ShortFit): a test
    that calls it must not leave them to the tests after it."""
    from fastai.learner import defaults

    saved = list(defaults.callbacks)
    yield
    defaults.callbacks[:] = saved
