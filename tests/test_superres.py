"""Super-res helpers: crappify (deterministic, cached, atomic), the residual generator, colours."""

import numpy as np
import torch
from PIL import Image

from utils import superres


def _photos(folder, n=4, size=32):
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(n):
        pixels = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"p_{i}.jpg")
    return folder


def test_crappify_is_deterministic_whatever_the_workers(tmp_path):
    src = _photos(tmp_path / "hr")
    a = superres.crappify_folder(src, tmp_path / "a", size=16, seed=1, n_workers=0)
    b = superres.crappify_folder(src, tmp_path / "b", size=16, seed=1, n_workers=2)
    names = sorted(p.name for p in a.glob("*.jpg"))
    assert names == [f"p_{i}.jpg" for i in range(4)]
    assert all((a / n).read_bytes() == (b / n).read_bytes() for n in names)
    assert Image.open(a / names[0]).size == (16, 16)


def test_crappify_is_cached_and_leaves_no_temporaries(tmp_path):
    src = _photos(tmp_path / "hr")
    dest = superres.crappify_folder(src, tmp_path / "lr", size=16, n_workers=0)
    stamp = (dest / "p_0.jpg").stat().st_mtime_ns
    superres.crappify_folder(src, dest, size=16, n_workers=0)
    assert (dest / "p_0.jpg").stat().st_mtime_ns == stamp  # not redone
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    superres.crappify_folder(src, dest, size=8, n_workers=0)  # other settings: redone
    assert Image.open(dest / "p_0.jpg").size == (8, 8)


def test_residual_generator_starts_as_the_identity():
    x = torch.randn(2, 3, 20, 24)
    assert torch.equal(superres.ResidualSR()(x), x)


def test_colours_survive_the_tensor_round_trip():
    rng = np.random.default_rng(0)
    img = Image.fromarray(rng.integers(0, 256, (9, 7, 3), dtype=np.uint8))
    img.putpixel((0, 0), (255, 0, 0))  # pure red stays red (no channel swap, no inversion)
    for normalized in (True, False):
        back = superres.to_pil(superres.from_pil(img, normalized), normalized)
        assert np.array_equal(np.asarray(back), np.asarray(img))
    assert superres.to_pil(superres.from_pil(img)).getpixel((0, 0)) == (255, 0, 0)


def test_psnr_of_identical_images_is_infinite_and_ssim_one():
    img = Image.new("RGB", (16, 16), (10, 200, 30))
    noisy = Image.fromarray(np.clip(np.asarray(img) + 5, 0, 255).astype(np.uint8))
    p, s = superres.psnr_ssim(noisy, img)
    assert 30 < p < 40 and 0.9 < s <= 1
