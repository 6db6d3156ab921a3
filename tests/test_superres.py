"""Super-res helpers: crappify (deterministic, cached, atomic), the residual U-Net, scores."""

import math
import multiprocessing
import os
import time
from functools import partial
from pathlib import Path

import numpy as np
import pytest
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
    # each file is the crappifier's JPEG as it was saved, once, at its random quality
    first = src / names[0]
    assert (a / names[0]).read_bytes() == superres.crappify_jpeg(
        Image.open(first), 16, superres.file_rng(first, 1))


def test_crappify_is_cached_and_leaves_no_temporaries(tmp_path):
    src = _photos(tmp_path / "hr")
    dest = superres.crappify_folder(src, tmp_path / "lr", size=16, n_workers=0)
    stamp = (dest / "p_0.jpg").stat().st_mtime_ns
    assert superres.crappify_folder(src, tmp_path / "lr", size=16, n_workers=0) == dest
    assert (dest / "p_0.jpg").stat().st_mtime_ns == stamp  # not redone
    hidden = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("."))
    assert hidden == sorted([dest.resolve().name, f".{dest.name}.lock"])  # no temporaries


def test_crappified_folders_are_keyed_so_other_settings_never_replace_them(tmp_path):
    src = _photos(tmp_path / "hr")
    a = superres.crappify_folder(src, tmp_path / "lr", size=16, seed=1, n_workers=0)
    b = superres.crappify_folder(src, tmp_path / "lr", size=16, seed=7, n_workers=0)
    c = superres.crappify_folder(src, tmp_path / "lr", size=8, seed=1, n_workers=0)
    assert len({a, b, c}) == 3 and all(p.name.startswith("lr-") for p in (a, b, c))
    assert (a / "p_0.jpg").read_bytes() != (b / "p_0.jpg").read_bytes()
    assert Image.open(a / "p_0.jpg").size == (16, 16) and Image.open(c / "p_0.jpg").size == (8, 8)


def test_a_changed_crappifier_makes_a_new_folder_not_a_stale_one(tmp_path, monkeypatch):
    src = _photos(tmp_path / "hr")
    before = superres.crappify_folder(src, tmp_path / "lr", size=16, seed=1, n_workers=0)

    def crappify_image(img, size, rng):  # an edited crappifier: its source differs
        return img.resize((size, size))

    monkeypatch.setattr(superres, "crappify_image", crappify_image)
    after = superres.crappify_folder(src, tmp_path / "lr", size=16, seed=1, n_workers=0)
    assert after != before and (before / "p_0.jpg").exists()


def test_a_scratch_folder_is_new_and_empty_each_time():
    a, b = (superres.scratch_folder("05_test", "image_gen") for _ in range(2))
    assert a != b and a.name == b.name == "image_gen" and not any(a.iterdir())


def test_downscale_is_the_lesson_s_plain_input_a_crappify_of_another_mode(tmp_path):
    src = _photos(tmp_path / "hr", size=48)
    down = superres.crappify_folder(src, tmp_path / "down", size=16, n_workers=0, mode="downscale")
    crap = superres.crappify_folder(src, tmp_path / "crap", size=16, n_workers=0)
    photo = Image.open(src / "p_0.jpg")
    expected = photo.convert("RGB").resize((16, 16), Image.BILINEAR)
    got = np.asarray(Image.open(down / "p_0.jpg"), dtype=float)
    # JPEG at quality 60 of the bilinear downscale: close to it, and unlike the crappified one
    assert np.abs(got - np.asarray(expected, dtype=float)).mean() < 12
    assert (down / "p_0.jpg").read_bytes() != (crap / "p_0.jpg").read_bytes()
    with pytest.raises(ValueError, match="mode='blur'"):
        superres.crappify_folder(src, tmp_path / "x", size=16, n_workers=0, mode="blur")


def _unet(**kwargs):
    from fastai.vision.all import NormType, create_unet_model, xresnet18

    return create_unet_model(partial(xresnet18, widen=0.25), 3, (32, 32), pretrained=False,
                             blur=True, norm_type=NormType.Weight, self_attention=True, **kwargs)


def test_residual_unet_starts_as_the_identity_and_learns_a_correction():
    torch.manual_seed(0)
    unet = superres.make_residual(_unet(y_range=(-3.0, 3.0)))
    x, y = torch.randn(2, 3, 32, 32), torch.randn(2, 3, 32, 32)
    assert torch.equal(unet(x), x)  # exactly its input before training
    opt = torch.optim.Adam(unet.parameters(), 1e-3)
    before = torch.nn.functional.mse_loss(unet(x), y).item()
    for _ in range(5):
        loss = torch.nn.functional.mse_loss(unet(x), y)
        opt.zero_grad(), loss.backward(), opt.step()
    assert not torch.equal(unet(x), x)  # the zeroed layer does learn
    assert torch.nn.functional.mse_loss(unet(x), y).item() < before


