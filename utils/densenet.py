"""Generated from notebooks/02_densenet.ipynb by `python -m tools.save_cells`:
edit the notebook, not this file.
"""

import torch
from fastai.layers import ConvLayer, Flatten, MergeLayer, SequentialEx
from torch import nn
from torch.utils.checkpoint import checkpoint  # section 7

from utils.models import conv2


def dense_layer(ni, growth):
    return SequentialEx(ConvLayer(ni, growth), MergeLayer(dense=True))  # ni -> ni + growth channels


class DenseBlock(nn.Sequential):
    "`n_layers` dense layers: each sees the concatenated outputs of all the layers before it."
    def __init__(self, ni, growth, n_layers):
        super().__init__(*[dense_layer(ni + i * growth, growth) for i in range(n_layers)])
        self.checkpoint = False  # True: the memory-efficient forward of section 7

    def forward(self, x):
        if self.checkpoint and torch.is_grad_enabled():
            return checkpointed_block_forward(self, x)
        return super().forward(x)


def transition(ni, nf):  # ceil_mode: 7x7 -> 4x4, not 3x3
    return nn.Sequential(ConvLayer(ni, nf, ks=1), nn.AvgPool2d(2, ceil_mode=True))


def densenet_mnist(stem=16, growth=12, n_layers=2, compression=0.5):
    layers, channels = [conv2(1, stem)], stem  # 28x28 -> 14x14
    for i in range(4):  # dense blocks at 14, 7, 4 and 2 pixels
        layers.append(DenseBlock(channels, growth, n_layers))
        channels += n_layers * growth
        if i < 3:  # keep `compression` of the channels, halve the size
            nf = int(channels * compression)
            layers.append(transition(channels, nf))
            channels = nf
    return nn.Sequential(*layers, conv2(channels, 10), Flatten())  # the ResNet-ish model's head


def concat_then(layer, *features):  # MergeLayer(dense=True) puts the newest channels first
    return layer(torch.cat(features[::-1], dim=1))


def checkpointed_block_forward(block, x):
    features = [x]
    for dense in block:
        conv_layer = dense.layers[0]  # the ConvLayer inside SequentialEx(ConvLayer, MergeLayer)
        features.append(checkpoint(concat_then, conv_layer, *features, use_reentrant=False))
    return torch.cat(features[::-1], dim=1)


def set_checkpointing(model, on=True):
    "Switch the checkpointed forward on (or off) in every DenseBlock of `model`; return it."
    for module in model.modules():
        if isinstance(module, DenseBlock):
            module.checkpoint = on
    return model
