"""The memory-measuring helpers, checked against cases computed by hand."""

import pytest
import torch
from torch import nn

from utils import memory


def test_saved_bytes_of_one_conv_and_relu_match_the_hand_count():
    # Conv2d(1, 4, 3) on 1x8x8 saves its input (64 floats; its weight is a parameter, not counted),
    # ReLU saves its 4x6x6 output: (64 + 144) * 4 bytes per sample.
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU())
    assert memory.saved_bytes_per_sample(model, (1, 8, 8)) == (64 + 144) * 4


def test_a_tensor_saved_twice_counts_once_and_parameters_are_excluded():
    # Linear(16, 16) with and without bias: both save the same input; ReLU then Linear save the
    # same activation once. Per sample: input 16 + hidden 16 floats.
    model = nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 16))
    assert memory.saved_bytes_per_sample(model, (16,), batch_size=4) == (16 + 16) * 4


def test_batchnorm_statistics_drop_out_and_the_model_is_untouched():
    model = nn.Sequential(nn.Conv2d(1, 2, 1, bias=False), nn.BatchNorm2d(2))
    before = model[1].running_mean.clone()
    # conv saves its 1x4x4 input, batchnorm its 2x4x4 input (plus per-channel stats, constant)
    assert memory.saved_bytes_per_sample(model, (1, 4, 4)) == (16 + 32) * 4
    assert torch.equal(model[1].running_mean, before)


def test_nothing_is_saved_without_grad():
    model = nn.Sequential(nn.Linear(8, 8), nn.ReLU())
    x = torch.randn(4, 8)
    with torch.no_grad():
        assert memory.saved_tensor_bytes(lambda: model(x)) == 0


def test_peak_tensor_bytes_counts_what_is_alive_at_once():
    x = torch.randn(1000)  # 4,000 bytes that exist before: not counted

    def fn():
        a = x * 2  # 4,000 bytes
        b = a + 1  # 8,000 alive
        del a
        c = b * 3  # 8,000 alive again (a was freed)
        c.add_(1)  # in place: nothing new
        return c[:10]  # a view: nothing new

    assert memory.peak_tensor_bytes(fn) == 8_000


def test_peak_process_memory_sees_a_large_allocation():
    result = memory.peak_process_memory(lambda: torch.ones(64 * 2**20 // 4).sum())
    if result is None:
        pytest.skip("peak process memory is measured on Linux with glibc only")
    before, peak = result
    assert peak - before >= 60 * 2**20
