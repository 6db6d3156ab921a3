"""A dry run is short (a couple of batches per fit and per evaluation) and changes nothing else."""

import fastai.callback.schedule  # noqa: F401  (adds Learner.lr_find)
import pytest
import torch
from fastai.data.core import DataLoaders
from fastai.learner import Learner, defaults
from fastai.torch_core import TensorBase
from torch import nn
from torch.utils.data import TensorDataset

from tools import run
from utils import dry_run, env, presets, results


class CountBatches:
    """Counts the training and validation batches a learner really runs."""

    def __init__(self):
        self.train = self.valid = 0

    def callback(self):
        from fastai.callback.core import Callback

        counter = self

        class Count(Callback):
            def after_batch(self):
                if self.training:
                    counter.train += 1
                else:
                    counter.valid += 1

        return Count()


def tiny_learner(n_train=64, n_valid=32, bs=4):
    torch.manual_seed(0)
    x, y = torch.randn(n_train + n_valid, 3), torch.randn(n_train + n_valid, 1)
    train = TensorDataset(TensorBase(x[:n_train]), TensorBase(y[:n_train]))
    valid = TensorDataset(TensorBase(x[n_train:]), TensorBase(y[n_train:]))
    dls = DataLoaders.from_dsets(train, valid, bs=bs, num_workers=0)
    return Learner(dls, nn.Linear(3, 1), loss_func=nn.MSELoss())


