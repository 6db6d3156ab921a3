"""utils.measure: a real run whose training stops at its budget, with steps a second, the share
of time waiting for data and the device each model trained on."""

import pytest
import torch
from fastai.data.core import DataLoaders
from fastai.learner import Learner, defaults
from torch import nn

from utils import env, measure


@pytest.fixture
def budget(monkeypatch):
    monkeypatch.setenv(env.MEASURE, "0.05")
    monkeypatch.setattr(measure, "_totals", {"steps": 0, "step_s": 0.0, "wait_s": 0.0,
                                             "devices": {}})
    saved = list(defaults.callbacks)
    yield
    defaults.callbacks = saved


def test_training_stops_at_the_budget_and_what_it_saw_is_summed(budget):
    assert measure.install()
    x = torch.randn(4096, 8)
    dsets = list(zip(x, (x.sum(1) > 0).long()))
    dls = DataLoaders.from_dsets(dsets, dsets[:64], bs=8, device=torch.device("cpu"))
    learn = Learner(dls, nn.Sequential(nn.Linear(8, 256), nn.ReLU(), nn.Linear(256, 2)),
                    loss_func=nn.CrossEntropyLoss())
    with learn.no_logging():
        learn.fit(5, 1e-3)
    seen = measure.summary()
    assert 0 < seen["steps"] < 5 * 512, "stopped by the budget, long before five epochs"
    assert seen["steps_per_second"] > 0 and 0 <= seen["data_wait_share"] < 1
    assert seen["devices"] == {"Sequential": "cpu"}
    with learn.no_logging():
        learn.fit(1, 1e-3)  # after the budget: one batch
    assert measure.summary()["steps"] == seen["steps"] + 1


def test_a_bad_budget_is_named(monkeypatch):
    monkeypatch.setenv(env.MEASURE, "soon")
    with pytest.raises(ValueError, match="LESSON7_MEASURE_S='soon'"):
        measure.budget()
    monkeypatch.delenv(env.MEASURE)
    assert measure.budget() is None and measure.summary() is None
