"""The lesson's MNIST models (plain CNN, ConvLayer CNN, ResNet-ish, DenseNet-ish), for reuse.

Notebook 01 builds the first three step by step and notebook 02 the DenseNet-ish one; each checks
with `check_same_behaviour` that its own build computes what the definitions here compute.
"""

from __future__ import annotations

import torch
from fastai.layers import ConvLayer, Flatten, MergeLayer, NormType, SequentialEx
from torch import nn
from torch.utils.checkpoint import checkpoint

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
    """Two ConvLayers whose input is added back (dense=False) or concatenated (dense=True).

    As in fastai v1's `res_block`, the second batchnorm starts with a scale of zero
    (`NormType.BatchZero`), so a new block adds only that batchnorm's shift (0.001) to its input."""
    bn_zero = ConvLayer(nf, nf, norm_type=NormType.BatchZero)
    return SequentialEx(ConvLayer(nf, nf), bn_zero, MergeLayer(dense))


def conv_and_res(ni: int, nf: int) -> nn.Sequential:
    """A stride-2 ConvLayer followed by a residual block at the new size."""
    return nn.Sequential(conv2(ni, nf), res_block(nf))


def resnet_mnist() -> nn.Sequential:
    """The lesson's ResNet-ish MNIST model (41,132 parameters)."""
    stages = [conv_and_res(ni, nf) for ni, nf in zip(CHANNELS[:4], CHANNELS[1:5])]
    return nn.Sequential(*stages, conv2(CHANNELS[4], CHANNELS[5]), Flatten())


def dense_layer(ni: int, growth: int) -> SequentialEx:
    """A ConvLayer making `growth` new channels, put before its input: ni -> ni + growth."""
    return SequentialEx(ConvLayer(ni, growth), MergeLayer(dense=True))


def _concat_then(layer: nn.Module, *features: torch.Tensor) -> torch.Tensor:
    return layer(torch.cat(features[::-1], dim=1))


class DenseBlock(nn.Sequential):
    """`n_layers` dense layers: each sees the concatenation of all the block's earlier outputs.

    With `checkpoint = True` it computes the same output from the same weights, but keeps only each
    layer's new channels for the backward pass and recomputes the concatenations, batchnorms and
    ReLUs there (the memory-efficient DenseNet of Pleiss et al., 2017), with torch.utils.checkpoint.
    """

    def __init__(self, ni: int, growth: int, n_layers: int):
        super().__init__(*[dense_layer(ni + i * growth, growth) for i in range(n_layers)])
        self.checkpoint = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not (self.checkpoint and torch.is_grad_enabled()):
            return super().forward(x)
        features = [x]  # MergeLayer(dense=True) puts the newest channels first: cat(reversed)
        for layer in self:
            conv_layer = layer.layers[0]
            features.append(checkpoint(_concat_then, conv_layer, *features, use_reentrant=False))
        return torch.cat(features[::-1], dim=1)


def transition(ni: int, nf: int) -> nn.Sequential:
    """Between dense blocks: 1x1 ConvLayer (ni -> nf channels), 2x2 average pooling (half size)."""
    return nn.Sequential(ConvLayer(ni, nf, ks=1), nn.AvgPool2d(2, ceil_mode=True))


def densenet_mnist(stem: int = 16, growth: int = 12, n_layers: int = 2,
                   compression: float = 0.5) -> nn.Sequential:
    """DenseNet-ish MNIST model at the ResNet-ish one's depth (13 convolutions, 30,254 parameters).

    A stride-2 ConvLayer to 14x14, then four dense blocks (at 14, 7, 4 and 2 pixels) separated by
    transitions that keep `compression` of the channels, and the ResNet-ish model's head.
    """
    layers: list[nn.Module] = [conv2(1, stem)]
    channels = stem
    for i in range(4):
        layers.append(DenseBlock(channels, growth, n_layers))
        channels += n_layers * growth
        if i < 3:
            nf = int(channels * compression)
            layers.append(transition(channels, nf))
            channels = nf
    return nn.Sequential(*layers, conv2(channels, CHANNELS[-1]), Flatten())


def set_checkpointing(model: nn.Module, on: bool = True) -> nn.Module:
    """Switch recomputation in backward on or off in every DenseBlock of `model`; returns it."""
    for module in model.modules():
        if isinstance(module, DenseBlock):
            module.checkpoint = on
    return model


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _tensors(out) -> list[torch.Tensor]:
    return [out] if isinstance(out, torch.Tensor) else [t for o in out for t in _tensors(o)]


def check_same_behaviour(model: nn.Module, reference: nn.Module, x: torch.Tensor,
                         atol: float = 1e-5) -> float:
    """Copy `model`'s weights into `reference`, run both on `x` in eval mode, and raise an
    AssertionError unless every output agrees within `atol`; return the largest difference.

    A behaviour check: unlike comparing `str(model)`, it fails when a `forward` differs. Each model
    runs on its own device and gets back its training mode (and a reset of any recurrent state).
    """
    reference.load_state_dict(model.state_dict())  # strict: the same parameter names and shapes
    outputs, modes = [], [m.training for m in (model, reference)]
    try:
        for m in (model, reference):
            m.eval(), getattr(m, "reset", lambda: None)()
            with torch.no_grad():
                device = next(m.parameters()).device
                outputs.append([t.float().cpu() for t in _tensors(m(x.to(device)))])
    finally:
        for m, mode in zip((model, reference), modes):
            m.train(mode), getattr(m, "reset", lambda: None)()
    ours, theirs = outputs
    assert len(ours) == len(theirs), f"{len(ours)} outputs against the reference's {len(theirs)}"
    diff = max(((a - b).abs().max().item() if a.shape == b.shape else float("inf"))
               for a, b in zip(ours, theirs))
    assert diff <= atol, f"the same weights give different outputs (largest difference {diff:.3g})"
    return diff