def test_residual_unet_refuses_an_asymmetric_y_range():
    with pytest.raises(ValueError, match=r"symmetric about 0.*\(0.0, 1.0\)"):
        superres.make_residual(_unet(y_range=(0.0, 1.0)))


def test_residual_unet_without_y_range_starts_as_the_identity():
    unet = superres.make_residual(_unet())
    x = torch.randn(2, 3, 32, 32)
    assert torch.equal(unet(x), x)


def test_predict_images_restores_the_mode_and_keeps_colours():
    red = superres.from_pil(Image.new("RGB", (8, 8), (255, 0, 0)))
    model = torch.nn.Identity().train()
    images = superres.predict_images(model, [(red[None].repeat(3, 1, 1, 1), None)])
    assert len(images) == 3 and model.training
    assert images[0].getpixel((4, 4)) == (255, 0, 0)


def test_scores_and_comparison_figure():
    img = Image.new("RGB", (16, 16), (10, 200, 30))
    noisy = Image.fromarray(np.clip(np.asarray(img) + 5, 0, 255).astype(np.uint8))
    scores = superres.score_images({"noisy": [noisy, noisy]}, [img, img])
    assert scores["noisy"].shape == (2, 2) and scores["noisy"][0, 1] > 0.9
    with pytest.raises(ValueError):
        superres.score_images({"noisy": [noisy]}, [img, img])  # lengths must agree
    fig = superres.comparison_figure({"noisy": [noisy, noisy], "original": [img, img]}, scores,
                                     [1], "title")
    assert [ax.get_title() for ax in fig.axes] == [f"noisy\n{scores['noisy'][1, 0]:.1f} dB, SSIM "
                                                    f"{scores['noisy'][1, 1]:.2f}", "original"]


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
    # Every pixel is off by 5: MSE 25, so PSNR = 10 log10(255^2 / 25). On flat images SSIM is its
    # luminance term alone, (2 mu_x mu_y + C1) / (mu_x^2 + mu_y^2 + C1) with C1 = (0.01 * 255)^2,
    # averaged over the three channels.
    assert p == pytest.approx(10 * math.log10(255**2 / 25))
    c1 = (0.01 * 255) ** 2
    luminance = [(2 * m * (m + 5) + c1) / (m**2 + (m + 5) ** 2 + c1) for m in (10, 200, 30)]
    assert s == pytest.approx(sum(luminance) / 3, abs=1e-6)
    assert superres.psnr_ssim(img, img)[1] == 1.0


def test_inputs_and_targets_and_the_pairs_figure(tmp_path):
    red, blue = (superres.from_pil(Image.new("RGB", (8, 8), c)) for c in ((255, 0, 0), (0, 0, 255)))
    inputs, targets = superres.inputs_and_targets([(red[None], blue[None])] * 2)
    assert len(inputs) == len(targets) == 2
    assert inputs[1].getpixel((0, 0)) == (255, 0, 0) and targets[0].getpixel((0, 0)) == (0, 0, 255)
    src = _photos(tmp_path / "hr", n=4, size=32)
    lr = superres.crappify_folder(src, tmp_path / "lr", size=16, n_workers=0)
    fig = superres.crappified_pairs_figure(sorted(src.glob("*.jpg")), lr, n=2)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["crappified (16 px)"] * 2 + ["original (32 px)"] * 2  # row by row


def test_held_out_photos_are_keyed_by_stem_split_by_photo_offline_and_random_on_real_data(
        monkeypatch):
    from utils.data.standins import pets as pets_standin

    monkeypatch.delenv("LESSON7_SOURCE", raising=False)
    files = [Path(f"images/{name}_{i}.jpg") for name in ("cat", "rocket") for i in range(50)]
    monkeypatch.setattr(pets_standin, "is_held_out", lambda f: f.stem.startswith("cat"))
    offline = superres.held_out_by_photo(files, "cpu")
    assert offline == {f.stem: f.stem.startswith("cat") for f in files}
    real = superres.held_out_by_photo(files, "full", seed=1)
    assert set(real) == {f.stem for f in files} and 3 <= sum(real.values()) <= 20
    assert real == superres.held_out_by_photo(files, "full", seed=1)  # the seed decides


def test_decoded_gives_fastai_s_pixels_once_and_rereads_a_rewritten_file(tmp_path):
    import os

    from fastai.vision.core import PILImage

    path = _photos(tmp_path / "hr", n=1, size=16) / "p_0.jpg"
    first = superres.decoded(path)
    assert first.mode == "RGB"
    assert np.array_equal(np.asarray(first), np.asarray(PILImage.create(path)))
    assert np.array_equal(np.asarray(PILImage.create(first)), np.asarray(first))  # fastai takes it
    first.putpixel((0, 0), (1, 2, 3))  # a caller's change does not reach the kept image
    assert superres.decoded(path).getpixel((0, 0)) == PILImage.create(path).getpixel((0, 0))
    Image.new("RGB", (16, 16), (0, 0, 255)).save(path, quality=100)
    os.utime(path, ns=(1, 10**18))  # a new modification time, as a rewrite would give it
    assert superres.decoded(path).getpixel((8, 8))[2] > 200, "a rewritten file is decoded again"


