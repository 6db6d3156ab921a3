"""The sliced Wasserstein distance: zero for identical sets, small for two samples of one
distribution, larger the further two distributions are apart."""

import numpy as np
import pytest
import torch
from scipy.stats import wasserstein_distance

from utils.swd import laplacian_pyramid, patch_descriptors, sliced_wasserstein, swd


def blobs(n, seed, shift=0.0):
    """Smooth random images in [-1, 1]: a stand-in for a distribution of real images."""
    g = torch.Generator().manual_seed(seed)
    coarse = torch.rand(n, 3, 4, 4, generator=g) * 2 - 1
    images = torch.nn.functional.interpolate(coarse, size=32, mode="bilinear", align_corners=False)
    return (images + shift).clamp(-1, 1)


def test_identical_sets_are_at_distance_zero():
    x = blobs(64, 0)
    assert swd(x, x.clone()) == 0.0


def test_two_samples_of_one_distribution_are_close_and_shifts_are_far():
    real, other = blobs(128, 0), blobs(128, 1)
    same = swd(real, other)
    shifted = swd(real, blobs(128, 1, shift=0.3))
    g = torch.Generator().manual_seed(2)
    noise = swd(real, torch.rand(128, 3, 32, 32, generator=g) * 2 - 1)
    assert same < 0.1
    assert shifted > 3 * same
    assert noise > shifted


def test_distance_grows_with_the_shift():
    real = blobs(64, 0)
    distances = [swd(real, blobs(64, 1, shift=s)) for s in (0.0, 0.2, 0.5)]
    assert distances == sorted(distances)


def test_per_level_and_shape_checks():
    x = blobs(16, 0)
    assert len(swd(x, blobs(16, 1), levels=3, per_level=True)) == 3
    with pytest.raises(ValueError, match="same shape"):
        swd(x, blobs(8, 1))


def test_pyramid_and_patches_have_the_expected_shapes():
    x = blobs(4, 0)
    assert [tuple(level.shape[-2:]) for level in laplacian_pyramid(x, 3)] == [(32, 32), (16, 16),
                                                                             (8, 8)]
    assert patch_descriptors(x, 5, patch=7).shape == (20, 3 * 49)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_in_one_dimension_it_is_scipys_wasserstein_distance(seed):
    # one direction in 1-D is +1 or -1: both give the exact Wasserstein-1 distance of the samples
    rng = np.random.default_rng(seed)
    a, b = rng.normal(0, 1, 300), rng.exponential(1.5, 300)
    got = sliced_wasserstein(torch.tensor(a)[:, None], torch.tensor(b)[:, None], n_directions=3,
                             generator=torch.Generator().manual_seed(seed))
    assert got == pytest.approx(wasserstein_distance(a, b), rel=1e-5)
