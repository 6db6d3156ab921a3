"""utils.checkpoints: on a real full run every fit's weights are on disk when it ends."""

import torch
from fastai.data.core import DataLoaders
from fastai.learner import Learner, defaults
from torch import nn

from utils import checkpoints, env


def test_a_full_run_saves_each_fit_and_other_runs_do_not(tmp_path, monkeypatch):
    monkeypatch.setenv(env.RUN_DIR, str(tmp_path))
    saved = list(defaults.callbacks)
    try:
        assert not checkpoints.install("03_unet_camvid", "cpu", dry_run=False)
        assert not checkpoints.install("03_unet_camvid", "full", dry_run=True)
        assert checkpoints.install("03_unet_camvid", "full", dry_run=False)
        x = torch.randn(64, 4)
        dsets = list(zip(x, (x.sum(1) > 0).long()))
        dls = DataLoaders.from_dsets(dsets, dsets[:16], bs=16, device=torch.device("cpu"))
        learn = Learner(dls, nn.Linear(4, 2), loss_func=nn.CrossEntropyLoss())
        with learn.no_logging():
            learn.fit(2, 1e-2)
            learn.validate()  # not a training: nothing saved
            learn.fit(1, 1e-2)
    finally:
        defaults.callbacks = saved
    folder = tmp_path / "models" / "checkpoints" / "03_unet_camvid"
    assert sorted(p.name for p in folder.iterdir()) == ["00-Linear.pth", "01-Linear.pth"]
    weights = torch.load(folder / "01-Linear.pth", weights_only=True)
    assert torch.equal(weights["weight"], learn.model.weight.detach())
