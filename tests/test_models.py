"""The lesson's MNIST models: parameter counts and shapes."""

import torch

from utils import models


def test_parameter_counts_match_the_lesson():
    assert models.count_parameters(models.plain_cnn()) == 12_126
    assert models.count_parameters(models.convlayer_cnn()) == 12_044  # no conv biases
    assert models.count_parameters(models.resnet_mnist()) == 41_132


def test_every_model_maps_a_digit_to_ten_logits():
    x = torch.randn(2, 1, 28, 28)
    for build in (models.plain_cnn, models.convlayer_cnn, models.resnet_mnist):
        assert build()(x).shape == (2, 10)


def test_res_block_adds_and_dense_block_concatenates():
    x = torch.randn(2, 8, 7, 7)
    assert models.res_block(8)(x).shape == (2, 8, 7, 7)
    assert models.res_block(8, dense=True)(x).shape == (2, 16, 7, 7)
