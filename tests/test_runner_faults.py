"""The runner under faults: interrupted or crashing runs keep what finished, bad arguments are
one-line errors, and only an explicit --publish writes outside runs/."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import nbformat
import pytest

from utils import run


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


def test_a_runner_process_interrupted_mid_notebook_keeps_the_finished_one(tmp_path):
    folder, out = tmp_path / "notebooks", tmp_path / "run"
    folder.mkdir()
    for name, source in (("a_quick", "x = 1"), ("b_slow", "import time\ntime.sleep(120)")):
        cell = nbformat.v4.new_code_cell(source)
        nbformat.write(nbformat.v4.new_notebook(cells=[cell]), folder / f"{name}.ipynb")
    runner = subprocess.Popen(
        [sys.executable, "-m", "utils.run", "--preset", "smoke", "--notebooks", str(folder),
         "--out", str(out)], cwd=run.ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        for _ in range(1200):  # until b_slow has started (at most 2 minutes)
            if (out / "b_slow.ipynb").exists() or runner.poll() is not None or \
                    (out / "results.json").exists():
                break
            time.sleep(0.1)
        time.sleep(1)
        runner.send_signal(signal.SIGINT)
        printed, _ = runner.communicate(timeout=60)
    finally:
        runner.kill()
    assert runner.returncode == 130, printed
    payload = json.loads((out / "results.json").read_text())
    assert payload["state"] == "interrupted" and payload["not_run"] == ["b_slow"]
    assert [e["name"] for e in payload["notebooks"]] == ["a_quick"]


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
    assert "Traceback" not in err and err.strip().splitlines()[-1].startswith("python -m utils.run")


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