# batches of 4: validation runs its 2 batches and goes on to ITEMS items
VALID_BATCHES = max(dry_run.VALID_BATCHES, -(-dry_run.ITEMS // 4))


@pytest.fixture
def dry():
    """The dry run switched on for the test, and off again after it."""
    assert dry_run.start_dry_run(True)
    yield
    dry_run.start_dry_run(False)
    assert dry_run.ShortFit not in defaults.callbacks


def test_a_dry_run_fit_is_one_epoch_of_two_batches(dry, monkeypatch):
    learn, count = tiny_learner(), CountBatches()
    learn.fit(5, 1e-3, cbs=count.callback())  # 16 batches an epoch, 5 epochs without the dry run
    assert (count.train, count.valid) == (dry_run.TRAIN_BATCHES, VALID_BATCHES)
    assert len(learn.recorder.values) == 1  # one epoch recorded...
    assert len(learn.recorder.values[0]) == 2  # ...with its training and validation loss


def test_evaluation_is_cut_but_the_learning_rate_finder_is_not(dry):
    learn, count = tiny_learner(), CountBatches()
    inputs, preds, targets = learn.get_preds(with_input=True)  # an L of three, as fastai's
    assert len(inputs) == len(preds)
    assert len(preds) == len(targets) == VALID_BATCHES * 4
    assert torch.equal(targets, learn.dls.valid_ds.tensors[1][: len(targets)])  # in their order
    losses = learn.get_preds(with_loss=True, with_preds=False, with_targs=False)[-1]
    assert len(losses) == len(preds)  # as ClassificationInterpretation asks for them
    loss = learn.validate(cbs=count.callback())[0]
    assert count.valid == VALID_BATCHES
    assert loss == pytest.approx(((preds - targets) ** 2).mean().item(), rel=1e-5)
    learn.lr_find(num_it=20, show_plot=False)
    assert len(learn.recorder.lrs) > dry_run.TRAIN_BATCHES


def test_without_the_dry_run_nothing_is_cut(monkeypatch):
    monkeypatch.delenv(env.DRY_RUN, raising=False)
    assert not dry_run.start_dry_run(False)
    learn, count = tiny_learner(), CountBatches()
    learn.fit(2, 1e-3, cbs=count.callback())
    assert (count.train, count.valid) == (2 * 16, 2 * 8)


def test_the_switch_comes_from_the_parameter_or_the_environment(monkeypatch):
    monkeypatch.delenv(env.DRY_RUN, raising=False)
    assert dry_run.requested(True) and not dry_run.requested(False)
    monkeypatch.setenv(env.DRY_RUN, "1")
    assert dry_run.requested(False)
    monkeypatch.setenv(env.DRY_RUN, "0")
    assert not dry_run.requested(False)
    monkeypatch.setenv(env.DRY_RUN, "maybe")
    with pytest.raises(ValueError, match="LESSON7_DRY_RUN='maybe'"):
        dry_run.requested(False)
    with pytest.raises(ValueError, match="dry_run must be True or False"):
        dry_run.requested("yes")


SETTINGS = {  #      smoke   cpu    full
    "n_train":         (48,    None,  None),
    "n_valid":         (8,     None,  300),
    "batch_size":      (16,    32,    128),
    "crit_batch_size": (16,    32,    32),
    "batch_size2":     (0,     0,     16),
    "curve_bs":        (32,    64,    64),
    "size":            (32,    64,    (360, 480)),
    "epochs":          (1,     5,     40),
    "lr":              (1e-3,  1e-3,  1e-4),
    "arch":            ("slim", "slim", "resnet34"),
}


BATCH_SIZES = ["batch_size", "crit_batch_size", "batch_size2", "curve_bs"]


def test_a_dry_run_keeps_every_setting_but_cuts_batch_sizes_on_a_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    real = presets.pick(SETTINGS, "full", batch_sizes=BATCH_SIZES)
    dry = presets.pick(SETTINGS, "full", dry_run=True, batch_sizes=BATCH_SIZES)
    cut = set(BATCH_SIZES) | {"n_train", "n_valid"}
    assert {k: v for k, v in dry.items() if k not in cut} == {
        k: v for k, v in real.items() if k not in cut}
    assert dry["n_train"] == dry["n_valid"] == dry_run.ITEMS
    assert all(dry[k] == dry_run.CPU_BATCH_SIZE for k in BATCH_SIZES) and real["batch_size"] == 128
    assert presets.pick(SETTINGS, "cpu", dry_run=True, batch_sizes=BATCH_SIZES)["batch_size2"] == 0


def test_on_a_gpu_a_dry_run_keeps_the_batch_sizes_and_two_batches_of_items(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    dry = presets.pick(SETTINGS, "full", dry_run=True, batch_sizes=BATCH_SIZES)
    real = presets.pick(SETTINGS, "full", batch_sizes=BATCH_SIZES)
    assert dry == {**real, "n_train": 256, "n_valid": 256}  # two of the largest batch, 128
    smoke = presets.pick(SETTINGS, "smoke", dry_run=True, batch_sizes=BATCH_SIZES)
    assert smoke["n_valid"] == 8 and smoke["n_train"] == 48  # already fewer than 2 x 32


def test_the_gpu_branch_can_be_asked_for_on_a_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv(env.DRY_RUN, "gpu")  # make check-gpu-branch
    assert dry_run.requested() and dry_run.gpu_branch()
    dry = presets.pick(SETTINGS, "full", dry_run=True, batch_sizes=BATCH_SIZES)
    assert dry == {**presets.pick(SETTINGS, "full", batch_sizes=BATCH_SIZES),
                   "n_train": 256, "n_valid": 256}
    monkeypatch.setenv(env.DRY_RUN, "1")
    assert dry_run.requested() and not dry_run.gpu_branch()
    monkeypatch.setenv(env.DRY_RUN, "cuda")
    with pytest.raises(ValueError, match="LESSON7_DRY_RUN='cuda'"):
        dry_run.requested()


def test_a_training_loader_without_batches_is_named(dry):
    learn = tiny_learner(n_train=3, bs=4)
    learn.dls.train.drop_last = True  # as fastai's training loaders do: 3 items, no batch of 4
    with pytest.raises(RuntimeError, match="no batches: 3 items, batch size 4, drop_last=True"):
        learn.fit(1, 1e-3)


def test_only_declared_batch_sizes_are_cut_and_undeclared_names_are_refused():
    dry = dry_run.shorten({"batch_size": 64, "other_bs": 64}, ["batch_size"], gpu=False)
    assert dry == {"batch_size": dry_run.CPU_BATCH_SIZE, "other_bs": 64}
    with pytest.raises(ValueError, match="batch_sizes names \\['bs'\\]"):
        presets.pick({"batch_size": (1, 2, 3)}, "cpu", batch_sizes=["bs"])


def test_a_dry_run_record_has_no_floor_and_is_never_published(tmp_path):
    record = results.make_record("01_resnet_mnist", "cpu", {"resnet_accuracy_mean": 0.1},
                                 dry_run=True)
    assert record["dry_run"] and record["floor"] is None and record["meets_floor"] is None
    assert "DRY RUN" in results.format_table(record)
    entry = {"name": "01_resnet_mnist", "status": "ok", "seconds": 1.0, "metrics": {},
             "reference": {}, "error": None, "dry_run": True}
    run.publish([entry], "cpu", "2026-01-01 00:00", folder=tmp_path)
    assert not (tmp_path / "results.json").exists()

