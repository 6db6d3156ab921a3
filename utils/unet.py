"""Generated from notebooks/03_unet_camvid.ipynb by `python -m tools.save_cells`:
edit the notebook, not this file.
"""

import torch
import torch.nn.functional as F
from fastai.layers import ConvLayer
from torch import nn


def double_conv(ni, nf):
    return nn.Sequential(ConvLayer(ni, nf), ConvLayer(nf, nf))


class UNet(nn.Module):
    def __init__(self, n_in=3, n_classes=32, widths=(16, 32, 64, 128), match_sizes=True):
        super().__init__()
        self.match_sizes = match_sizes
        self.encoder = nn.ModuleList(
            [double_conv(ni, nf) for ni, nf in zip((n_in, *widths[:-1]), widths)])
        self.pool = nn.MaxPool2d(2)
        rev = widths[::-1]  # the decoder goes back up: 128, 64, 32, 16
        self.upsample = nn.ModuleList(
            [nn.ConvTranspose2d(ni, nf, kernel_size=2, stride=2) for ni, nf in zip(rev, rev[1:])])
        # 2 * nf: the decoder's input is the upsampled activations concatenated with the skip
        self.decoder = nn.ModuleList([double_conv(2 * nf, nf) for nf in rev[1:]])
        self.head = nn.Conv2d(widths[0], n_classes, kernel_size=1)  # one logit per class and pixel

    def forward(self, x):
        skips = []
        for i, block in enumerate(self.encoder):  # encoder: convolve, keep for the skip, halve
            x = block(x if i == 0 else self.pool(x))
            skips.append(x)
        for up, block, skip in zip(self.upsample, self.decoder, reversed(skips[:-1])):  # decoder
            x = up(x)
            if self.match_sizes and x.shape[-2:] != skip.shape[-2:]:  # see "sizes" below
                x = F.interpolate(x, size=skip.shape[-2:], mode="nearest")
            x = block(torch.cat([x, skip], dim=1))  # the skip connection concatenates
        return self.head(x)
