"""Presets: resolve `smoke` / `cpu` / `full`, pick a notebook's settings, seed everything."""

from __future__ import annotations

import os
import platform
import random

import numpy as np
import torch

from . import env

PRESETS = ("smoke", "cpu", "full")

DESCRIPTIONS = {
    "smoke": "seconds per notebook, tiny data, for the tests",
    "cpu": "offline stand-in data, real learning in minutes on a laptop CPU",
    "full": "the lesson's own datasets and schedules, for a GPU with internet",
}


def _check(name: str, origin: str) -> str:
    if name not in PRESETS:
        raise ValueError(
            f"Unknown preset {name!r} ({origin}). Valid presets: {', '.join(PRESETS)}, "
            f"or 'auto' ({env.PRESET} if set, else 'full' with a GPU and 'cpu' without)."
        )
    return name


def resolve_preset(preset: str = "auto") -> str:
    """Turn a notebook's `preset` parameter into one of PRESETS.

    `auto` means: the environment variable LESSON7_PRESET if it is set, else `full` when CUDA is
    available and `cpu` otherwise. Anything else must be a preset name.
    """
    preset = str(preset).strip().lower()
    if preset != "auto":
        return _check(preset, "the preset parameter")
    from_env = os.environ.get(env.PRESET, "").strip().lower()
    if from_env and from_env != "auto":
        return _check(from_env, f"environment variable {env.PRESET}")
    return "full" if torch.cuda.is_available() else "cpu"


def explain_preset(preset: str = "auto") -> str:
    """One line saying which preset is in force and why."""
    resolved = resolve_preset(preset)
    if str(preset).strip().lower() != "auto":
        why = "set by the preset parameter"
    elif os.environ.get(env.PRESET, "").strip().lower() not in ("", "auto"):
        why = f"from {env.PRESET}"
    else:
        why = "auto: " + ("CUDA GPU found" if torch.cuda.is_available() else "no CUDA GPU")
    return f"preset {resolved!r} ({why}): {DESCRIPTIONS[resolved]}"


OUT_OF_MEMORY_HINT = (
    "The GPU ran out of memory. Lower the batch sizes in this notebook's settings table (the rows "
    "named batch_size, *_batch_size or *_bs, in the column of the preset in use), then run the "
    "notebook again from the top.")


def banner(preset: str, notebook: str) -> None:
    """Print the resolved preset and the machine a notebook runs on; in IPython, make a CUDA
    out-of-memory error end with OUT_OF_MEMORY_HINT, which says what to lower."""
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU"
    print(f"== {notebook} ==")
    print(explain_preset(preset))
    print(f"device: {device}, torch {torch.__version__}, python {platform.python_version()}")
    explain_out_of_memory()


def ipython_shell():
    """The IPython shell this code runs in (a notebook's kernel), or None (a script, a test)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def explain_out_of_memory() -> None:
    """In an IPython kernel, follow a CUDA out-of-memory traceback with OUT_OF_MEMORY_HINT."""
    shell = ipython_shell()
    if shell is None:
        return

    def hint(shell, etype, value, tb, tb_offset=None):
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        print(OUT_OF_MEMORY_HINT)

    shell.set_custom_exc((torch.cuda.OutOfMemoryError,), hint)


def pick(settings: dict[str, tuple], preset: str, dry_run: bool = False,
         batch_sizes: tuple[str, ...] | list[str] = ()) -> dict:
    """Pick one preset's column from a settings table; `batch_sizes` names its batch-size settings,
    which a dry run cuts on a CPU and keeps on a GPU (`utils.dry_run.shorten`).

    `settings` maps each setting's name to a tuple of values in the order of PRESETS, so that a
    notebook shows what changes between presets in one readable table:

        settings = {          # smoke   cpu    full
            "num_epochs":       (1,     12,    12),    # passes over the training set
        }
    """
    column = PRESETS.index(_check(preset, "pick()"))
    picked = {}
    for key, values in settings.items():
        if not isinstance(values, tuple) or len(values) != len(PRESETS):
            raise ValueError(
                f"Setting {key!r} must be a tuple of {len(PRESETS)} values, one per preset "
                f"{PRESETS}; got {values!r}."
            )
        picked[key] = values[column]
    missing = [k for k in batch_sizes if k not in settings]
    if missing:
        raise ValueError(f"batch_sizes names {missing}, which the settings table does not have.")
    if dry_run:
        from .dry_run import shorten

        picked = shorten(picked, batch_sizes)
    return picked


def check_seed(seed) -> int:
    """`seed` as an int, or a ValueError that names it: NumPy takes 0 to 2**32 - 1."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**32:
        raise ValueError(f"The seed must be a whole number from 0 to {2**32 - 1}, got {seed!r} "
                         f"({type(seed).__name__}); e.g. papermill ... -p seed 42.")
    return int(seed)


_cudnn = {"deterministic": True}  # set by utils.gpu.configure from a notebook's settings


def set_deterministic(on: bool) -> None:
    """cuDNN deterministic (smoke, cpu: reruns agree) or benchmarking (full on a GPU: faster,
    not bit-for-bit reproducible). `set_seed` keeps the choice."""
    _cudnn["deterministic"] = bool(on)
    torch.backends.cudnn.deterministic = bool(on)
    torch.backends.cudnn.benchmark = not on


def set_seed(seed: int, num_threads: int | None = None) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA); cuDNN stays deterministic unless the settings
    asked for benchmarking (`set_deterministic`).

    On the CPU, torch uses `num_threads` threads (default: all cores), which keeps timings
    comparable between runs.
    """
    seed = check_seed(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    torch.backends.cudnn.deterministic = _cudnn["deterministic"]
    torch.backends.cudnn.benchmark = not _cudnn["deterministic"]
    if num_threads:
        torch.set_num_threads(num_threads)
