"""VGG16-bn for notebook 06's feature loss: its feature layers (ImageNet weights when they are at
hand, else random ones, said so), the layers before each max-pool, and batchnorm statistics set
from the photos for a random VGG."""

from __future__ import annotations

import torch
from torch import nn

from .pretrained import pretrained_available


def vgg16_bn_features(allow_download: bool = False) -> tuple[nn.Sequential, bool]:
    """VGG16-bn's convolutional part, frozen and in eval mode, and whether it has ImageNet weights.

    Uses torchvision's ImageNet weights if they are in the torch hub cache (or downloads them when
    `allow_download`), else a random initialisation.
    """
    from torchvision.models import VGG16_BN_Weights, vgg16_bn

    weights = VGG16_BN_Weights.IMAGENET1K_V1
    pretrained = pretrained_available(weights, try_download=allow_download)
    model = vgg16_bn(weights=weights if pretrained else None)
    return model.features.eval().requires_grad_(False), pretrained


def blocks_before_pools(vgg: nn.Sequential) -> list[int]:
    "Indices of the layers just before each max-pool (the lesson's `blocks`)."
    return [i - 1 for i, m in enumerate(vgg) if isinstance(m, nn.MaxPool2d)]


@torch.no_grad()
def calibrate_batchnorm(model: nn.Module, batches) -> int:
    """Set every batchnorm layer's running mean and variance from `batches` (images as the loss will
    see them, normalised), leaving every weight as it is; returns the number of images seen.

    A randomly initialised VGG16-bn keeps batchnorm's defaults (mean 0, variance 1), so its layers
    pass on whatever scale the random convolutions give, and the deeper features the loss compares
    shrink or grow with depth. Run through the photos in train mode with `momentum=None` (a plain
    average over all batches, after `reset_running_stats`), each batchnorm layer's statistics match
    what reaches it, as in a trained network: each feature map comes out near zero mean, with a
    variance near 1 when batches mix the photos (above 1 when each batch holds crops of one photo:
    the running variance averages within-batch variances and leaves out how batches differ).
    The model is left frozen and in eval mode, its momenta restored.
    """
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not bns:
        raise ValueError("the model has no batchnorm layers to calibrate")
    momenta = [bn.momentum for bn in bns]
    n = 0
    try:
        for bn in bns:
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average over every batch seen
            bn.train()
        for xb in batches:
            if isinstance(xb, (tuple, list)):
                xb = xb[0]
            xb = xb.as_subclass(torch.Tensor) if isinstance(xb, torch.Tensor) else xb
            model(xb)
            n += len(xb)
    finally:
        for bn, momentum in zip(bns, momenta):
            bn.momentum = momentum
        model.eval().requires_grad_(False)
    if n == 0:
        raise ValueError("no batches to calibrate the batchnorm statistics with")
    return n
