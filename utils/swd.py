"""Sliced Wasserstein distance between the patches of two sets of images: a GAN sample-quality
measure that needs no download (Karras et al. 2018, *Progressive Growing of GANs*, section 5).

Both sets are split into Laplacian pyramids; at every level, random 7x7 patches become descriptor
vectors, normalised per channel with the *first* (real) set's statistics. The distance between the
two clouds of descriptors is estimated along random directions: project both onto a direction,
sort, and average the gaps between the sorted values (the 1-D Wasserstein-1 distance). The result
is the mean over directions and levels. Identical sets give exactly 0; the further the generated
patches are from the real ones, in colour (coarse levels) or in texture and edges (fine levels),
the larger it gets.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .sliced_wasserstein import sliced_wasserstein  # written from notebook 04's #@save cells

_BINOMIAL = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16  # the 5-tap blur of a Gaussian pyramid


def _blur_down(images: torch.Tensor) -> torch.Tensor:
    """Blur with the 5x5 binomial filter and keep every second pixel."""
    c = images.shape[1]
    kernel = (_BINOMIAL[:, None] * _BINOMIAL[None, :]).to(images)[None, None].repeat(c, 1, 1, 1)
    return F.conv2d(F.pad(images, (2, 2, 2, 2), mode="reflect"), kernel, stride=2, groups=c)


def laplacian_pyramid(images: torch.Tensor, levels: int) -> list[torch.Tensor]:
    """`levels` images per input, finest first: band-pass details, then the low-pass residual."""
    pyramid, current = [], images.float()
    for _ in range(levels - 1):
        smaller = _blur_down(current)
        up = F.interpolate(smaller, size=current.shape[-2:], mode="bilinear", align_corners=False)
        pyramid.append(current - up)
        current = smaller
    return pyramid + [current]


def patch_descriptors(images: torch.Tensor, n_per_image: int, patch: int = 7,
                      generator: torch.Generator | None = None) -> torch.Tensor:
    """`n_per_image` random `patch` x `patch` patches of each image, flat: (N * n, C * p * p)."""
    n, c, h, w = images.shape
    ys = torch.randint(0, h - patch + 1, (n, n_per_image), generator=generator)
    xs = torch.randint(0, w - patch + 1, (n, n_per_image), generator=generator)
    offsets = torch.arange(patch)
    rows = (ys[..., None] + offsets)[..., :, None].expand(n, n_per_image, patch, patch)
    cols = (xs[..., None] + offsets)[..., None, :].expand(n, n_per_image, patch, patch)
    batch = torch.arange(n)[:, None, None, None].expand_as(rows)
    patches = images.permute(0, 2, 3, 1)[batch, rows, cols]  # (n, k, p, p, c)
    return patches.permute(0, 1, 4, 2, 3).reshape(n * n_per_image, c * patch * patch)


@torch.no_grad()
def swd(real: torch.Tensor, fake: torch.Tensor, levels: int = 3, patch: int = 7,
        n_per_image: int = 64, n_directions: int = 128, seed: int = 0,
        per_level: bool = False) -> float | list[float]:
    """Sliced Wasserstein distance between the patches of `real` and `fake`, images (N, C, H, W)
    on the same scale (any: descriptors are normalised with `real`'s statistics). Both sets must
    hold the same number of images. Lower is better; `per_level` returns one value per level."""
    if real.shape != fake.shape:
        raise ValueError(f"Compare sets of the same shape, got {tuple(real.shape)} and "
                         f"{tuple(fake.shape)}; take as many real images as generated ones.")
    real, fake = real.detach().float().cpu(), fake.detach().float().cpu()
    distances = []
    for level, (r, f) in enumerate(zip(laplacian_pyramid(real, levels),
                                       laplacian_pyramid(fake, levels))):
        p = min(patch, r.shape[-1])
        # the same patch positions in both sets, so identical sets give exactly zero
        g = torch.Generator().manual_seed(seed * 1000 + level)
        dr = patch_descriptors(r, n_per_image, p, generator=g)
        g = torch.Generator().manual_seed(seed * 1000 + level)
        df = patch_descriptors(f, n_per_image, p, generator=g)
        c = r.shape[1]
        stats = dr.view(len(dr), c, -1).transpose(0, 1).reshape(c, -1)
        mean, std = stats.mean(dim=1), stats.std(dim=1).clamp_min(1e-8)
        mean, std = mean.repeat_interleave(p * p), std.repeat_interleave(p * p)
        g = torch.Generator().manual_seed(seed * 1000 + 500 + level)
        distances.append(sliced_wasserstein((dr - mean) / std, (df - mean) / std, n_directions,
                                            generator=g))
    return distances if per_level else sum(distances) / len(distances)
