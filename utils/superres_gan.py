"""Generated from notebooks/05_superres_gan.ipynb by `python -m tools.save_cells`:
edit the notebook, not this file.
"""

import io

import torch
from fastai.layers import MergeLayer, SigmoidRange
from PIL import Image, ImageDraw, ImageFont
from torch import nn


def number_font(size):
    "The written number's font on `size` px: 11 px at 96 (PIL's bitmap default), 6 at least."
    return ImageFont.load_default(size=max(6, round(11 * size / 96)))


def crappify_jpeg(img, size, rng):
    "The lesson's crappifier: shrink to short side `size`, draw a number, save at that quality."
    w, h = img.size
    ratio = size / min(w, h)
    img = img.convert("RGB").resize((round(w * ratio), round(h * ratio)), Image.BILINEAR)
    q = int(rng.integers(10, 71))  # a quality from 10 to 70, also the number drawn
    w, h = img.size
    font = number_font(size)
    pos = (int(rng.integers(0, w // 2 + 1)), int(rng.integers(0, h // 2 + 1)))
    ImageDraw.Draw(img).text(pos, str(q), fill=(255, 255, 255), font=font)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=q)  # saved once: the file's bytes
    return buf.getvalue()


def make_residual(unet):
    "Make fastai's DynamicUnet residual, output = input + unet(input), starting at the identity."
    ranges = [m for m in unet.layers if isinstance(m, SigmoidRange)]
    if ranges and ranges[-1].low + ranges[-1].high != 0:  # SigmoidRange maps 0 to 0 only then
        low, high = ranges[-1].low, ranges[-1].high
        raise ValueError(f"make_residual needs a y_range symmetric about 0, not ({low}, {high})")
    last = [m for m in unet.modules() if isinstance(m, nn.Conv2d)][-1]
    with torch.no_grad():  # zero the last convolution: the U-Net's own output starts at 0
        for name, p in last.named_parameters():  # weight norm: weight = g * v/|v|, so zero g
            if name in ("weight", "weight_g", "parametrizations.weight.original0", "bias"):
                p.zero_()
    unet.layers.insert(len(unet.layers) - 1, MergeLayer())  # before ToTensorBase: + the input
    return unet
