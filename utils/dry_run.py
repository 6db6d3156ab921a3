"""A dry run: a preset's whole code path with every `fit` and evaluation cut to a few batches."""

from __future__ import annotations

import os

import torch
from fastai import learner as fastai_learner
from fastai.callback.core import (
    Callback,
    CancelFitException,
    CancelTrainException,
    CancelValidException,
)
from fastai.learner import defaults
from fastai.torch_core import find_bs
from fastai.torch_core import nested_reorder as _nested_reorder
from fastcore.xtras import is_listy

from . import env

TRAIN_BATCHES = 2  # training batches per `fit`, which stops after its first epoch
VALID_BATCHES = 2  # batches of every validation, `validate` and `get_preds`, and at least...
CPU_BATCH_SIZE = 2  # on a CPU a dry run cuts every batch size to this (a GPU keeps the preset's)
ITEMS = 9  # ...this many (a 3x3 grid of top losses); on a CPU at most ITEMS to train and validate


def _from_env() -> str:
    value = os.environ.get(env.DRY_RUN, "").strip().lower()
    if value not in ("", "0", "1", "true", "false", "yes", "no", "gpu"):
        raise ValueError(f"{env.DRY_RUN}={value!r}: use 1 (dry run), gpu (a dry run cut as on a "
                         "GPU, on any device) or 0 (a real run).")
    return value


def requested(dry_run: bool = False) -> bool:
    """True when the notebook's `dry_run` parameter is set or LESSON7_DRY_RUN is 1/true/yes/gpu."""
    if not isinstance(dry_run, bool):
        raise ValueError(f"dry_run must be True or False, got {dry_run!r}.")
    return dry_run or _from_env() in ("1", "true", "yes", "gpu")


def gpu_branch() -> bool:
    """Whether a dry run is cut as on a GPU (batch sizes kept, two of the largest batch of items):
    on a CUDA GPU, or anywhere with LESSON7_DRY_RUN=gpu (`make check-gpu-branch`, which builds and
    feeds every DataLoaders of the GPU's dry run on a CPU)."""
    return torch.cuda.is_available() or _from_env() == "gpu"


class ShortFit(Callback):
    """Stop each epoch's training after `n_train` batches, each validation after `n_valid` batches
    and `n_items` items (so that a notebook's top-9 of a validation still finds 9), and each `fit`
    after its first epoch. The learning-rate finder runs as usual (it is short)."""

    order = 1000  # after every other callback, so each of them sees the batches that do run
    resume_attrs = ()  # records nothing (utils.checkpoints)

    def __init__(self, n_train: int = TRAIN_BATCHES, n_valid: int = VALID_BATCHES,
                 n_items: int = ITEMS):
        self.n_train, self.n_valid, self.n_items, self.trained = n_train, n_valid, n_items, False

    def before_validate(self):
        self.seen = 0

    def before_fit(self):
        self.trained = False  # `validate` and `get_preds` send before_fit and after_epoch too

    def before_train(self):
        self.trained = True  # only a real `fit` trains
        if not self._skip() and len(self.dls.train) == 0:
            dl = self.dls.train
            raise RuntimeError(
                f"The training DataLoader has no batches: {len(dl.dataset)} items, batch size "
                f"{dl.bs}, drop_last={dl.drop_last}. The dry run kept too few items for this batch "
                "size: declare the batch-size setting to pick(..., batch_sizes=[...]).")

    def _skip(self) -> bool:
        return hasattr(self.learn, "lr_finder")

    def after_batch(self):
        if self._skip():
            return
        if self.training and self.iter + 1 >= self.n_train:
            self.cut = "cancel_train"
            raise CancelTrainException
        if self.training:
            return
        self.seen += find_bs(self.yb) if self.yb else find_bs(self.xb)
        if self.iter + 1 >= self.n_valid and self.seen >= self.n_items:
            self.cut = "cancel_valid"
            raise CancelValidException

    def _record_what_ran(self):
        # The Recorder drops the metrics of a cancelled phase; ours were cut short, not cancelled,
        # so it records them (over the batches that ran), and `validate()` returns them as usual.
        if getattr(self, "cut", None) and hasattr(self.learn, "recorder"):
            setattr(self.learn.recorder, self.cut, False)
        self.cut = None

    def after_cancel_train(self):
        self._record_what_ran()

    def after_cancel_validate(self):
        self._record_what_ran()

    def after_epoch(self):
        if self.trained and not self._skip():
            raise CancelFitException


