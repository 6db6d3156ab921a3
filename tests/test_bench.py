"""The benchmark's helpers: time per section from papermill's cell timings, the report, the CLI."""

import nbformat
import pytest
import torch
from torch import nn

from tools import bench
from utils import overhead


def executed(*cells):
    """A notebook as papermill leaves it: markdown cells given as text, code cells as durations."""
    nb = nbformat.v4.new_notebook()
    for cell in cells:
        if isinstance(cell, str):
            nb.cells.append(nbformat.v4.new_markdown_cell(cell))
        else:
            code = nbformat.v4.new_code_cell("pass")
            code.metadata["papermill"] = {"duration": cell}
            nb.cells.append(code)
    return nb


def test_section_times_sum_the_code_cells_under_each_level_two_heading():
    nb = executed("# Title", 1.0, 2.0, "## Data\ntext", 3.0, "### detail", 0.5,
                  "## Training", 10.0, None, "## Nothing to run", "## Results", 0.25)
    assert bench.section_times(nb) == [
        (bench.TOP, 3.0), ("Data", 3.5), ("Training", 10.0), ("Nothing to run", 0.0),
        ("Results", 0.2)]


def test_section_times_without_set_up_cells_start_at_the_first_section():
    assert bench.section_times(executed("## A", 1.0, "## B\n\n## C", 2.0)) == [
        ("A", 1.0), ("B", 0.0), ("C", 2.0)]


def test_fit_vs_loop_times_both_and_both_learn():
    torch.manual_seed(0)
    x = torch.randn(64, 4)
    y = (x[:, 0] > 0).long()
    r = overhead.fit_vs_loop(lambda: nn.Linear(4, 2), (x, y, x[:32], y[:32]), bs=16, lr=0.1,
                          epochs=2, loss_func=nn.CrossEntropyLoss())
    assert r["fastai_s_per_epoch"] > 0 and r["plain_s_per_epoch"] > 0
    assert r["fastai_accuracy"] > 0.8 and r["plain_accuracy"] > 0.8  # chance is 0.5
    text = bench.report("smoke", "today", [], {"tiny": r})
    assert "| tiny | 64 / 32 | 16 | 2 |" in text and f"{r['ratio']:.2f}x" in text


def test_the_report_shows_each_section_and_the_time_outside_the_cells():
    timed = {"name": "01_x", "status": "ok", "error": None, "seconds": 10.0,
             "sections": [("Data", 2.0), ("Training", 6.0)]}
    text = bench.report("cpu", "today", [timed], None)
    assert "## 01_x: 10 s (ok)" in text and "| Training | 6.0 | 60% |" in text
    assert f"| {bench.OUTSIDE} | 2.0 | 20% |" in text and "plain PyTorch loop" not in text


def test_a_bad_preset_gets_the_message_of_make_run():
    with pytest.raises(SystemExit, match="Unknown preset 'gpu'.*Valid presets: smoke, cpu, full"):
        bench.main(["--preset", "gpu", "--no-overhead"])


def test_images_load_in_the_layout_of_fastai_batches(tmp_path):
    from PIL import Image

    files = []
    for i in range(2):
        files.append(tmp_path / f"{i}.png")
        Image.new("RGB", (6, 4), (10 * i, 20, 30)).save(files[-1])
    x = overhead.load_images(files)
    assert x.shape == (2, 3, 4, 6) and x.is_contiguous()  # not a channels-last view
    assert x[1, 0, 0, 0].item() == pytest.approx(10 / 255)
    assert x[0, 2, 3, 5].item() == pytest.approx(30 / 255)


def test_the_cost_of_a_full_model_is_counted_and_the_estimate_takes_the_slower_of_two():
    from utils import throughput

    c = throughput.cost("04_wgan_bedroom")
    assert 0.1 < c["gflops"] < 10 and c["extra_gflops"] > 0 and c["params_m"] > 1
    p = throughput.PIPELINES[2]
    slow_loader = throughput.estimate(p, c, rate_per_worker=1.0)  # loading dominates
    assert slow_loader["H100"] == slow_loader["T4"] == slow_loader["load_hours"]
    fast_loader = throughput.estimate(p, c, rate_per_worker=1e9)  # compute dominates
    assert fast_loader["T4"] > fast_loader["H100"] > fast_loader["load_hours"]
