"""Loss-landscape helpers: filter normalisation, grid layout, batchnorm, restoring the model."""

import pytest
import torch
from torch import nn

from utils import landscape


def small_net(bn: bool = True) -> nn.Sequential:
    torch.manual_seed(0)
    norm = [nn.BatchNorm2d(4)] if bn else []
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), *norm, nn.ReLU(), nn.Flatten(),
                         nn.Linear(4 * 6 * 6, 3))


def some_batches(n_batches: int = 2, bs: int = 8):
    g = torch.Generator().manual_seed(1)
    return [(torch.randn(bs, 1, 6, 6, generator=g), torch.randint(0, 3, (bs,), generator=g))
            for _ in range(n_batches)]


def trained(model, batches, steps=5):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    model.train()
    for _ in range(steps):
        for x, y in batches:
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
    return model


def test_normalised_direction_has_the_weights_filter_norms():
    model = small_net()
    direction = landscape.random_direction(model, seed=0)
    for d, w in zip(direction, model.parameters()):
        assert d.shape == w.shape
        if w.dim() > 1:  # conv filters w[i] and linear rows: same norm filter by filter
            d_norms = d.reshape(d.shape[0], -1).norm(dim=1)
            w_norms = w.detach().reshape(w.shape[0], -1).norm(dim=1)
            torch.testing.assert_close(d_norms, w_norms)
            assert not torch.allclose(d, w.detach())  # random, not a copy of the weights
        else:  # biases and batchnorm parameters are not perturbed
            assert torch.count_nonzero(d) == 0


def test_direction_is_reproducible_for_a_seed():
    model = small_net()
    a, b = landscape.random_direction(model, seed=3), landscape.random_direction(model, seed=3)
    c = landscape.random_direction(model, seed=4)
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert not all(torch.equal(x, z) for x, z in zip(a, c) if x.dim() > 1)


@pytest.mark.parametrize("bn", [True, False])
def test_grid_centre_equals_the_trained_models_loss(bn):
    batches = some_batches()
    model = trained(small_net(bn), batches)
    loss_func = nn.CrossEntropyLoss()
    expected = landscape.mean_loss(model, loss_func, batches)
    dirs = [landscape.random_direction(model, seed=s) for s in (0, 1)]
    xs, ys = [-1.0, 0.0, 1.0], [-0.5, 0.0, 0.5, 1.0]
    grid = landscape.loss_grid(model, loss_func, batches, dirs, xs, ys, bn="keep")
    assert grid.shape == (len(ys), len(xs))
    assert grid[1, 1].item() == pytest.approx(expected, rel=1e-6)
    # perturbed points are different models, so (almost surely) different losses
    assert grid[0, 0].item() != pytest.approx(expected, rel=1e-3)


def test_recomputed_batchnorm_statistics_at_the_centre():
    """bn='recompute': the centre is the trained weights with statistics measured on the data."""
    batches = some_batches()
    model = trained(small_net(), batches)
    loss_func = nn.CrossEntropyLoss()
    dirs = [landscape.random_direction(model, seed=s) for s in (0, 1)]
    centre = landscape.loss_grid(model, loss_func, batches, dirs, [0.0], [0.0])[0, 0].item()
    reference = trained(small_net(), batches)
    torch.optim.swa_utils.update_bn([x for x, _ in batches], reference)
    assert centre == pytest.approx(landscape.mean_loss(reference, loss_func, batches), rel=1e-6)


def test_grid_layout_rows_are_ys():
    batches = some_batches()
    model = trained(small_net(bn=False), batches)
    d1 = landscape.random_direction(model, seed=0)
    zero = [torch.zeros_like(t) for t in d1]
    xs, ys = [-1.0, 0.0, 1.0], [0.0, 2.0]
    grid = landscape.loss_grid(model, nn.CrossEntropyLoss(), batches, [d1, zero], xs, ys)
    torch.testing.assert_close(grid[0], grid[1])  # moving along a zero direction changes nothing
    line = landscape.loss_line(model, nn.CrossEntropyLoss(), batches, d1, xs)
    torch.testing.assert_close(grid[0], torch.tensor(line))


def test_model_is_restored_after_evaluation():
    batches = some_batches()
    model = trained(small_net(), batches).train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    dirs = [landscape.random_direction(model, seed=s) for s in (0, 1)]
    landscape.loss_grid(model, nn.CrossEntropyLoss(), batches, dirs, [-1.0, 1.0], [0.5])
    landscape.loss_rise(model, nn.CrossEntropyLoss(), batches, dirs, radius=0.5, n_points=4)
    assert model.training
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_loss_rise_is_positive_around_a_minimum():
    batches = some_batches()
    model = trained(small_net(bn=False), batches, steps=50)
    dirs = [landscape.random_direction(model, seed=s) for s in (0, 1)]
    rise = landscape.loss_rise(model, nn.CrossEntropyLoss(), batches, dirs, radius=0.5)
    assert rise > 0


def test_unknown_bn_mode_is_refused():
    with pytest.raises(ValueError, match="bn must be"):
        landscape.loss_at(small_net(), nn.CrossEntropyLoss(), some_batches(), bn="fresh")
