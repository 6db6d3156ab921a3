"""Generated from notebooks/01_resnet_mnist.ipynb by `python -m tools.save_cells`:
edit the notebook, not this file.
"""

from fastai.layers import ConvLayer, Flatten, MergeLayer, NormType, SequentialEx
from torch import nn


def conv(ni, nf):
    return nn.Conv2d(ni, nf, kernel_size=3, stride=2, padding=1)


def plain_cnn():
    return nn.Sequential(
        conv(1, 8), nn.BatchNorm2d(8), nn.ReLU(),  # 8 x 14 x 14
        conv(8, 16), nn.BatchNorm2d(16), nn.ReLU(),  # 16 x 7 x 7
        conv(16, 32), nn.BatchNorm2d(32), nn.ReLU(),  # 32 x 4 x 4
        conv(32, 16), nn.BatchNorm2d(16), nn.ReLU(),  # 16 x 2 x 2
        conv(16, 10), nn.BatchNorm2d(10),  # 10 x 1 x 1
        Flatten(),  # 10
    )


def count_parameters(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def conv2(ni, nf):
    return ConvLayer(ni, nf, stride=2)


def convlayer_cnn():
    return nn.Sequential(
        conv2(1, 8), conv2(8, 16), conv2(16, 32), conv2(32, 16), conv2(16, 10), Flatten()
    )


def res_block(nf, dense=False):  # dense=True: concatenate instead of add (below)
    return SequentialEx(
        ConvLayer(nf, nf),
        ConvLayer(nf, nf, norm_type=NormType.Batch if dense else NormType.BatchZero),
        MergeLayer(dense),
    )


def conv_and_res(ni, nf):
    return nn.Sequential(conv2(ni, nf), res_block(nf))


def resnet_mnist():
    return nn.Sequential(
        conv_and_res(1, 8), conv_and_res(8, 16), conv_and_res(16, 32), conv_and_res(32, 16),
        conv2(16, 10), Flatten(),
    )
