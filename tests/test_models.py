"""The lesson's MNIST models (notebooks 01 and 02): parameter counts, shapes and behaviour."""

import torch

from utils import densenet, models


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


def test_densenet_has_the_resnets_depth_and_maps_a_digit_to_ten_logits():
    dense, res = densenet.densenet_mnist(), models.resnet_mnist()
    assert models.count_parameters(dense) == 30_254
    convs = [sum(isinstance(m, torch.nn.Conv2d) for m in net.modules()) for net in (dense, res)]
    assert convs == [13, 13]
    assert dense(torch.randn(2, 1, 28, 28)).shape == (2, 10)


def test_dense_block_grows_channels_by_the_growth_rate_and_transition_halves_the_size():
    x = torch.randn(2, 16, 7, 7)
    assert densenet.dense_layer(16, 12)(x).shape == (2, 28, 7, 7)
    assert densenet.DenseBlock(16, 12, 3)(x).shape == (2, 16 + 3 * 12, 7, 7)
    assert densenet.transition(16, 8)(x).shape == (2, 8, 4, 4)


def test_checkpointed_dense_blocks_give_the_same_outputs_and_gradients():
    model, x = densenet.densenet_mnist(), torch.randn(4, 1, 28, 28)
    results = []
    for on in (False, True):
        densenet.set_checkpointing(model, on)
        model.zero_grad()
        out = model(x)
        out.pow(2).sum().backward()
        results.append((out.detach(), [p.grad.clone() for p in model.parameters()]))
    (out_a, grads_a), (out_b, grads_b) = results
    assert torch.allclose(out_a, out_b)
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(grads_a, grads_b))


def test_a_new_res_block_returns_its_input_plus_fastais_small_shift():
    x = torch.randn(2, 8, 7, 7)
    # BatchZero: the second batchnorm's scale starts at 0 (fastai starts its shift at 0.001)
    assert torch.allclose(models.res_block(8)(x), x + 1e-3)
    dense = models.res_block(8, dense=True)  # plain batchnorm, as v1: there is no identity to start
    assert dense[1][1].weight.eq(1).all() and torch.equal(dense(x)[:, 8:], x)  # x beside f(x)
