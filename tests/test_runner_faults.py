"""The runner under faults: interrupted or crashing runs keep what finished, bad arguments are
one-line errors, and only an explicit --publish writes outside runs/."""

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from tools import run


def fake_entry(notebook, out, preset, kernel, env=None):
    return {"name": notebook.stem, "preset": preset, "status": "ok", "seconds": 0.1,
            "date": "today", "metrics": {"score": 1.0}, "reference": {}, "error": None}


@pytest.fixture
def three(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name in ("a", "b", "c"):
        nbformat.write(nbformat.v4.new_notebook(), folder / f"{name}.ipynb")
    return folder


def test_a_crash_of_the_runner_keeps_what_finished(three, tmp_path, monkeypatch):
    out, seen = tmp_path / "run", []

    def crash_on_b(notebook, out_dir, preset, kernel, env=None):
        if notebook.stem == "b":  # by now a's results are on disk, as after a kill
            seen.append(json.loads((out_dir / "results.json").read_text()))
            raise RuntimeError("the runner itself fails")
        return fake_entry(notebook, out_dir, preset, kernel)

    monkeypatch.setattr(run, "run_notebook", crash_on_b)
    with pytest.raises(RuntimeError, match="the runner itself"):
        run.main(["--preset", "smoke", "--notebooks", str(three), "--out", str(out)])
    assert seen[0]["state"] == "running" and seen[0]["not_run"] == ["b", "c"]
    payload = json.loads((out / "results.json").read_text())
    assert payload["state"] == "interrupted" and payload["not_run"] == ["b", "c"]
    assert [e["name"] for e in payload["notebooks"]] == ["a"]
    assert "incomplete (interrupted)" in (out / "RESULTS.md").read_text()


def test_ctrl_c_keeps_what_finished_and_exits_130(three, tmp_path, monkeypatch):
    def interrupt_on_c(notebook, *args):
        if notebook.stem == "c":
            raise KeyboardInterrupt
        return fake_entry(notebook, *args)

    monkeypatch.setattr(run, "run_notebook", interrupt_on_c)
    out = tmp_path / "run"
    assert run.main(["--preset", "smoke", "--notebooks", str(three), "--out", str(out)]) == 130
    payload = json.loads((out / "results.json").read_text())
    assert payload["state"] == "interrupted" and payload["not_run"] == ["c"]
    assert [e["name"] for e in payload["notebooks"]] == ["a", "b"]


def _wait_for(condition, what, seconds=180):
    """Poll until `condition()` holds; the timeout only bounds a broken run, it decides nothing."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _results(out):
    try:
        return json.loads((out / "results.json").read_text())
    except (OSError, ValueError):
        return None


def _start_runner(tmp_path, notebooks):
    folder, out = tmp_path / "notebooks", tmp_path / "run"
    folder.mkdir()
    for name, sources in notebooks.items():
        cells = [nbformat.v4.new_code_cell(source) for source in sources]
        nbformat.write(nbformat.v4.new_notebook(cells=cells), folder / f"{name}.ipynb")
    runner = subprocess.Popen(
        [sys.executable, "-m", "tools.run", "--preset", "smoke", "--notebooks", str(folder),
         "--out", str(out)], cwd=run.ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    return runner, out


def _second_cell_started(copy):
    try:
        nb = nbformat.read(copy, as_version=4)
    except Exception:
        return False
    return nb.cells[0].get("execution_count") is not None


@pytest.mark.parametrize("moment", ["while the second kernel starts", "mid-cell"])
def test_a_runner_interrupted_during_a_notebook_keeps_the_finished_one(tmp_path, moment):
    runner, out = _start_runner(tmp_path, {"a_quick": ["x = 1"],
                                           "b_slow": ["y = 2", "import time\ntime.sleep(300)"]})
    try:
        _wait_for(lambda: runner.poll() is not None or
                  len((_results(out) or {}).get("notebooks", [])) == 1, "a_quick to finish")
        if moment == "mid-cell":
            copy = out / "b_slow.ipynb"
            _wait_for(lambda: runner.poll() is not None or _second_cell_started(copy),
                      "b_slow's first cell to run")
        runner.send_signal(signal.SIGINT)  # no sleep: the moment a kernel starts included
        printed, _ = runner.communicate(timeout=120)
    finally:
        runner.kill()
    assert runner.returncode == 130, printed
    payload = _results(out)
    assert payload["state"] == "interrupted" and payload["not_run"] == ["b_slow"]
    assert [e["name"] for e in payload["notebooks"]] == ["a_quick"]
    if moment == "mid-cell":
        nb = nbformat.read(out / "b_slow.ipynb", as_version=4)
        marks = [i for i, c in enumerate(nb.cells) if run.INTERRUPTED in c.metadata.get("tags", [])]
        assert len(marks) == 1 and nb.metadata["lesson7"]["interrupted"]
        assert "interrupted here" in nb.cells[marks[0]].source
        assert all(c.metadata.get("papermill", {}).get("status") != "completed"
                   for c in nb.cells[marks[0] + 1:])


def test_a_runner_killed_outright_leaves_results_that_say_what_did_not_finish(tmp_path):
    runner, out = _start_runner(tmp_path, {"a_slow": ["import time\ntime.sleep(300)"],
                                           "b_later": ["x = 1"]})
    try:
        _wait_for(lambda: runner.poll() is not None or _results(out) is not None, "results.json")
        runner.kill()  # SIGKILL: no handler runs
        runner.communicate(timeout=60)
    finally:
        runner.kill()
    payload = _results(out)
    assert payload["state"] == "running" and payload["not_run"] == ["a_slow", "b_later"]
    assert "incomplete" in (out / "RESULTS.md").read_text()


def test_a_second_runner_on_the_same_folder_says_who_holds_it(three, tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    out.mkdir()
    monkeypatch.setattr(run, "run_notebook", fake_entry)
    with run.lock_run_folder(out):
        code = run.main(["--preset", "smoke", "--notebooks", str(three), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and f"in use by the runner with process id {os.getpid()}" in err
    assert not (out / "results.json").exists()
    assert run.main(["--preset", "smoke", "--notebooks", str(three), "--out", str(out)]) == 0


def test_results_that_cannot_be_written_are_one_line_and_every_notebook_still_runs(
        three, tmp_path, monkeypatch, capsys):
    out, ran = tmp_path / "run", []
    monkeypatch.setattr(run, "run_notebook",
                        lambda nb, *args: ran.append(nb.stem) or fake_entry(nb, *args))
    plain_write = Path.write_text

    def full_disk(self, text, *args, **kwargs):
        if self.name.endswith(".tmp"):
            plain_write(self, text[: len(text) // 2])  # half written, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        return plain_write(self, text, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full_disk)
    code = run.main(["--preset", "smoke", "--notebooks", str(three), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and ran == ["a", "b", "c"]
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and f"cannot write the results in {out}" in lines[0]
    assert "No space left on device" in lines[0] and "Traceback" not in err
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("args, message", [
    (["--preset", "bogus"], "argument --preset: Unknown preset 'bogus'"),
    (["--preset", "smoke", "--publish"], "--publish keeps results/ for the cpu preset"),
    (["--out", "FILE"], "is a file; give a folder"),
])
def test_bad_arguments_are_one_line_errors(args, message, tmp_path, capsys):
    (tmp_path / "FILE").write_text("not a folder")
    args = [str(tmp_path / a) if a == "FILE" else a for a in args]
    with pytest.raises(SystemExit) as stop:
        run.main(args)
    err = capsys.readouterr().err
    assert stop.value.code == 2 and message in err
    assert "Traceback" not in err and err.strip().splitlines()[-1].startswith("python -m tools.run")


def _git_status():
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=run.ROOT,
                          capture_output=True, text=True, check=True).stdout


def test_a_cpu_run_without_publish_changes_no_tracked_file(three, monkeypatch):
    if not (run.ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    monkeypatch.setattr(run, "run_notebook", fake_entry)
    before, runs = _git_status(), set((run.ROOT / "runs").glob("*"))
    try:
        assert run.main(["--preset", "cpu", "--notebooks", str(three)]) == 0
        made = set((run.ROOT / "runs").glob("*")) - runs
        assert len(made) == 1 and (made.pop() / "results.json").exists()
        assert _git_status() == before
    finally:
        for folder in set((run.ROOT / "runs").glob("*")) - runs:
            shutil.rmtree(folder)


def test_publish_is_explicit(three, tmp_path, monkeypatch):
    monkeypatch.setattr(run, "run_notebook", fake_entry)
    monkeypatch.setattr(run, "PUBLISHED", tmp_path / "results")
    out = tmp_path / "run"
    assert run.main(["--preset", "cpu", "--notebooks", str(three), "--out", str(out)]) == 0
    assert not (tmp_path / "results").exists()
    assert run.main(["--preset", "cpu", "--notebooks", str(three), "--out", str(out),
                     "--publish"]) == 0
    payload = json.loads((tmp_path / "results" / "results.json").read_text())
    assert [e["name"] for e in payload["notebooks"]] == ["a", "b", "c"]
