import time

import torch

from utils import timing


def test_cpu_clock_counts_work_not_waiting():
    start = timing.now("cpu")
    time.sleep(0.3)  # waiting: the wall clock runs on, the process's CPU seconds do not
    slept = timing.now("cpu") - start
    start = timing.now(torch.device("cpu"))
    x = torch.randn(300, 300)
    deadline = time.perf_counter() + 0.3
    while time.perf_counter() < deadline:  # working
        x = torch.tanh(x @ x.T / 300)
    worked = timing.now("cpu") - start
    assert slept < 0.1 < worked
    assert timing.clock_name("cpu") == "CPU seconds of this process"


def test_gpu_clock_is_the_wall_clock_after_a_synchronise(monkeypatch):
    synced = []
    monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: synced.append(device))
    before = time.perf_counter()
    reading = timing.now("cuda:0")
    assert synced == ["cuda:0"] and before <= reading <= time.perf_counter()
    assert "GPU synchronised" in timing.clock_name(torch.device("cuda", 0))
