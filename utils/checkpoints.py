"""On `full`, each training's weights saved when its `fit` ends (and after every epoch of a long
one), so hours of GPU work survive whatever fails later in the notebook; a re-run picks a finished
fit up from its checkpoint instead of training it again.

Files go to `<export folder>/checkpoints/<notebook>/` (utils.reuse.export_folder: the run folder's
`models/` under the runner, else `models/` beside the notebook), named by the order of the fit and
the model, e.g. `03-DynamicUnet.pth`. That file holds the model's `state_dict` only: load one with
`learn.model.load_state_dict(torch.load(path, weights_only=True))`.

Beside it, written only when the fit ran to its last epoch, `03-DynamicUnet.state.pth` holds what
a re-run needs to go on as if it had trained: the optimizer's state, the Recorder's losses and
metrics, the state other callbacks name in `resume_attrs`, the random
generators' states, and the fit's fingerprint. A re-run restores a fit, skipping its training, only
when its fingerprint matches: same notebook and fit number, model, starting weights (hashed), loss
function, optimizer settings, callbacks, epochs, batch size and number of training items. A fit
that stopped early (interrupted, a NaN, a time budget) leaves no state file and trains again from
its start; its last epoch's weights stay on disk. Delete the folder, or set LESSON7_RESUME=0, to
train everything again.
"""

from __future__ import annotations

import hashlib
import os
import random
import tempfile
from pathlib import Path

import numpy as np
import torch
from fastai.callback.core import Callback, CancelFitException
from fastai.learner import defaults
from fastcore.foundation import L

from . import env

_state = {"notebook": None, "fits": 0}
_RECORDER = ("lrs", "iters", "losses", "values")


def folder() -> Path:
    from .reuse import export_folder

    return export_folder() / "checkpoints" / (_state["notebook"] or "notebook")


def _write(obj, path: Path) -> Path:
    """`torch.save(obj)` to a temporary file renamed into place, so an interrupted save leaves the
    previous file whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".pth", dir=path.parent)
    os.close(fd)
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def save(model: torch.nn.Module, name: str) -> Path:
    """The model's weights as `<folder>/<name>.pth`."""
    weights = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    return _write(weights, folder() / f"{name}.pth")


