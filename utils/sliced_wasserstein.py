"""Generated from notebooks/04_wgan_bedroom.ipynb by `python -m tools.save_cells`:
edit the notebook, not this file.
"""

import torch


def sliced_wasserstein(a, b, n_directions=128, generator=None):
    "Distance between two clouds of points, (n, d) each: project, sort, compare, average."
    if a.shape != b.shape:
        raise ValueError(f"Both sets need the same shape: {tuple(a.shape)}, {tuple(b.shape)}")
    directions = torch.randn(a.shape[1], n_directions, generator=generator)
    directions /= directions.norm(dim=0, keepdim=True)  # random unit vectors, one per column
    pa, _ = torch.sort(a.float() @ directions, dim=0)  # each column: one cloud's sorted projections
    pb, _ = torch.sort(b.float() @ directions, dim=0)
    return (pa - pb).abs().mean().item()  # mean gap between sorted values, over all directions
