"""The lesson's perceptual (feature) loss: pixel L1 plus L1 between VGG16-bn features and their
Gram matrices, each term kept so it can be reported as a metric."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .pretrained import pretrained_available


def gram_matrix(x):
    "Channel-by-channel correlations of a feature map: what textures share, wherever they are."
    n, c, h, w = x.shape
    x = x.view(n, c, -1)
    return (x @ x.transpose(1, 2)) / (c * h * w)


class FeatureLoss(nn.Module):
    "Pixel L1 + weighted L1 of VGG features + Gram-matrix L1 (weight 5e3 * w**2): Johnson et al."

    def __init__(self, vgg, layer_ids, layer_wgts, gram_wgt=5e3):
        super().__init__()
        self.vgg, self.wgts, self.gram_wgt = vgg, layer_wgts, gram_wgt
        self.stored = {}
        self.hooks = [vgg[i].register_forward_hook(self._store(i)) for i in layer_ids]
        self.layer_ids = layer_ids
        self.metric_names = (["pixel"] + [f"feat_{k}" for k in range(len(layer_ids))]
                             + [f"gram_{k}" for k in range(len(layer_ids))])

    def _store(self, i):
        def hook(module, inp, out):
            self.stored[i] = out
        return hook

    def features(self, x):
        "Run VGG on `x` and return the hooked layers' outputs."
        self.vgg(x)
        return [self.stored[i] for i in self.layer_ids]

    def forward(self, input, target):
        with torch.no_grad():
            out_feat = self.features(target)
        in_feat = self.features(input)
        losses = [F.l1_loss(input, target)]
        losses += [F.l1_loss(f_in, f_out) * w
                   for f_in, f_out, w in zip(in_feat, out_feat, self.wgts)]
        losses += [F.l1_loss(gram_matrix(f_in), gram_matrix(f_out)) * w**2 * self.gram_wgt
                   for f_in, f_out, w in zip(in_feat, out_feat, self.wgts)]
        self.metrics = dict(zip(self.metric_names, losses))
        for name, value in self.metrics.items():  # fastai's LossMetrics reads loss_func.<name>
            setattr(self, name, value.detach())
        return sum(losses)

    @torch.no_grad()
    def distances(self, outputs: list[torch.Tensor], target: torch.Tensor) -> list[float]:
        """`self(output, target)` for each of `outputs`, with the target's VGG features computed
        once: for measuring several models' outputs against the same held-out images."""
        out_feat = [f.clone() for f in self.features(target)]
        found = []
        for output in outputs:
            in_feat = self.features(output)
            total = F.l1_loss(output, target)
            total += sum(F.l1_loss(f_in, f_out) * w
                         for f_in, f_out, w in zip(in_feat, out_feat, self.wgts))
            total += sum(F.l1_loss(gram_matrix(f_in), gram_matrix(f_out)) * w**2 * self.gram_wgt
                         for f_in, f_out, w in zip(in_feat, out_feat, self.wgts))
            found.append(float(total))
        return found

    def remove(self):
        "Remove the hooks, so the VGG can be used (or freed) without them."
        for h in self.hooks:
            h.remove()
        self.hooks = []


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
    what reaches it: every feature map comes out at about zero mean and unit variance on the photos,
    as in a trained network. The model is left frozen and in eval mode, its momenta restored.
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
