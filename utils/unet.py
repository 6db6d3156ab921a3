"""A small U-Net with concatenating skip connections, built from scratch (notebook 03 writes it out
cell by cell and checks that it matches this one)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from fastai.layers import ConvLayer
from torch import nn


def double_conv(ni: int, nf: int) -> nn.Sequential:
    """Two 3x3 ConvLayers (conv, batchnorm, ReLU): the unit U-Net repeats at every size."""
    return nn.Sequential(ConvLayer(ni, nf), ConvLayer(nf, nf))


class UNet(nn.Module):
    """Encoder (down: double_conv, then max-pool) and decoder (up: transposed conv, concatenate the
    encoder's activations of the same size, double_conv), then a 1x1 conv to one logit per class.

    Any input size works: when pooling rounded a size down, the upsampled activations are resized
    to the skip's size before they are concatenated (`match_sizes=False` shows the error instead).
    """

    def __init__(self, n_in: int = 3, n_classes: int = 32, widths=(16, 32, 64, 128),
                 match_sizes: bool = True):
        super().__init__()
        self.match_sizes = match_sizes
        self.encoder = nn.ModuleList(
            [double_conv(ni, nf) for ni, nf in zip((n_in, *widths[:-1]), widths)])
        self.pool = nn.MaxPool2d(2)
        rev = widths[::-1]
        self.upsample = nn.ModuleList(
            [nn.ConvTranspose2d(ni, nf, kernel_size=2, stride=2) for ni, nf in zip(rev, rev[1:])])
        self.decoder = nn.ModuleList([double_conv(2 * nf, nf) for nf in rev[1:]])
        self.head = nn.Conv2d(widths[0], n_classes, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for i, block in enumerate(self.encoder):
            x = block(x if i == 0 else self.pool(x))
            skips.append(x)
        for up, block, skip in zip(self.upsample, self.decoder, reversed(skips[:-1])):
            x = up(x)
            if self.match_sizes and x.shape[-2:] != skip.shape[-2:]:
                x = F.interpolate(x, size=skip.shape[-2:], mode="nearest")
            x = block(torch.cat([x, skip], dim=1))  # the skip connection concatenates
        return self.head(x)
