"""What a `full` run on a GPU gets from a notebook's settings: loader workers and pinned memory,
mixed precision, cuDNN benchmarking; and a doctor for a GPU that torch cannot use."""

from __future__ import annotations

import re
import shutil
import subprocess

import torch


def loaders(cfg: dict) -> dict:
    """The DataLoaders keywords of a notebook's settings: its `num_workers` (none inside a worker
    process of `utils.cores.map_on_cores`, which may not start processes of its own), and pinned
    memory when the batches go to a CUDA GPU (copies from pinned memory overlap the GPU's work)."""
    import multiprocessing

    workers = 0 if multiprocessing.current_process().daemon else cfg["num_workers"]
    return {"num_workers": workers, "pin_memory": torch.cuda.is_available()}


def configure(cfg: dict) -> None:
    """Apply `cudnn_benchmark` (when the settings have it): cuDNN times its kernels once and keeps
    the fastest, which is not bit-for-bit reproducible, so smoke and cpu stay deterministic."""
    from .presets import set_deterministic

    set_deterministic(not cfg.get("cudnn_benchmark", False))


def precision(cfg: dict) -> str | None:
    """"bf16", "fp16" or None: what `mixed_precision` gives a learner under these settings."""
    if not cfg.get("mixed_precision") or not torch.cuda.is_available():
        return None
    return "bf16" if torch.cuda.is_bf16_supported() else "fp16"


def mixed_precision(learn, cfg: dict):
    """`learn` in bf16 (or fp16 where the GPU has no bf16) when the settings ask for it and a CUDA
    GPU is there; unchanged otherwise (a CPU trains in fp32). Returns the learner."""
    kind = precision(cfg)
    if kind == "bf16":
        return learn.to_bf16()
    if kind == "fp16":
        return learn.to_fp16()
    return learn


# --- a GPU that torch cannot use ----------------------------------------------------------------

DRIVER_NEEDED = {"13": 580, "12": 525}  # CUDA major version of a torch build -> oldest driver


def driver_cuda() -> tuple[str, str] | None:
    """(driver version, the CUDA version it supports) from `nvidia-smi`, or None without one."""
    if shutil.which("nvidia-smi") is None:
        return None
    try:
        out = subprocess.run(["nvidia-smi"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    driver = re.search(r"Driver Version:\s*([\d.]+)", out)
    cuda = re.search(r"CUDA Version:\s*([\d.]+)", out)
    return (driver[1], cuda[1]) if driver and cuda else None


def doctor(found=driver_cuda) -> str | None:
    """Two lines when a GPU is present (nvidia-smi finds one) but torch cannot use it: the
    driver's CUDA version, the one torch was built for, and which torch build to install. None
    when torch sees the GPU, or there is no GPU."""
    if torch.cuda.is_available():
        return None
    seen = found()
    if seen is None:
        return None
    driver, driver_cuda_version = seen
    built = torch.version.cuda
    if built is None:
        return (f"A GPU is present (driver {driver}, CUDA {driver_cuda_version}) but this torch "
                f"{torch.__version__} is a CPU-only build, so the notebooks run on the CPU.\n"
                f"Install a CUDA build of torch for CUDA {driver_cuda_version} or older (see "
                f"https://pytorch.org/get-started/locally/), then run `make test` again.")
    major = built.split(".")[0]
    wheel = f"cu{driver_cuda_version.replace('.', '')}"
    return (f"A GPU is present, but its driver {driver} supports CUDA {driver_cuda_version} and "
            f"this torch {torch.__version__} was built for CUDA {built}, so torch cannot use it.\n"
            f"Update the NVIDIA driver to {DRIVER_NEEDED.get(major, 'a newer version')} or newer, "
            f"or install the torch build for CUDA {driver_cuda_version} (e.g. `pip install torch "
            f"--index-url https://download.pytorch.org/whl/{wheel}`).")
