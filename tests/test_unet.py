"""Our U-Net (notebook 03) keeps the input's size, also off multiples of 32."""

import pytest
import torch

from utils.unet import UNet

ODD_SIZES = [(45, 60), (37, 50), (96, 128)]  # 45x60 and 37x50 are not multiples of 32


@pytest.mark.parametrize("size", ODD_SIZES)
def test_our_unet_keeps_any_input_size(size):
    model = UNet(n_classes=5, widths=(4, 8, 16, 32)).eval()
    with torch.no_grad():
        assert model(torch.randn(1, 3, *size)).shape == (1, 5, *size)


def test_without_resizing_the_skip_concatenation_fails_on_odd_sizes():
    model = UNet(n_classes=5, widths=(4, 8, 16, 32), match_sizes=False).eval()
    with torch.no_grad():
        assert model(torch.randn(1, 3, 48, 64)).shape == (1, 5, 48, 64)
        with pytest.raises(RuntimeError, match="Sizes of tensors must match"):
            model(torch.randn(1, 3, 45, 60))
