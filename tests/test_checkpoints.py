"""utils.checkpoints: on a real full run every fit's weights are on disk when it ends, and a re-run
restores a finished fit instead of training it, only when it is the same training."""

import pytest
import torch
from fastai.callback.core import Callback, CancelFitException
from fastai.data.core import DataLoaders
from fastai.learner import Learner, defaults
from torch import nn

from utils import checkpoints, env


class CountBatches(Callback):
    resume_attrs = ()  # records nothing a restored fit needs

    def __init__(self):
        self.batches = 0

    def after_batch(self):
        self.batches += self.training


class Records(Callback):  # keeps a record of the fit, does not say what to restore
    def before_fit(self):
        self.seen = []


@pytest.fixture
def full_run(tmp_path, monkeypatch):
    monkeypatch.setenv(env.RUN_DIR, str(tmp_path))
    monkeypatch.delenv(env.RESUME, raising=False)
    saved = list(defaults.callbacks)
    yield tmp_path / "models" / "checkpoints" / "03_unet_camvid"
    defaults.callbacks = saved


def learner(cbs=()):
    torch.manual_seed(0)
    x = torch.randn(64, 4)
    dsets = list(zip(x, (x.sum(1) > 0).long()))
    dls = DataLoaders.from_dsets(dsets, dsets[:16], bs=16, device=torch.device("cpu"))
    return Learner(dls, nn.Linear(4, 2), loss_func=nn.CrossEntropyLoss(), cbs=list(cbs))


def run(cbs=(), lr=1e-2, epochs=(2, 1)):
    """A notebook: set up, one learner, two fits; the learner, its batch counter and the random
    number drawn after the fits."""
    assert checkpoints.install("03_unet_camvid", "full", dry_run=False)
    count = CountBatches()
    learn = learner([count, *cbs])
    with learn.no_logging():
        learn.fit(epochs[0], lr)
        learn.validate()  # not a training: nothing saved
        learn.fit(epochs[1], lr)
    return learn, count.batches, torch.rand(1).item()


def test_only_a_real_full_run_saves(full_run, monkeypatch):
    assert not checkpoints.install("03_unet_camvid", "cpu", dry_run=False)
    assert not checkpoints.install("03_unet_camvid", "full", dry_run=True)
    monkeypatch.setenv(env.MEASURE, "30")
    assert not checkpoints.install("03_unet_camvid", "full", dry_run=False)  # a cut-short run


def test_a_full_run_saves_each_fit_and_its_state(full_run):
    learn, batches, _ = run()
    assert batches == 3 * 4
    assert sorted(p.name for p in full_run.iterdir()) == [
        "00-Linear.pth", "00-Linear.state.pth", "01-Linear.pth", "01-Linear.state.pth"]
    weights = torch.load(full_run / "01-Linear.pth", weights_only=True)
    assert torch.equal(weights["weight"], learn.model.weight.detach())


def test_a_rerun_restores_finished_fits_as_if_it_had_trained(full_run, capsys):
    first, batches, after = run()
    again, batches_again, after_again = run()
    assert batches_again == 0  # nothing trained
    assert "restored from" in capsys.readouterr().out
    assert torch.equal(again.model.weight, first.model.weight)
    assert again.recorder.values == first.recorder.values
    assert [float(v) for v in again.recorder.losses] == [float(v) for v in first.recorder.losses]
    assert after_again == after  # the random state goes on as after the training
    for state in again.opt.state.values():  # Adam's moments came back too
        assert "avg" in state or "grad_avg" in state


def test_another_training_is_not_restored(full_run, capsys):
    run()
    assert run(epochs=(2, 2))[1] == 2 * 4  # the first fit restored, the second changed
    assert run(lr=3e-2, epochs=(2, 2))[1] == 4 * 4  # another learning rate: both trained again
    run(cbs=[Records()])
    assert run(cbs=[Records()])[1] == 3 * 4  # a callback that may hold a record of the fit
    assert "Records may record what happens in the fit" in capsys.readouterr().out


def test_a_fit_stopped_early_leaves_no_state_and_trains_again(full_run):
    class StopAfterTwoBatches(Callback):
        resume_attrs = ()

        def after_batch(self):
            if self.train_iter == 2:
                raise CancelFitException

    run(cbs=[StopAfterTwoBatches()])
    assert (full_run / "00-Linear.pth").exists() and not (full_run / "00-Linear.state.pth").exists()
    assert run()[1] == 3 * 4


def test_resume_can_be_turned_off_and_a_bad_value_is_named(full_run, monkeypatch):
    run()
    monkeypatch.setenv(env.RESUME, "0")
    assert run()[1] == 3 * 4
    monkeypatch.setenv(env.RESUME, "no")
    with pytest.raises(ValueError, match="LESSON7_RESUME='no'"):
        checkpoints.install("03_unet_camvid", "full", dry_run=False)


def test_a_damaged_state_file_is_named_and_the_fit_trains(full_run, capsys):
    run()
    (full_run / "00-Linear.state.pth").write_bytes(b"not a checkpoint")
    assert run()[1] >= 2 * 4
    assert "00-Linear.state.pth not used" in capsys.readouterr().out
