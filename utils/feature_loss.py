"""Generated from notebooks/06_superres_feature_loss.ipynb by `python -m tools.save_cells`:
edit the notebook, not this file.
"""

import torch
import torch.nn.functional as F
from fastai.callback.hook import hook_outputs
from torch import nn


def gram_matrix(x):
    "Channel-by-channel correlations of a feature map: what textures share, wherever they are."
    n, c, h, w = x.shape
    x = x.view(n, c, -1)  # each channel's activations as one long vector
    return (x @ x.transpose(1, 2)) / (c * h * w)  # (n, c, c): every pair of channels' dot product


class FeatureLoss(nn.Module):
    "Pixel L1 + weighted L1 of VGG features + Gram-matrix L1 (weight 5e3 * w**2): fastai's mix."
    def __init__(self, vgg, layer_ids, layer_wgts, gram_wgt=5e3):
        super().__init__()
        self.vgg, self.wgts, self.gram_wgt = vgg, layer_wgts, gram_wgt
        self.hooks = hook_outputs([vgg[i] for i in layer_ids], detach=False)
        n = len(layer_ids)
        self.metric_names = ["pixel"] + [f"{t}_{k}" for t in ("feat", "gram") for k in range(n)]

    def features(self, x):
        self.vgg(x)
        return list(self.hooks.stored)  # what the hooked layers output for x

    def forward(self, input, target):
        with torch.no_grad():
            out_feat = self.features(target)
        in_feat = self.features(input)
        losses = [F.l1_loss(input, target)]
        losses += [F.l1_loss(a, b) * w for a, b, w in zip(in_feat, out_feat, self.wgts)]
        losses += [F.l1_loss(gram_matrix(f_in), gram_matrix(f_out)) * w**2 * self.gram_wgt
                   for f_in, f_out, w in zip(in_feat, out_feat, self.wgts)]
        self.metrics = dict(zip(self.metric_names, losses))
        for name, value in self.metrics.items():  # fastai's LossMetrics reads loss_func.<name>
            setattr(self, name, value.detach())
        return sum(losses)

    def remove(self):
        "Remove the hooks, so the VGG can be used (or freed) without them."
        self.hooks.remove()
