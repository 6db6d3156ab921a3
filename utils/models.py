"""The lesson's MNIST models (plain CNN, ConvLayer CNN, ResNet-ish), for notebooks that reuse them.

Notebook 01 builds each of them step by step and checks that it matches the definitions here.
"""

from __future__ import annotations

from fastai.layers import ConvLayer, Flatten, MergeLayer, SequentialEx
from torch import nn

CHANNELS = (1, 8, 16, 32, 16, 10)  # the lesson's widths: 28x28 -> 14 -> 7 -> 4 -> 2 -> 1


def conv(ni: int, nf: int) -> nn.Conv2d:
    """A plain 3x3 convolution with stride 2: halves the image size."""
    return nn.Conv2d(ni, nf, kernel_size=3, stride=2, padding=1)


def plain_cnn() -> nn.Sequential:
    """Five stride-2 convolutions with batchnorm (12,126 parameters)."""
    layers = []
    for i, (ni, nf) in enumerate(zip(CHANNELS, CHANNELS[1:])):
        layers += [conv(ni, nf), nn.BatchNorm2d(nf)]
        if i < len(CHANNELS) - 2:  # no ReLU on the logits
            layers.append(nn.ReLU())
    return nn.Sequential(*layers, Flatten())


def conv2(ni: int, nf: int) -> ConvLayer:
    """fastai's conv + batchnorm + ReLU with stride 2 (the lesson's `conv2`)."""
    return ConvLayer(ni, nf, stride=2)


def convlayer_cnn() -> nn.Sequential:
    """The plain CNN refactored with ConvLayer."""
    return nn.Sequential(*[conv2(ni, nf) for ni, nf in zip(CHANNELS, CHANNELS[1:])], Flatten())


def res_block(nf: int, dense: bool = False) -> SequentialEx:
    """Two ConvLayers whose input is added back (dense=False) or concatenated (dense=True)."""
    return SequentialEx(ConvLayer(nf, nf), ConvLayer(nf, nf), MergeLayer(dense))


def conv_and_res(ni: int, nf: int) -> nn.Sequential:
    """A stride-2 ConvLayer followed by a residual block at the new size."""
    return nn.Sequential(conv2(ni, nf), res_block(nf))


def resnet_mnist() -> nn.Sequential:
    """The lesson's ResNet-ish MNIST model (41,132 parameters)."""
    stages = [conv_and_res(ni, nf) for ni, nf in zip(CHANNELS[:4], CHANNELS[1:5])]
    return nn.Sequential(*stages, conv2(CHANNELS[4], CHANNELS[5]), Flatten())


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
