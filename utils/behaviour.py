"""Do two builds of a model compute the same thing? Copy one's weights into the other and compare
their outputs (notebooks 05 to 07 check their cells against utils/ with it, for now)."""

from __future__ import annotations

import torch
from torch import nn


def _tensors(out) -> list[torch.Tensor]:
    return [out] if isinstance(out, torch.Tensor) else [t for o in out for t in _tensors(o)]


def check_same_behaviour(model: nn.Module, reference: nn.Module, x: torch.Tensor,
                         atol: float = 1e-5) -> float:
    """Copy `model`'s weights into `reference`, run both on `x` in eval mode, and raise an
    AssertionError unless every output agrees within `atol`; return the largest difference.

    A behaviour check: unlike comparing `str(model)`, it fails when a `forward` differs. Each model
    runs on its own device and gets back its training mode (and a reset of any recurrent state).
    """
    reference.load_state_dict(model.state_dict())  # strict: the same parameter names and shapes
    outputs, modes = [], [m.training for m in (model, reference)]
    try:
        for m in (model, reference):
            m.eval(), getattr(m, "reset", lambda: None)()
            with torch.no_grad():
                device = next(m.parameters()).device
                outputs.append([t.float().cpu() for t in _tensors(m(x.to(device)))])
    finally:
        for m, mode in zip((model, reference), modes):
            m.train(mode), getattr(m, "reset", lambda: None)()
    ours, theirs = outputs
    assert len(ours) == len(theirs), f"{len(ours)} outputs against the reference's {len(theirs)}"
    diff = max(((a - b).abs().max().item() if a.shape == b.shape else float("inf"))
               for a, b in zip(ours, theirs))
    assert diff <= atol, f"the same weights give different outputs (largest difference {diff:.3g})"
    return diff
