"""A clock for comparing two computations that other work on the machine hardly moves: on a CPU,
the CPU seconds this process has spent (all its threads); on a GPU, the wall clock, read after
the GPU has finished the work queued on it."""

from __future__ import annotations

import time

import torch


def _on_gpu(device) -> bool:
    return torch.device(device).type == "cuda"


def now(device="cpu") -> float:
    """The clock's reading for work on `device`: differences of two readings are seconds.

    On a CPU, `time.process_time()`: a program that shares the cores makes the wall clock run on
    while this process waits, but not its CPU seconds. On a GPU, `time.perf_counter()` after
    `torch.cuda.synchronize`, since the GPU's work runs apart from the process's CPU time.

    On a CPU, compare on one torch thread (`torch.set_num_threads(1)`): with several, a thread
    that waits for another spins, and on a loaded machine that waiting counts as CPU seconds."""
    if _on_gpu(device):
        torch.cuda.synchronize(device)
        return time.perf_counter()
    return time.process_time()


def clock_name(device="cpu") -> str:
    """What `now` counts on `device`, for a printed label."""
    if _on_gpu(device):
        return "wall-clock seconds (GPU synchronised)"
    return "CPU seconds of this process"
