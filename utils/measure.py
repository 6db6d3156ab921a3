"""A real run cut to a time budget, measured: steps a second, the share of time spent waiting for
data, and the device each Learner trained on (`make gpu-check`'s third pass, LESSON7_MEASURE_S).

Every `fit` trains for real until the notebook's training has taken the budget; from then on each
`fit` stops after one batch, so the rest of the notebook still runs. The time from the end of one
batch to the start of the next is the wait for data (fastai fetches the next batch there).
"""

from __future__ import annotations

import os
import time

import torch
from fastai.callback.core import Callback, CancelFitException
from fastai.learner import defaults

from . import env

_totals = {"steps": 0, "step_s": 0.0, "wait_s": 0.0, "devices": {}}


def budget() -> float | None:
    """The training seconds LESSON7_MEASURE_S allows, or None when it is not set."""
    value = os.environ.get(env.MEASURE, "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"{env.MEASURE}={value!r}: give the training seconds, e.g. 60.") from None
    if seconds <= 0:
        raise ValueError(f"{env.MEASURE}={value!r}: give a positive number of seconds.")
    return seconds


def _sync():
    if torch.cuda.is_available():
        torch.cuda.synchronize()


class Measure(Callback):
    order = 999  # after the others: a step's time includes every callback's work
    resume_attrs = ()  # records nothing (utils.checkpoints)

    def __init__(self, seconds: float):
        self.seconds = seconds

    def before_fit(self):
        self.last = None

    def before_batch(self):
        if not self.training:
            return
        now = time.perf_counter()
        if self.last is not None:
            _totals["wait_s"] += now - self.last
        self.start = now

    def after_batch(self):
        if not self.training:
            return
        _sync()
        now = time.perf_counter()
        _totals["steps"] += 1
        _totals["step_s"] += now - self.start
        self.last = now
        device = str(next(self.learn.model.parameters()).device)
        name = type(self.learn.model).__name__
        _totals["devices"][name] = device
        if _totals["step_s"] + _totals["wait_s"] >= self.seconds:
            raise CancelFitException

    def after_epoch(self):
        self.last = None  # the validation between epochs is not a wait for data


def install() -> bool:
    """Give every Learner from now on a Measure when LESSON7_MEASURE_S is set; whether it is."""
    seconds = budget()
    defaults.callbacks = [cb for cb in defaults.callbacks if cb is not Measure and not (
        isinstance(cb, type) and issubclass(cb, Measure))]
    if seconds is None:
        return False
    defaults.callbacks = [*defaults.callbacks, type("MeasureFor", (Measure,), {
        "__init__": lambda self: Measure.__init__(self, seconds)})]
    print(f"MEASURED RUN: training stops after {seconds:g} s in all; each fit after that runs one "
          f"batch. Steps a second and the wait for data are recorded with the results.")
    return True


def summary() -> dict | None:
    """What the measured run saw so far (None when no Measure ran)."""
    if budget() is None:
        return None
    steps, step_s, wait_s = _totals["steps"], _totals["step_s"], _totals["wait_s"]
    total = step_s + wait_s
    return {"steps": steps, "steps_per_second": round(steps / total, 2) if total else None,
            "data_wait_share": round(wait_s / total, 3) if total else None,
            "peak_reserved_mb": round(torch.cuda.max_memory_reserved() / 2**20)
            if torch.cuda.is_available() else None,
            "devices": dict(_totals["devices"])}
