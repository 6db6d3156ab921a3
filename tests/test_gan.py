"""The training watchers of utils.gan: side-effect-free generation, grids, quality, NaN guard."""

import torch
from fastai.callback.core import Callback
from fastai.data.core import DataLoaders
from fastai.learner import Learner
from fastai.optimizer import SGD
from torch import nn
from torch.utils.data import TensorDataset

from utils import gan


def tiny_generator():
    return nn.Sequential(nn.Linear(4, 3 * 8 * 8), nn.Unflatten(1, (3, 8, 8)), nn.BatchNorm2d(3),
                         nn.Tanh())


def tiny_learner(x, y):
    dls = DataLoaders.from_dsets(TensorDataset(x, y), TensorDataset(x[:4], y[:4]), bs=8,
                                 num_workers=0)
    return Learner(dls, tiny_generator(), loss_func=nn.MSELoss(), opt_func=SGD, lr=0.01)


def test_generate_restores_mode_and_batchnorm_statistics():
    model = tiny_generator().eval()
    before = {k: v.clone() for k, v in model.named_buffers()}
    out = gan.generate(model, torch.randn(10, 4), bs=4, batch_stats=True)
    assert out.shape == (10, 3, 8, 8) and not model.training
    for k, v in model.named_buffers():
        assert torch.equal(v, before[k]), k


def test_image_grid_and_sample_quality_follow_training(tmp_path, monkeypatch):
    monkeypatch.setenv("LESSON7_RUN_DIR", str(tmp_path))
    torch.manual_seed(0)
    x = torch.randn(64, 4)
    y = torch.rand(64, 3, 8, 8) * 0.2 + 0.3  # targets: grey-ish images in [-1, 1] units
    learn = tiny_learner(x, y)
    inputs = torch.randn(16, 4)
    grid = gan.ImageGrid(inputs, every=2, notebook="nb", show=False,
                         decode=lambda t: ((t + 1) / 2).clamp(0, 1))
    quality = gan.SampleQuality(y[:16], inputs, every=1, levels=2, patch=3, n_per_image=8)
    learn.fit(3, cbs=[grid, quality])
    assert [e for e, _ in grid.history] == [2, 3]
    assert grid.history[0][1].shape == (16, 3, 8, 8)
    assert 0 <= grid.history[0][1].min() and grid.history[0][1].max() <= 1
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == [
        "nb-grid-epoch002.png", "nb-grid-epoch003.png"]
    assert [e for e, _ in quality.values] == [0, 1, 2, 3]
    assert quality.values[-1][1] < quality.values[0][1]  # it learns to match the targets
    gan.ImageGrid.plot_history(grid)


def test_a_fit_cut_short_still_gets_its_last_grid_and_measure(tmp_path, monkeypatch):
    from fastai.callback.core import Callback, CancelFitException

    class StopAfterOneEpoch(Callback):
        order = 1000  # last, as a dry run or an interrupted fit

        def after_epoch(self):
            raise CancelFitException

    monkeypatch.setenv("LESSON7_RUN_DIR", str(tmp_path))
    torch.manual_seed(0)
    x, y = torch.randn(32, 4), torch.rand(32, 3, 8, 8)
    learn, inputs = tiny_learner(x, y), torch.randn(8, 4)
    grid = gan.ImageGrid(inputs, every=5, notebook="nb", show=False,
                         decode=lambda t: ((t + 1) / 2).clamp(0, 1))
    quality = gan.SampleQuality(y[:8], inputs, every=5, levels=2, patch=3, n_per_image=8)
    learn.fit(10, cbs=[grid, quality, StopAfterOneEpoch()])
    assert [e for e, _ in grid.history] == [1] and [e for e, _ in quality.values] == [0, 1]
    learn.validate()  # validate sends after_fit too: nothing new to draw or measure
    assert len(grid.history) == 1 and len(quality.values) == 2


def test_nan_guard_stops_and_keeps_the_last_good_weights(capsys):
    x = torch.randn(64, 4)
    y = torch.rand(64, 3, 8, 8)
    x[40] = float("nan")  # one bad input, in the sixth batch
    learn = tiny_learner(x, y)
    learn.dls.train.shuffle = False
    guard = gan.NaNGuard()
    learn.fit(2, cbs=guard)
    assert guard.stopped_at == (0, 5)
    assert all(torch.isfinite(p).all() for p in learn.model.parameters())
    assert "NaNGuard" in capsys.readouterr().out


def test_an_empty_validation_set_is_skipped_without_warnings(recwarn):
    x, y = torch.randn(32, 4), torch.rand(32, 3, 8, 8)
    dls = DataLoaders.from_dsets(TensorDataset(x, y), TensorDataset(x[:0], y[:0]), bs=8,
                                 num_workers=0)
    learn = Learner(dls, tiny_generator(), loss_func=nn.MSELoss(), opt_func=SGD, lr=0.01,
                    metrics=lambda pred, targ: (pred - targ).abs().mean())
    learn.fit(1, cbs=gan.SkipEmptyValidation())
    assert not [w for w in recwarn if "generator is empty" in str(w.message)]
    assert learn.model.training  # never switched to eval for a validation that did not happen
    assert len(learn.recorder.values[-1]) == 2  # train loss and the metric, on training batches


def test_nan_guard_skips_a_copy_whose_weights_went_non_finite():
    class PoisonAfterStep(Callback):  # runs before the guard copies the weights
        order = -20

        def after_step(self):
            if self.iter == 2:
                self.after_two = {k: v.clone() for k, v in self.learn.model.state_dict().items()}
            if self.iter == 3:  # as an overflowing update would
                with torch.no_grad():
                    next(self.learn.model.parameters()).fill_(float("nan"))

    learn = tiny_learner(torch.randn(64, 4), torch.rand(64, 3, 8, 8))
    learn.dls.train.shuffle = False
    guard, poison = gan.NaNGuard(), PoisonAfterStep()
    learn.fit(1, cbs=[guard, poison])
    assert guard.stopped_at == (0, 4)
    restored = learn.model.state_dict()
    assert all(torch.equal(restored[k], v) for k, v in poison.after_two.items())


def tiny_gan(validate_in_eval: bool):
    from fastai.vision.gan import GANLearner

    x = torch.randn(32, 4)
    y = torch.rand(32, 3, 8, 8)
    gen = tiny_learner(x, y)
    critic = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 1), nn.Flatten(0))
    crit = Learner(gen.dls, critic, loss_func=nn.BCEWithLogitsLoss())
    cbs = [gan.GeneratorEvalInValidation()] if validate_in_eval else []
    return GANLearner.from_learners(gen, crit, show_img=False, opt_func=SGD, lr=0.01, cbs=cbs)


class BatchnormWatch(Callback):
    """Records, for the validation phase, whether the generator is in training mode and whether
    its batchnorm's running statistics moved."""

    order = 50

    def before_validate(self):
        self.bn = self.learn.model.generator[2]
        self.training, self.before = self.bn.training, self.bn.running_mean.clone()

    def after_validate(self):
        self.moved = not torch.equal(self.bn.running_mean, self.before)


def test_gan_validation_leaves_the_generator_batchnorm_alone():
    watch = BatchnormWatch()
    fastai_default = tiny_gan(validate_in_eval=False)
    fastai_default.fit(1, cbs=watch)
    assert watch.training and watch.moved  # what the callback is for: fastai's default validates
    ours = tiny_gan(validate_in_eval=True)  # ... in training mode, updating the statistics
    ours.fit(1, cbs=watch)
    assert not watch.training and not watch.moved
