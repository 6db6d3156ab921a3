"""`make gpu-check`: a clear exit without a GPU, and the report it writes with one."""

import torch

from tools import gpu_check
from utils import env


def test_without_a_gpu_it_says_so_and_exits(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert gpu_check.main([]) == 2
    err = capsys.readouterr().err
    assert "needs a CUDA GPU" in err and "make check-full" in err


def test_the_report_lists_each_notebook_and_run_with_time_and_memory():
    entry = {"name": "03_unet_camvid", "status": "ok", "seconds": 61.2, "peak_gpu_mb": 10240.4,
             "error": None}
    failed = {"name": "06_superres_feature_loss", "status": "failed", "seconds": 12.0,
              "peak_gpu_mb": None, "error": "cell 40: OutOfMemoryError: CUDA out of memory"}
    text = gpu_check.report_markdown("NVIDIA H100 80GB HBM3", "2026-11-27 18:00",
                                     [("smoke", entry), ("full dry run", failed)])
    assert "| 03_unet_camvid | smoke | ok | 61 | 10,240 |" in text
    assert "| 06_superres_feature_loss | full dry run | failed | 12 | - |" in text
    assert "OutOfMemoryError" in text.split("## Failures")[1]
    name = gpu_check.report_name("NVIDIA H100 80GB HBM3", "2026-11-27")
    assert name == "nvidia-h100-80gb-hbm3-2026-11-27.md"


def test_its_passes_are_smoke_the_full_dry_run_and_a_measured_full_run_on_the_stand_ins():
    (_, smoke, smoke_env), (_, full, full_env), (_, real, real_env) = gpu_check.PASSES
    assert (smoke, full, real) == ("smoke", "full", "full")
    assert smoke_env[env.DRY_RUN] == "0" and full_env[env.DRY_RUN] == "1"
    assert full_env[env.SOURCE] == real_env[env.SOURCE] == "offline"
    assert real_env[env.DRY_RUN] == "0" and float(real_env[env.MEASURE]) > 0


def test_the_report_shows_what_the_measured_run_saw():
    entry = {"name": "04_wgan_bedroom", "status": "ok", "seconds": 80.0, "peak_gpu_mb": 900.0,
             "error": None, "measured": {"steps": 1200, "steps_per_second": 26.7,
                                         "data_wait_share": 0.41, "peak_reserved_mb": 1024,
                                         "devices": {"GANModule": "cuda:0"}}}
    text = gpu_check.report_markdown("NVIDIA H100", "2026-12-02 09:00", [("full, measured", entry)])
    assert "| 04_wgan_bedroom | 1200 | 26.7 | 41% | 1024 | GANModule: cuda:0 |" in text


def test_without_a_usable_gpu_the_doctor_speaks(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(gpu_check, "doctor", lambda: "A GPU is present, but ...\nUpdate ...")
    assert gpu_check.main([]) == 2
    assert "A GPU is present, but" in capsys.readouterr().err
