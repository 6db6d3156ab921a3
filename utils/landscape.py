"""Loss landscapes (Li et al. 2018): filter-normalised random directions and loss on a grid."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence

import torch
from torch import nn
from torch.optim.swa_utils import update_bn

Batches = Sequence[tuple[torch.Tensor, torch.Tensor]]  # (inputs, targets) pairs
BN_MODES = ("recompute", "keep")


def weights(model: nn.Module) -> list[torch.Tensor]:
    """A detached copy of every parameter, in `model.parameters()` order: the centre of a plot."""
    return [p.detach().clone() for p in model.parameters()]


def filter_normalize(direction: list[torch.Tensor],
                     centre: list[torch.Tensor]) -> list[torch.Tensor]:
    """Scale each filter of `direction` to the norm of the same filter of `centre`.

    A filter is one output unit's slice of a weight: `w[i]` of a conv weight (out, in, k, k) or a
    row of a linear weight. One-dimensional parameters (biases, batchnorm scales and shifts) get a
    zero direction, as in Li et al.'s plots: they are not perturbed.
    """
    normalized = []
    for d, w in zip(direction, centre, strict=True):
        if w.dim() <= 1:
            normalized.append(torch.zeros_like(w))
            continue
        d_rows, w_rows = d.reshape(d.shape[0], -1), w.reshape(w.shape[0], -1)
        scale = w_rows.norm(dim=1, keepdim=True) / (d_rows.norm(dim=1, keepdim=True) + 1e-10)
        normalized.append((d_rows * scale).reshape(w.shape))
    return normalized


def random_direction(model: nn.Module, seed: int | None = None) -> list[torch.Tensor]:
    """A Gaussian random direction in weight space, filter-normalised to `model`'s weights."""
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    centre = weights(model)
    raw = [torch.randn(w.shape, generator=generator).to(w) for w in centre]
    return filter_normalize(raw, centre)


def set_weights(model: nn.Module, centre: list[torch.Tensor],
                directions: Sequence[list[torch.Tensor]], coords: Sequence[float]) -> None:
    """Set the parameters to `centre + sum(coord * direction)`."""
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(centre[i])
            for c, d in zip(coords, directions, strict=True):
                if c:
                    p.add_(d[i], alpha=float(c))


def has_batchnorm(model: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())


@torch.no_grad()
def mean_loss(model: nn.Module, loss_func: Callable, batches: Batches) -> float:
    """The loss averaged over every item of `batches`, in eval mode (batchnorm uses its running
    statistics). `loss_func` must average over a batch, like `nn.CrossEntropyLoss()`."""
    model.eval()
    total, count = 0.0, 0
    for x, y in batches:
        total += float(loss_func(model(x), y)) * len(y)
        count += len(y)
    return total / count


def loss_at(model: nn.Module, loss_func: Callable, batches: Batches,
            bn: str = "recompute") -> float:
    """The mean loss of the model as its parameters are now.

    With `bn="recompute"` the batchnorm running statistics are first re-estimated on `batches`
    (as after stochastic weight averaging), so that perturbed weights are judged with the statistics
    they would have; `"keep"` uses the statistics the model has (those of the trained weights).
    """
    if bn not in BN_MODES:
        raise ValueError(f"bn must be one of {BN_MODES}, got {bn!r}")
    if bn == "recompute" and has_batchnorm(model):
        update_bn([x for x, _ in batches], model)
    return mean_loss(model, loss_func, batches)


class _Restored:
    """Context manager: put back the model's state (weights, batchnorm statistics, mode) on exit."""

    def __init__(self, model: nn.Module):
        self.model = model

    def __enter__(self):
        self.state = copy.deepcopy(self.model.state_dict())
        self.training = self.model.training
        return self

    def __exit__(self, *exc):
        self.model.load_state_dict(self.state)
        self.model.train(self.training)
        return False


def loss_line(model: nn.Module, loss_func: Callable, batches: Batches, direction: list,
              alphas: Sequence[float], bn: str = "recompute") -> list[float]:
    """Loss at `weights + alpha * direction` for each alpha (a 1-D slice). The model is restored."""
    with _Restored(model):
        centre = weights(model)
        out = []
        for a in alphas:
            set_weights(model, centre, [direction], [a])
            out.append(loss_at(model, loss_func, batches, bn))
    return out


def loss_grid(model: nn.Module, loss_func: Callable, batches: Batches, directions: Sequence[list],
              xs: Sequence[float], ys: Sequence[float], bn: str = "recompute") -> torch.Tensor:
    """Loss at `weights + x * d1 + y * d2` on the grid xs by ys; the model is restored afterwards.

    Returns a (len(ys), len(xs)) tensor, the layout `plt.contour(xs, ys, grid)` expects.
    """
    d1, d2 = directions
    grid = torch.empty(len(ys), len(xs))
    with _Restored(model):
        centre = weights(model)
        for j, y in enumerate(ys):
            for i, x in enumerate(xs):
                set_weights(model, centre, [d1, d2], [x, y])
                grid[j, i] = loss_at(model, loss_func, batches, bn)
    return grid


def loss_rise(model: nn.Module, loss_func: Callable, batches: Batches, directions: Sequence[list],
              radius: float, n_points: int = 8, bn: str = "recompute") -> float:
    """Sharpness as one number: the mean loss on a circle of `radius` in the plane of the two
    directions, minus the loss at the centre. The model is restored."""
    d1, d2 = directions
    with _Restored(model):
        centre = weights(model)
        base = loss_at(model, loss_func, batches, bn)
        ring = []
        for k in range(n_points):
            angle = 2 * math.pi * k / n_points
            coords = [radius * math.cos(angle), radius * math.sin(angle)]
            set_weights(model, centre, [d1, d2], coords)
            ring.append(loss_at(model, loss_func, batches, bn))
    return sum(ring) / n_points - base
