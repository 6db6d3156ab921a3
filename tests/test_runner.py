"""The notebook runner, on tiny notebooks made here: success, a failing cell, carrying on, exit
codes and the results files."""

import json
import re

import nbformat
import pytest

from tools import run

RECORD = ("from utils.presets import resolve_preset\n"
          "from utils.results import record_results\n"
          "record_results({name!r}, resolve_preset(preset), {{'score': 0.75}})")


def write_notebook(folder, name, *sources):
    cells = [nbformat.v4.new_code_cell('preset = "auto"', metadata={"tags": ["parameters"]})]
    cells += [nbformat.v4.new_code_cell(s.format(name=name)) for s in sources]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), folder / f"{name}.ipynb")


@pytest.fixture
def notebooks(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    write_notebook(folder, "a_fails", "x = 1", "raise ValueError('boom')", RECORD)
    write_notebook(folder, "b_works", "import os\nassert os.environ['LESSON7_PRESET'] == 'smoke'",
                   RECORD)
    write_notebook(folder, "c_records_nothing", "x = 1")
    return folder


def test_runner_carries_on_past_a_failure_and_reports_it(notebooks, tmp_path, capsys):
    out = tmp_path / "run"
    code = run.main(["--preset", "smoke", "--notebooks", str(notebooks), "--out", str(out),
                     "--no-publish"])
    assert code == 1
    printed = capsys.readouterr().out
    assert "[3/3] c_records_nothing" in printed and "1 ok, 2 failed" in printed

    payload = json.loads((out / "results.json").read_text())
    entries = {e["name"]: e for e in payload["notebooks"]}
    assert payload["preset"] == "smoke" and list(entries) == ["a_fails", "b_works",
                                                              "c_records_nothing"]
    failed = entries["a_fails"]
    assert failed["status"] == "failed" and failed["metrics"] == {}
    assert "cell 2" in failed["error"] and "ValueError: boom" in failed["error"]
    worked = entries["b_works"]
    assert worked["status"] == "ok" and worked["metrics"] == {"score": 0.75}
    assert worked["preset"] == "smoke" and worked["seconds"] > 0
    assert "recorded no results" in entries["c_records_nothing"]["error"]

    for name in entries:
        assert (out / f"{name}.ipynb").exists()  # executed copies, failing ones included
    markdown = (out / "RESULTS.md").read_text()
    assert re.search(r"\| b_works \| [0-9-]+ [0-9:]+ \| ok \|", markdown)
    assert "ValueError: boom" in markdown


def test_runner_exits_zero_when_all_succeed_and_only_selects(notebooks, tmp_path):
    out = tmp_path / "run"
    code = run.main(["--preset", "smoke", "--notebooks", str(notebooks), "--only", "b",
                     "--out", str(out), "--no-publish"])
    assert code == 0
    names = [e["name"] for e in json.loads((out / "results.json").read_text())["notebooks"]]
    assert names == ["b_works"]


def test_only_selects_by_whole_leading_words(tmp_path):
    for name in ("01_resnet_mnist", "01b_resnet_degradation", "02_densenet"):
        (tmp_path / f"{name}.ipynb").write_text("{}")
    stems = lambda only: [p.stem for p in run.find_notebooks(tmp_path, only)]  # noqa: E731
    assert stems(["01"]) == ["01_resnet_mnist"]
    assert stems(["01b", "02_densenet.ipynb"]) == ["01b_resnet_degradation", "02_densenet"]
    assert stems(None) == ["01_resnet_mnist", "01b_resnet_degradation", "02_densenet"]


def test_only_with_an_unknown_name_lists_the_notebooks(notebooks):
    with pytest.raises(SystemExit, match="No notebook matches 'z9'.*a_fails, b_works"):
        run.find_notebooks(notebooks, ["z9"])


def test_an_unknown_preset_stops_before_running_anything(notebooks, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        run.main(["--preset", "fast", "--notebooks", str(notebooks), "--out", str(tmp_path)])
    assert stop.value.code == 2
    assert "argument --preset: Unknown preset 'fast'" in capsys.readouterr().err
    assert not (tmp_path / "results.json").exists()


def test_publish_merges_by_notebook_name(tmp_path):
    entry = {"name": "01", "preset": "cpu", "status": "ok", "seconds": 60.0, "metrics": {"a": 1},
             "reference": {}, "error": None}
    run.publish([entry], "cpu", "day 1", tmp_path)
    run.publish([{**entry, "name": "02", "metrics": {"a": 2}}], "cpu", "day 2", tmp_path)
    run.publish([{**entry, "metrics": {"a": 3}}], "cpu", "day 3", tmp_path)
    payload = json.loads((tmp_path / "results.json").read_text())
    assert [(e["name"], e["metrics"]["a"]) for e in payload["notebooks"]] == [("01", 3), ("02", 2)]
    assert "| 02 | - | ok |" in (tmp_path / "RESULTS.md").read_text()
    run.publish([{**entry, "status": "failed", "metrics": {"a": 4}}], "cpu", "day 4", tmp_path)
    payload = json.loads((tmp_path / "results.json").read_text())  # a failure keeps the last
    assert [(e["name"], e["metrics"]["a"]) for e in payload["notebooks"]] == [("01", 3), ("02", 2)]


def test_concurrent_publishes_each_keep_their_entry(tmp_path, monkeypatch):
    import threading
    import time

    write = run.write_results

    def slow_write(*args, **kwargs):  # widens the read-merge-write window a race would need
        time.sleep(0.05)
        return write(*args, **kwargs)

    monkeypatch.setattr(run, "write_results", slow_write)
    entry = {"preset": "cpu", "status": "ok", "seconds": 1.0, "metrics": {}, "reference": {},
             "error": None}
    threads = [threading.Thread(target=run.publish, args=([{**entry, "name": f"0{i}"}], "cpu",
                                                           "today", tmp_path)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    payload = json.loads((tmp_path / "results.json").read_text())
    assert [e["name"] for e in payload["notebooks"]] == ["00", "01", "02", "03"]

def test_publish_replaces_the_gallery_of_notebooks_that_succeeded(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "GALLERY", {"01": ["new"]})
    run_folder, results = tmp_path / "run", tmp_path / "results"
    (run_folder / "figures").mkdir(parents=True)
    (run_folder / "figures" / "01-new.png").write_bytes(b"new")
    (run_folder / "figures" / "01-other.png").write_bytes(b"not in the gallery")
    (results / "gallery").mkdir(parents=True)
    (results / "gallery" / "01-old.png").write_bytes(b"old")
    (results / "gallery" / "02-kept.png").write_bytes(b"kept")
    entry = {"name": "01", "preset": "cpu", "status": "ok", "seconds": 1.0, "metrics": {},
             "reference": {}, "error": None}
    run.publish([entry], "cpu", "today", results, run_folder=run_folder)
    assert sorted(p.name for p in (results / "gallery").iterdir()) == ["01-new.png", "02-kept.png"]
    (run_folder / "figures" / "01-new.png").unlink()
    run.publish([{**entry, "status": "failed"}], "cpu", "today", results, run_folder=run_folder)
    assert (results / "gallery" / "01-new.png").read_bytes() == b"new"  # a failure keeps the last


def test_committed_outputs_are_cleaned_of_progress_bar_debris():
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    table = '<div><table class="fastprogress"><tr><td>0</td></tr></table></div>'
    cell = new_code_cell("learn.fit(1)", outputs=[
        new_output("display_data", data={"text/html": "\n<style>\n progress {}\n</style>\n",
                                         "text/plain": "<IPython.core.display.HTML object>"}),
        new_output("display_data", data={"text/html": table, "text/markdown": "```html\n...",
                                         "text/plain": table}),
        new_output("display_data", data={"text/html": "", "text/plain": "<HTML object>"}),
        new_output("display_data", data={"text/html": "<div></div>", "text/plain": "x"}),
        new_output("stream", name="stdout", text="done\n"),
        new_output("execute_result", data={"text/html": "<table>df</table>", "text/plain": "df"},
                   execution_count=1),
    ])
    nb = new_notebook(cells=[cell])
    run.clean_outputs(nb)
    kept = nb.cells[0].outputs
    assert [o.output_type for o in kept] == ["display_data", "stream", "execute_result"]
    assert dict(kept[0].data) == {"text/html": table}
    assert set(kept[2].data) == {"text/html", "text/plain"}  # other HTML keeps its fallback
    nbformat.validate(nb)


FALSE_CLAIM = ("from utils.setup import setup\nfrom utils.claims import claim\n"
               "PRESET, DRY_RUN = setup(preset, {name!r})\n"
               "claim(0.683 > 0.694, 'the GAN beats bicubic on SSIM', gan=0.683, bicubic=0.694)")


@pytest.mark.parametrize("preset", ["smoke", "cpu"])
def test_a_false_claim_fails_a_cpu_run_and_is_only_reported_on_smoke(tmp_path, preset):
    folder, out = tmp_path / "notebooks", tmp_path / "run"
    folder.mkdir()
    write_notebook(folder, "claims", FALSE_CLAIM, RECORD)
    code = run.main(["--preset", preset, "--notebooks", str(folder), "--out", str(out),
                     "--no-publish"])
    entry = json.loads((out / "results.json").read_text())["notebooks"][0]
    executed = nbformat.read(out / "claims.ipynb", as_version=4)
    cell = next(c for c in executed.cells if "claim(" in c.source)
    printed = "".join(o.get("text", "") for o in cell.outputs)
    if preset == "smoke":
        assert code == 0 and entry["status"] == "ok"
        assert "not checked on the smoke preset: the GAN beats bicubic on SSIM" in printed
    else:
        assert code == 1 and entry["status"] == "failed"
        assert "ClaimFailed" in entry["error"] and "the GAN beats bicubic on SSIM" in entry["error"]
        assert "gan 0.683, bicubic 0.694" in entry["error"]