def _cpu(obj):
    """Tensors moved to the CPU, fastai's L turned into lists, in nested lists, tuples and dicts."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu()
    if isinstance(obj, dict):
        return {k: _cpu(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)) or type(obj).__name__ == "L":
        items = [_cpu(v) for v in obj]
        return tuple(items) if isinstance(obj, tuple) else items
    return obj


def _rng_state() -> dict:
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    return {"python": random.getstate(), "torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "numpy": (kind, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss, gauss)}


def _set_rng_state(state: dict) -> None:
    random.setstate(state["python"])
    torch.set_rng_state(state["torch"])
    cuda = state["cuda"]
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)
    kind, keys, pos, has_gauss, gauss = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, gauss))


def _stateful(learn) -> dict[str, Callback]:
    """The learner's callbacks that name the attributes a restored fit needs in `resume_attrs`
    (what they recorded during the fit), by position and name. `resume_attrs = ()`: nothing."""
    return {f"{i}-{type(cb).__name__}": cb for i, cb in enumerate(learn.cbs)
            if getattr(cb, "resume_attrs", ())}


def fingerprint(learn) -> str:
    """What must be the same for a saved fit to stand in for training this one (see the module)."""
    h = hashlib.sha1()
    for key, value in sorted(learn.model.state_dict().items()):
        h.update(key.encode())
        h.update(value.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    hypers = [{k: round(float(v), 12) for k, v in sorted(g.items()) if isinstance(v, (int, float))}
              for g in learn.opt.hypers]
    train = learn.dls.train
    parts = [_state["notebook"], _state["fits"], type(learn.model).__name__,
             type(learn.loss_func).__name__, learn.n_epoch, len(train.dataset), train.bs, hypers,
             sorted(type(cb).__name__ for cb in learn.cbs), h.hexdigest()]
    return hashlib.sha1(repr(parts).encode()).hexdigest()


def resume_on() -> bool:
    """Whether a re-run restores finished fits (LESSON7_RESUME, default 1)."""
    value = os.environ.get(env.RESUME, "1").strip()
    if value not in ("0", "1"):
        raise ValueError(f"{env.RESUME}={value!r}: give 1 (restore finished fits) or 0 (train "
                         "everything again).")
    return value == "1"


class SaveWeights(Callback):
    """After every epoch and at the end of each `fit` that trained, save the model's weights; at
    the end of a fit that ran to its last epoch, the state a re-run restores it from; at the start
    of a fit whose fingerprint matches a saved one, restore it and skip the training."""

    order = 900  # after the Recorder and the notebook's callbacks have set themselves up
    resume_attrs = ()

    def before_fit(self):
        self.trained, self.finished, self.restored = False, False, False
        self.fingerprint = fingerprint(self.learn)
        state_file = folder() / f"{self._name()}.state.pth"
        if resume_on() and state_file.exists():
            self._restore(state_file)

    def _restore(self, state_file: Path) -> None:
        device = next(self.learn.model.parameters()).device
        try:
            state = torch.load(state_file, map_location="cpu", weights_only=True)
        except Exception as e:  # a file this project did not write, or a torn one
            print(f"checkpoint {state_file} not used ({type(e).__name__}: {e}); training instead")
            return
        if state.get("fingerprint") != self.fingerprint:
            return  # another training: settings, code or starting weights differ
        unknown = [type(cb).__name__ for cb in self.learn.cbs if not hasattr(cb, "resume_attrs")
                   and not type(cb).__module__.startswith("fastai.")]
        if unknown:
            print(f"fit {_state['fits']} not restored from {state_file}: {', '.join(unknown)} may "
                  "record what happens in the fit and do not say what to restore "
                  "(`resume_attrs`); training it again")
            return
        weights = torch.load(folder() / f"{self._name()}.pth", map_location=device,
                             weights_only=True)
        self.learn.model.load_state_dict(weights)
        opt = _cpu(state["opt"])  # fastai's Optimizer: hypers in an L, a state per parameter
        opt["state"] = [{k: v.to(device) if isinstance(v, torch.Tensor) else v
                         for k, v in p.items()} for p in opt["state"]]
        self.learn.opt.load_state_dict({"state": opt["state"], "hypers": L(opt["hypers"])})
        for attr in _RECORDER:
            setattr(self.learn.recorder, attr, state["recorder"][attr])
        for name, cb in _stateful(self.learn).items():
            for attr, value in state["callbacks"].get(name, {}).items():
                setattr(cb, attr, value)
        _set_rng_state(state["rng"])
        self.restored = True
        print(f"fit {_state['fits']} ({self.learn.n_epoch} epochs) restored from {state_file}, "
              f"trained in an earlier run with the same settings and starting weights "
              f"(delete it, or set {env.RESUME}=0, to train it again)")
        raise CancelFitException

    def before_train(self):
        self.trained = True

    def _name(self) -> str:
        return f"{_state['fits']:02d}-{type(self.learn.model).__name__}"

    def after_epoch(self):
        if self.trained:
            save(self.learn.model, self._name())
            self.finished = self.epoch + 1 == self.n_epoch

    def after_cancel_fit(self):
        self.finished = False  # stopped early: a re-run trains it again

    def after_fit(self):
        if self.trained:
            path = save(self.learn.model, self._name())
            if self.finished:
                self._save_state()
            print(f"weights saved: {path}")
        if self.trained or self.restored:
            _state["fits"] += 1

    def _save_state(self) -> None:
        recorder = {attr: _cpu(getattr(self.learn.recorder, attr)) for attr in _RECORDER}
        callbacks = {name: {attr: _cpu(getattr(cb, attr)) for attr in cb.resume_attrs
                            if hasattr(cb, attr)}
                     for name, cb in _stateful(self.learn).items()}
        state = {"fingerprint": self.fingerprint, "opt": _cpu(self.learn.opt.state_dict()),
                 "recorder": recorder, "callbacks": callbacks, "rng": _rng_state()}
        _write(state, folder() / f"{self._name()}.state.pth")


def install(notebook: str, preset: str, dry_run: bool) -> bool:
    """Save (and restore) every fit from now on when the run is a real `full` one; whether it is.
    A run cut to a time budget (utils.measure) saves nothing: its fits are not the notebook's."""
    from .measure import budget

    defaults.callbacks = [cb for cb in defaults.callbacks if cb is not SaveWeights]
    _state.update(notebook=notebook, fits=0)
    if preset != "full" or dry_run or budget() is not None:
        return False
    resume_on()  # a bad LESSON7_RESUME stops here, before anything trains
    defaults.callbacks = [*defaults.callbacks, SaveWeights]
    return True
