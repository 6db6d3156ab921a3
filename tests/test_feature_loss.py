"""The feature loss: zero for identical images, and its Gram term sees texture, not mean colour."""

import pytest
import torch

from utils.feature_loss import FeatureLoss, gram_matrix
from utils.vgg import blocks_before_pools, vgg16_bn_features


def _loss():
    torch.manual_seed(0)
    vgg, _ = vgg16_bn_features(allow_download=False)
    return FeatureLoss(vgg, blocks_before_pools(vgg)[2:], [5, 15, 2])


def test_vgg_is_frozen_and_hooks_are_removed():
    loss = _loss()
    assert blocks_before_pools(loss.vgg)[2:] == [22, 32, 42]
    assert not any(p.requires_grad for p in loss.vgg.parameters())
    loss.remove()
    assert all(not m._forward_hooks for m in loss.vgg)


def test_identical_input_and_target_give_zero():
    loss = _loss()
    x = torch.randn(2, 3, 64, 64)
    assert loss(x, x.clone()).item() == 0
    assert all(v.item() == 0 for v in loss.metrics.values())


def test_gram_term_responds_to_texture_with_the_same_mean_colour():
    loss = _loss()
    flat = torch.zeros(1, 3, 64, 64)
    stripes = torch.zeros(1, 3, 64, 64)
    stripes[..., ::2, :] = 1.0
    stripes[..., 1::2, :] = -1.0  # same mean (0) per channel, very different texture
    assert torch.allclose(stripes.mean((2, 3)), flat.mean((2, 3)))
    loss(stripes, flat)
    grams = [v.item() for k, v in loss.metrics.items() if k.startswith("gram")]
    assert sum(grams) > 1e-3
    assert gram_matrix(stripes).shape == (1, 3, 3)


def test_calibrate_batchnorm_matches_statistics_to_the_images_and_keeps_the_weights():
    from torch import nn

    from utils.vgg import calibrate_batchnorm

    torch.manual_seed(0)
    vgg, _ = vgg16_bn_features(allow_download=False)
    vgg = vgg[:24]  # up to the third block: quick on a CPU
    weights = {k: v.clone() for k, v in vgg.state_dict().items()
               if "running" not in k and "num_batches" not in k}
    momenta = [m.momentum for m in vgg.modules() if isinstance(m, nn.BatchNorm2d)]
    images = [torch.rand(4, 3, 32, 32) * 2 + 0.5 for _ in range(3)]  # not zero-mean
    seen = []
    hook = vgg[21].register_forward_hook(lambda m, i, o: seen.append(i[0]))  # a deep BN's input
    assert calibrate_batchnorm(vgg, [(x, None) for x in images]) == 12
    hook.remove()
    bn = vgg[21]
    # momentum None: the plain average over the batches of each batch's statistics of its input
    means = torch.stack([x.mean((0, 2, 3)) for x in seen]).mean(0)
    variances = torch.stack([x.var((0, 2, 3)) for x in seen]).mean(0)
    assert torch.allclose(bn.running_mean, means, atol=1e-5)
    assert torch.allclose(bn.running_var, variances, rtol=1e-4)
    assert not vgg.training and not any(p.requires_grad for p in vgg.parameters())
    assert [m.momentum for m in vgg.modules() if isinstance(m, nn.BatchNorm2d)] == momenta
    after = vgg.state_dict()
    assert all(torch.equal(v, after[k]) for k, v in weights.items())
    with torch.no_grad():  # in eval mode the calibrated BN's output is about standardised
        out = vgg[:22](torch.cat(images))
    assert out.mean().abs() < 0.1 and (out.var((0, 2, 3)).mean() - 1).abs() < 0.1


def test_calibrate_batchnorm_refuses_a_model_without_batchnorm_or_no_batches():
    from torch import nn

    from utils.vgg import calibrate_batchnorm

    with pytest.raises(ValueError, match="no batchnorm"):
        calibrate_batchnorm(nn.Sequential(nn.Conv2d(3, 3, 1)), [torch.rand(1, 3, 4, 4)])
    with pytest.raises(ValueError, match="no batches"):
        calibrate_batchnorm(nn.Sequential(nn.BatchNorm2d(3)), [])
