"""A callback every Learner gets from `setup()`: stop at the first batch whose data, model, loss or
metrics are not all on the device the DataLoaders name, so a CPU run catches what a GPU would hit.

Read against fastai's own source: a `DataLoaders` built without `device=` has `device` None, and
fastai then leaves the model where it is and moves each batch to it, so on a GPU machine the whole
training runs on the CPU without a word. On a CPU-only machine every tensor is on the CPU anyway,
so this audit checks what *would* differ: that the DataLoaders name a device, that the model, the
batch and the loss's own weights are all on it, and that with a GPU present it is the GPU.
"""

from __future__ import annotations

import torch
from fastai.callback.core import Callback
from fastai.learner import defaults
from fastai.torch_core import default_device
from torch import nn

_notebook = {"name": "this notebook"}  # set by install()


class DeviceMismatch(RuntimeError):
    """Data, model, loss or metrics of a Learner on different devices, or no device at all."""


def _same(a, b) -> bool:
    a, b = torch.device(a), torch.device(b)
    return a.type == b.type and (a.index or 0) == (b.index or 0)


def _tensors(x):
    if isinstance(x, torch.Tensor):
        yield x
    elif isinstance(x, list | tuple):
        for item in x:
            yield from _tensors(item)
    elif isinstance(x, dict):
        for item in x.values():
            yield from _tensors(item)


def _module_device(obj):
    """The device of the first parameter or buffer of `obj` (or of the module it wraps), or None."""
    for candidate in (obj, getattr(obj, "func", None)):
        if isinstance(candidate, nn.Module):
            for t in list(candidate.parameters()) + list(candidate.buffers()):
                return t.device
    return None


class DeviceAudit(Callback):
    """Check devices once per fit (and once per `get_preds`/`validate`), at the first batch."""

    order = -1  # before the others: the batch is on its device, nothing has run on it yet
    resume_attrs = ()  # records nothing (utils.checkpoints)

    def before_fit(self):
        self._checked = set()

    def _who(self) -> str:
        return f"{_notebook['name']}: the Learner of {type(self.learn.model).__name__}"

    def _fail(self, what: str, fix: str):
        raise DeviceMismatch(f"{self._who()}: {what}. {fix}")

    def before_batch(self):
        if "batch" in getattr(self, "_checked", {"batch"}):
            return
        self._checked.add("batch")
        device = getattr(self.dls, "device", None)
        if device is None:
            self._fail("its DataLoaders have no device (built with `DataLoaders(...)` or "
                       "`DataLoaders.from_dsets(...)` without `device=`), so fastai leaves the "
                       "model where it is: on a GPU machine it would train on the CPU",
                       "Pass `device=default_device()` where the DataLoaders are built.")
        model = _module_device(self.learn.model)
        if model is not None and not _same(model, device):
            self._fail(f"the model is on {model} but its DataLoaders put batches on {device}",
                       "Move the model with `.to(dls.device)` or rebuild the Learner after "
                       "changing the DataLoaders.")
        for t in _tensors((self.learn.xb, self.learn.yb)):
            if not _same(t.device, device):
                self._fail(f"a batch tensor is on {t.device}, not on {device}",
                           "Build the DataLoaders with the device the model trains on.")
        gpu = default_device()
        if gpu.type != "cpu" and torch.device(device).type == "cpu":
            self._fail(f"it trains on the CPU although {gpu} is present",
                       "Pass `device=default_device()` where the DataLoaders are built.")

    def after_pred(self):
        if "pred" in getattr(self, "_checked", {"pred"}):
            return
        self._checked.add("pred")
        device = self.dls.device
        for t in _tensors(self.learn.pred):
            if not _same(t.device, device):
                self._fail(f"the model's output is on {t.device}, not on {device}",
                           "Something in the model's forward moves tensors: keep them on the "
                           "input's device.")
        for name, obj in [("loss function", self.learn.loss_func),
                          *[(f"metric {getattr(m, 'name', m)}", m) for m in self.learn.metrics]]:
            where = _module_device(obj)
            if where is not None and not _same(where, device):
                self._fail(f"the {name} has weights on {where} but the batches are on {device}",
                           "Move it with `.to(dls.device)` (fastai moves the loss function "
                           "only when it is an nn.Module or BaseLoss).")


def install(notebook: str) -> None:
    """Give every Learner created from now on a DeviceAudit, naming `notebook` in its errors."""
    _notebook["name"] = notebook
    if DeviceAudit not in defaults.callbacks:
        defaults.callbacks = [*defaults.callbacks, DeviceAudit]
