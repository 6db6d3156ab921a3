"""utils.device_audit: a Learner whose DataLoaders have no device, whose model or metric is left on
another device, or that would train on the CPU beside a GPU, fails at its first batch, by name."""

import pytest
import torch
from fastai.callback.core import Callback
from fastai.data.core import DataLoaders
from fastai.learner import Learner
from fastai.metrics import AvgMetric
from torch import nn

from utils import device_audit
from utils.device_audit import DeviceAudit, DeviceMismatch


def dsets(n=32):
    x = torch.randn(n, 4)
    y = (x.sum(1) > 0).long()
    return list(zip(x, y)), list(zip(x[:8], y[:8]))


def learner(device="cpu", metrics=(), cbs=()):
    train, valid = dsets()
    kwargs = {} if device is None else {"device": torch.device(device)}
    dls = DataLoaders.from_dsets(train, valid, bs=8, **kwargs)
    return Learner(dls, nn.Linear(4, 2), loss_func=nn.CrossEntropyLoss(), metrics=list(metrics),
                   cbs=[DeviceAudit(), *cbs])


def fit(learn):
    with learn.no_logging():
        learn.fit(1, 1e-2)


def test_a_learner_on_one_device_trains():
    learn = learner()
    fit(learn)
    assert len(learn.recorder.losses) == 4


def test_dataloaders_from_dsets_without_a_device_are_caught():
    device_audit._notebook["name"] = "07_rnn_human_numbers"
    with pytest.raises(DeviceMismatch, match=r"07_rnn_human_numbers: the Learner of Linear: its "
                       r"DataLoaders have no device .*on a GPU machine it would train on the CPU"):
        fit(learner(device=None))


class LeaveBehind(Callback):
    """Moves the model away once fastai has put it on the batches' device (as a notebook that
    rebuilt the model, or moved it, after making the Learner would)."""
    order = -2

    def before_batch(self):
        self.learn.model.to("meta")


def test_a_model_left_on_another_device_is_caught():
    with pytest.raises(DeviceMismatch, match=r"the model is on meta but its DataLoaders put "
                       r"batches on cpu"):
        fit(learner(cbs=[LeaveBehind()]))


def test_a_metric_with_weights_on_another_device_is_caught():
    elsewhere = nn.Linear(2, 1, device="meta")  # fastai moves the loss function, never metrics
    metric = AvgMetric(lambda pred, targ: torch.tensor(0.0))
    metric.func = elsewhere
    with pytest.raises(DeviceMismatch, match=r"the metric .* has weights on meta"):
        fit(learner(metrics=[metric]))


def test_training_on_the_cpu_beside_a_gpu_is_caught(monkeypatch):
    """The GPU branch, on a CPU: fastai's default device says CUDA, the batches stay on the CPU."""
    monkeypatch.setattr(device_audit, "default_device", lambda: torch.device("cuda", 0))
    with pytest.raises(DeviceMismatch, match=r"it trains on the CPU although cuda:0 is present"):
        fit(learner())


def test_setup_gives_every_learner_the_audit():
    from utils.setup import setup

    from fastai.learner import defaults

    setup("smoke", "test_notebook")
    assert DeviceAudit in defaults.callbacks
    learn = Learner(DataLoaders.from_dsets(*dsets(), bs=8), nn.Linear(4, 2),
                    loss_func=nn.CrossEntropyLoss())
    with pytest.raises(DeviceMismatch, match="test_notebook: the Learner of Linear"):
        fit(learn)