def _reorder_what_ran(t, order):
    """fastai's `nested_reorder` for `get_preds` results cut short: `order` sorts the whole
    DataLoader, the results hold its first batches; keep the positions of those."""
    def first_tensor(x):  # results are a list or L of tensors, tuples of them, or None
        if isinstance(x, torch.Tensor):
            return x
        for item in x if is_listy(x) else ():
            if (found := first_tensor(item)) is not None:
                return found
        return None

    first = first_tensor(t)
    if first is not None:
        order = order[order < len(first)]
    return _nested_reorder(t, order)


def is_active() -> bool:
    """Whether `start_dry_run` has switched the dry run on in this process."""
    return ShortFit in defaults.callbacks


def start_dry_run(dry_run: bool = False) -> bool:
    """Switch the dry run on or off for every Learner created from now on; return whether it is on.

    On, it adds `ShortFit` to fastai's default callbacks and says so; off, it removes it, so running
    a notebook again from the top with `dry_run = False` undoes an earlier dry run in its kernel.
    """
    on = requested(dry_run)
    if on and not is_active():
        defaults.callbacks.append(ShortFit)
        fastai_learner.nested_reorder = _reorder_what_ran
    elif not on and is_active():
        defaults.callbacks.remove(ShortFit)
        fastai_learner.nested_reorder = _nested_reorder
    if on:
        items = ("the preset's batch sizes kept, and two of the largest batch of training and "
                 "validation items (as on a GPU)" if gpu_branch() else
                 f"at most {ITEMS} training and validation items, batch sizes cut to "
                 f"{CPU_BATCH_SIZE} on the CPU")
        print(f"DRY RUN: every fit stops after {TRAIN_BATCHES} batches of one epoch, every "
              f"evaluation after {VALID_BATCHES} batches and {ITEMS} items; {items}. The numbers "
              f"below test the code path, not the lesson, and are never published.")
    return on


def shorten(cfg: dict, batch_sizes=(), gpu: bool | None = None) -> dict:
    """A preset's settings for a dry run: the same models, sizes and stages, on fewer items.

    `batch_sizes` names the settings that are batch sizes (declared by the notebook's `pick`). On a
    CPU (`gpu` False), where one step of a `full` model can take a minute, each is cut to
    CPU_BATCH_SIZE and `n_train`/`n_valid` (None means all) to at most ITEMS. On a GPU the batch
    sizes stay the preset's, and `n_train`/`n_valid` keep at least two of the largest batch, so
    that a training loader that drops its last partial batch still has two to train on.
    """
    gpu = gpu_branch() if gpu is None else gpu
    unknown = [k for k in batch_sizes if k not in cfg]
    if unknown:
        raise ValueError(f"batch_sizes names {unknown}, which the settings do not have: declare "
                         f"only settings of the table ({', '.join(cfg)}).")
    sizes = {k: cfg[k] for k in batch_sizes if isinstance(cfg[k], int) and cfg[k] > 0}
    items = max(ITEMS, 2 * max(sizes.values(), default=1)) if gpu else ITEMS
    short = dict(cfg)
    for key in ("n_train", "n_valid"):
        if key in short:
            short[key] = items if short[key] is None else min(short[key], items)
    if not gpu:
        short.update({k: min(v, CPU_BATCH_SIZE) for k, v in sizes.items()})
    return short