def test_held_out_losses_average_over_items_and_take_the_input_for_none():
    x, y = torch.zeros(3, 3, 4, 4), torch.ones(3, 3, 4, 4)
    dl = [(x[:2], y[:2]), (x[2:], y[2:])]  # batches of 2 and 1: the mean is over the 3 items
    plus_one = type("PlusOne", (torch.nn.Module,), {"forward": lambda self, t: t + 1})().train()
    found = superres.held_out_losses(torch.nn.functional.mse_loss, dl,
                                     {"input": None, "plus one": plus_one})
    assert found == pytest.approx({"input": 1.0, "plus one": 0.0}) and plus_one.training


def test_decoded_keeps_only_small_images(tmp_path, monkeypatch):
    small, big = tmp_path / "small.png", tmp_path / "big.png"
    Image.new("RGB", (8, 8), (1, 2, 3)).save(small)
    Image.new("RGB", (40, 40), (4, 5, 6)).save(big)
    monkeypatch.setattr(superres, "KEEP_MAX_PIXELS", 20 * 20)
    monkeypatch.setattr(superres, "_kept", {})
    assert superres.decoded(small).getpixel((0, 0)) == (1, 2, 3)
    assert superres.decoded(big).getpixel((0, 0)) == (4, 5, 6)
    assert [Path(p).name for p, _ in superres._kept] == ["small.png"]


def test_derived_data_inside_a_linked_dataset_survives_a_later_run(tmp_path, monkeypatch):
    """05 re-run a day later against the same cache: what it derives inside the dataset's link
    (the dataset itself reached through a link, as every stand-in is) keeps its live copy."""
    from utils.data import cache

    real, linked = tmp_path / "real", tmp_path / "linked"
    real.mkdir()
    linked.symlink_to(real)
    dataset = linked / "pets"
    cache.write_atomically(dataset, lambda tmp: (tmp / "images").mkdir())
    derived = dataset / "derived"
    cache.write_atomically(derived, lambda tmp: (tmp / "a.png").write_bytes(b"png"))
    long_ago = time.time() - 2 * cache.RETIRED_COPY_GRACE_S - 3600
    for p in list(real.rglob("*")):
        os.utime(p, (long_ago, long_ago), follow_symlinks=False)
    cache._remove_leftovers(derived)  # what the next run's first write does
    assert (derived / "a.png").read_bytes() == b"png"


def _crappify_in_process(src, dest, seed, results):
    try:
        out = superres.crappify_folder(src, dest, size=16, seed=seed, n_workers=0)
        results.put((seed, str(out), sorted(p.name for p in out.glob("*.jpg"))))
    except Exception as err:  # reported to the test
        results.put((seed, "error", repr(err)))


def test_two_runs_with_other_seeds_at_once_each_get_their_own_images(tmp_path):
    src = _photos(tmp_path / "hr")
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    procs = [ctx.Process(target=_crappify_in_process, args=(src, tmp_path / "crappy", s, results))
             for s in (42, 7)]
    for p in procs:
        p.start()
    got = {seed: (out, names) for seed, out, names in (results.get(timeout=60) for _ in procs)}
    for p in procs:
        p.join()
    assert all(out != "error" for out, _ in got.values()), got
    assert got[42][0] != got[7][0] and got[42][1] == got[7][1] == [f"p_{i}.jpg" for i in range(4)]


def test_big_targets_are_read_from_copies_at_the_working_size(tmp_path, monkeypatch):
    from PIL import Image

    monkeypatch.setenv("LESSON7_CACHE", str(tmp_path / "cache"))
    big, small = tmp_path / "big", tmp_path / "small"
    for folder, shape in ((big, (400, 300)), (small, (40, 30))):
        folder.mkdir()
        for i in range(3):
            Image.new("RGB", shape, (10 * i, 100, 200)).save(folder / f"cat_{i}.jpg")
    files = sorted(small.iterdir())
    assert superres.at_working_size(small, files, 32) == small  # already near the size: as it is
    files = sorted(big.iterdir())
    work = superres.at_working_size(big, files, 64)
    assert work != big and sorted(p.name for p in work.glob("*.jpg")) == [f.name for f in files]
    with Image.open(work / "cat_0.jpg") as img:
        assert img.size == (85, 64)
    assert superres.at_working_size(big, files, 64) == work  # built once
