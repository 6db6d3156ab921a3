"""On `full`, each training's weights saved when its `fit` ends (and after every epoch of a long
one), so hours of GPU work survive whatever fails later in the notebook.

Files go to `<export folder>/checkpoints/<notebook>/` (utils.reuse.export_folder: the run folder's
`models/` under the runner, else `models/` beside the notebook), named by the order of the fit and
the model, e.g. `03-DynamicUnet.pth`, and hold the model's `state_dict` only: load one with
`learn.model.load_state_dict(torch.load(path, weights_only=True))`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch
from fastai.callback.core import Callback
from fastai.learner import defaults

_state = {"notebook": None, "fits": 0}


def folder() -> Path:
    from .reuse import export_folder

    return export_folder() / "checkpoints" / (_state["notebook"] or "notebook")


def save(model: torch.nn.Module, name: str) -> Path:
    """The model's weights as `<folder>/<name>.pth`, written to a temporary file renamed into
    place, so an interrupted save leaves the previous file whole."""
    path = folder() / f"{name}.pth"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".pth", dir=path.parent)
    os.close(fd)
    try:
        torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, tmp)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


class SaveWeights(Callback):
    """After every epoch and at the end of each `fit` that trained, save the model's weights."""

    order = 900

    def before_fit(self):
        self.trained = False

    def before_train(self):
        self.trained = True

    def _name(self) -> str:
        return f"{_state['fits']:02d}-{type(self.learn.model).__name__}"

    def after_epoch(self):
        if self.trained:
            save(self.learn.model, self._name())

    def after_fit(self):
        if self.trained:
            path = save(self.learn.model, self._name())
            print(f"weights saved: {path}")
            _state["fits"] += 1


def install(notebook: str, preset: str, dry_run: bool) -> bool:
    """Save every fit's weights from now on when the run is a real `full` one; whether it is."""
    defaults.callbacks = [cb for cb in defaults.callbacks if cb is not SaveWeights]
    _state.update(notebook=notebook, fits=0)
    if preset != "full" or dry_run:
        return False
    defaults.callbacks = [*defaults.callbacks, SaveWeights]
    return True
