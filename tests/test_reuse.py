"""utils.reuse: exports that load in a fresh process, refused exports and files, bad inputs, and
each notebook's exported learner predicting in a fresh process after its smoke run."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from tools import run
from utils import reuse


def fresh_python(code: str, timeout: int = 120) -> dict:
    """Run `code` in a new interpreter (nothing of this process's namespace) and return the JSON
    it prints last."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=run.ROOT, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(0)
    paths = []
    for i in range(2):
        paths.append(folder / f"p{i}.png")
        Image.fromarray(rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)).save(paths[-1])
    return paths


class AddOne(nn.Module):
    """A stand-in generator: a 1x1 convolution that starts as the identity, plus a bias."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)
        with torch.no_grad():
            self.conv.weight.copy_(torch.eye(3).view(3, 3, 1, 1)), self.conv.bias.fill_(0.1)

    def forward(self, x):
        return self.conv(x)


@pytest.fixture
def exported(photos, tmp_path):
    learn = reuse.image_to_image_learner(nn.Conv2d(3, 3, 1), photos)
    return reuse.export(learn, "06_superres_feature_loss", "smoke", "superres",
                        info={"scale": 2.0}, folder=tmp_path)


def test_export_is_named_by_notebook_preset_and_date_and_loads_in_a_fresh_process(exported):
    assert exported.name.startswith("06_superres_feature_loss-smoke-20")
    assert exported.suffix == ".pkl"
    assert sorted(p.name for p in exported.parent.iterdir() if not p.name.startswith(".")) == [
        exported.with_suffix(".json").name, exported.name]
    got = fresh_python(
        "import json; from PIL import Image; from utils import reuse\n"
        f"learn = reuse.load({str(exported)!r})\n"
        "bicubic, out = reuse.predict(learn, Image.new('LA', (10, 7)))\n"
        "kind = learn.export_record['kind']\n"
        "print(json.dumps({'sizes': [bicubic.size, out.size], 'kind': kind}))")
    assert got == {"sizes": [[20, 14], [20, 14]], "kind": "superres"}


def test_export_goes_to_the_run_folder_under_the_runner(monkeypatch, tmp_path):
    monkeypatch.setenv("LESSON7_RUN_DIR", str(tmp_path))
    assert reuse.export_folder() == tmp_path / "models"
    monkeypatch.delenv("LESSON7_RUN_DIR")
    monkeypatch.chdir(tmp_path)
    assert reuse.export_folder() == tmp_path / "models"


def notebook_function(x):
    return x


notebook_function.__module__ = "__main__"  # as if defined in a notebook cell


@pytest.mark.parametrize("loss, named", [(lambda x, y: 0, "<lambda>"),
                                         (notebook_function, "notebook_function")])
def test_what_a_fresh_process_could_not_load_is_refused_and_nothing_is_left(
        photos, tmp_path, loss, named):
    learn = reuse.image_to_image_learner(nn.Conv2d(3, 3, 1), photos)
    learn.loss_func = loss
    with pytest.raises(reuse.ExportError, match=named):
        reuse.export(learn, "05_superres_gan", "smoke", "superres", folder=tmp_path)
    assert [p.name for p in tmp_path.iterdir() if p.name != ".export.lock"] == []
    assert learn.loss_func is loss


def test_metrics_and_extra_callbacks_stay_behind_and_come_back(photos, tmp_path):
    from fastai.callback.tracker import SaveModelCallback

    learn = reuse.image_to_image_learner(nn.Conv2d(3, 3, 1), photos)
    learn.metrics = [notebook_function]  # would be refused if it travelled
    learn.add_cb(SaveModelCallback())
    reuse.export(learn, "05_superres_gan", "smoke", "superres", folder=tmp_path)
    assert len(learn.metrics) == 1 and any(isinstance(c, SaveModelCallback) for c in learn.cbs)


def test_load_refuses_a_missing_file(tmp_path):
    with pytest.raises(reuse.ExportError, match="no such file"):
        reuse.load(tmp_path / "nothing.pkl")


def test_load_refuses_a_file_this_project_did_not_export(exported):
    exported.with_suffix(".json").unlink()
    with pytest.raises(reuse.ExportError, match="not exported by this project.*exported yourself"):
        reuse.load(exported)


def test_load_refuses_a_changed_file(exported):
    with open(exported, "ab") as f:
        f.write(b"x")
    with pytest.raises(reuse.ExportError, match="changed since it was exported.*re-run notebooks/"):
        reuse.load(exported)


@pytest.mark.parametrize("field, value", [("format_version", 0), ("fastai", "2.7.0")])
def test_load_asks_to_rerun_the_notebook_for_an_older_export(exported, field, value):
    sidecar = exported.with_suffix(".json")
    record = json.loads(sidecar.read_text()) | {field: value}
    sidecar.write_text(json.dumps(record))
    with pytest.raises(reuse.ExportError, match="older or incompatible.*re-run notebooks/06"):
        reuse.load(exported)


def test_an_export_whose_code_is_gone_asks_to_rerun_the_notebook(photos, tmp_path, monkeypatch):
    (tmp_path / "gone_module.py").write_text("from torch import nn\nclass Gone(nn.Conv2d): pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import gone_module

    learn = reuse.image_to_image_learner(gone_module.Gone(3, 3, 1), photos)
    path = reuse.export(learn, "05_superres_gan", "smoke", "superres", folder=tmp_path / "out")
    got = fresh_python(  # a process where gone_module cannot be imported
        "import json; from utils import reuse\n"
        f"try: reuse.load({str(path)!r})\n"
        "except reuse.ExportError as err: print(json.dumps(str(err)))")
    assert "cannot be imported" in got and "re-run notebooks/05_superres_gan.ipynb" in got


# --- inputs --------------------------------------------------------------------------------------


def test_read_image_takes_any_mode_and_gives_rgb(tmp_path):
    for mode in ("L", "RGBA", "P", "I;16", "1"):
        Image.new(mode, (5, 3)).save(tmp_path / f"{mode.replace(';', '')}.png")
        img = reuse.read_image(tmp_path / f"{mode.replace(';', '')}.png")
        assert img.mode == "RGB" and img.size == (5, 3)
    clear = reuse.read_image(Image.new("RGBA", (2, 2), (0, 0, 0, 0)))
    assert clear.getpixel((0, 0)) == (255, 255, 255)  # transparency over white, not black


def test_read_image_names_a_bad_input(tmp_path):
    with pytest.raises(reuse.InputError, match=r"my_image = '.*nope.png': no such file"):
        reuse.read_image(tmp_path / "nope.png")
    (tmp_path / "notes.txt").write_text("not a picture")
    with pytest.raises(reuse.InputError, match=r"notes.txt' is not an image"):
        reuse.read_image(tmp_path / "notes.txt")
    with pytest.raises(reuse.InputError, match="my_image is a int"):
        reuse.read_image(3)


@pytest.mark.parametrize("suffix", [".tif", ".png"])
def test_a_16_bit_greyscale_image_keeps_its_range(tmp_path, suffix):
    """A dark 16-bit scan is scaled from 16 bits, not clipped to white."""
    ramp = np.tile(np.linspace(0, 20_000, 64), (8, 1)).astype(np.uint16)  # all below 1/3 of full
    Image.fromarray(ramp).save(tmp_path / f"scan{suffix}")
    seen = np.asarray(reuse.read_image(tmp_path / f"scan{suffix}"))[..., 0].astype(float)
    expected = ramp / 65535 * 255
    assert np.abs(seen - expected).max() <= 1 and (seen == 255).mean() == 0


def test_a_float_image_keeps_its_range():
    img = Image.fromarray(np.tile(np.linspace(0, 1, 16, dtype=np.float32), (4, 1)), "F")
    seen = np.asarray(reuse.read_image(img))[..., 0]
    assert seen[0, 0] == 0 and seen[0, -1] == 255 and 100 < seen[0, 8] < 160


def test_exif_orientation_is_applied(tmp_path):
    photo = Image.new("RGB", (40, 10), "red")
    exif = photo.getexif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    photo.save(tmp_path / "phone.jpg", exif=exif)
    assert reuse.read_image(tmp_path / "phone.jpg").size == (10, 40)


def test_an_oversized_image_is_shrunk_with_a_notice(tmp_path, capsys):
    Image.new("L", (reuse.MAX_INPUT_SIDE * 2, 8), 128).save(tmp_path / "wide.png")
    img = reuse.read_image(tmp_path / "wide.png")
    assert max(img.size) == reuse.MAX_INPUT_SIDE
    assert f"{reuse.MAX_INPUT_SIDE * 2}x8 pixels, shrunk to" in capsys.readouterr().out


def test_an_oversized_jpeg_is_decoded_small(tmp_path, monkeypatch):
    Image.new("RGB", (reuse.MAX_INPUT_SIDE * 3, 64), "blue").save(tmp_path / "big.jpg")
    drafts = []
    plain = Image.Image.draft
    monkeypatch.setattr(Image.Image, "draft", lambda self, *a: drafts.append(a) or plain(self, *a))
    assert max(reuse.read_image(tmp_path / "big.jpg").size) == reuse.MAX_INPUT_SIDE
    assert drafts, "a big JPEG is decoded at a reduced size"


def test_a_decompression_bomb_is_refused_by_name(tmp_path, monkeypatch):
    Image.new("L", (100, 100)).save(tmp_path / "bomb.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10)
    with pytest.raises(reuse.InputError, match=r"my_image = '.*bomb.png' is too large"):
        reuse.read_image(tmp_path / "bomb.png")


def test_inputs_are_checked_in_the_set_up_cell():
    reuse.check_inputs(my_image=reuse.draw_digit(), my_text="one thousand two hundred")
    with pytest.raises(reuse.InputError, match="my_text = 'one and two'"):
        reuse.check_inputs(my_text="one and two")
    with pytest.raises(reuse.InputError, match="my_image = 'missing.png': no such file"):
        from utils.setup import setup

        setup("smoke", "01_resnet_mnist", my_image="missing.png")


@pytest.mark.parametrize("name", ["../../../x", "/etc/passwd", "a/b", "..", "", "x\x00y"])
def test_a_name_that_would_leave_its_folder_is_refused(name, photos, tmp_path):
    learn = reuse.image_to_image_learner(nn.Conv2d(3, 3, 1), photos)
    with pytest.raises(reuse.ExportError, match="cannot be part of a file name"):
        reuse.export(learn, name, "smoke", "superres", folder=tmp_path / "models")
    with pytest.raises(reuse.ExportError, match="cannot be part of a file name"):
        reuse.export(learn, "06_superres_feature_loss", name, "superres", folder=tmp_path)
    assert not (tmp_path / "models").exists() and not list(tmp_path.parent.glob("x*"))


@pytest.mark.parametrize("invert", [False, True])
def test_a_digit_photo_is_made_to_look_like_mnist(invert):
    photo = reuse.draw_digit(7)
    if invert:
        photo = Image.fromarray(255 - np.asarray(photo))
    seen = np.asarray(reuse.mnist_style(photo), dtype=float)
    assert seen.shape == (28, 28)
    assert np.median(seen) == 0 and seen.max() > 200  # light ink on black
    ys, xs = np.nonzero(seen > 60)
    assert 17 <= ys.max() - ys.min() + 1 <= 21
    assert abs(np.average(ys, weights=seen[ys, xs]) - 14) < 2


def test_a_blank_digit_photo_is_refused():
    with pytest.raises(reuse.InputError, match="no digit found"):
        reuse.mnist_style(Image.new("RGB", (40, 30), "white"))


def test_text_is_checked_against_the_vocabulary():
    vocab = [".", "one", "two", "thousand"]
    assert reuse.words_in("One thousand two", vocab) == ["one", "thousand", "two"]
    with pytest.raises(reuse.InputError, match="my_text is empty"):
        reuse.words_in("  ", vocab)
    with pytest.raises(reuse.InputError, match="'and', 'zebra' not in the vocabulary.*one two"):
        reuse.words_in("one zebra and two", vocab)
    with pytest.raises(reuse.InputError, match="my_text is a NoneType"):
        reuse.words_in(None, vocab)


# --- super-resolution in tiles ------------------------------------------------------------------


def test_upscale_in_tiles_gives_what_one_pass_gives_and_caps_big_photos(photos, tmp_path, capsys):
    learn = reuse.image_to_image_learner(AddOne(), photos)
    learn.export_record = {"info": {"scale": 2.0}}
    photo = Image.fromarray(np.random.default_rng(1).integers(0, 256, (30, 41, 3), dtype=np.uint8))
    bicubic, whole = reuse.upscale(learn, photo, tile=1000)
    _, tiled = reuse.upscale(learn, photo, tile=16, margin=2)
    assert whole.size == tiled.size == bicubic.size == (82, 60)
    assert np.array_equal(np.asarray(whole), np.asarray(tiled))
    assert not np.array_equal(np.asarray(whole), np.asarray(bicubic))
    _, capped = reuse.upscale(learn, photo, max_side=40)
    assert max(capped.size) == 40 and "capped at 40 px" in capsys.readouterr().out


# --- every notebook's export, loaded and used in a fresh process --------------------------------

USES = {  # notebook -> code that predicts with `learn` and sets `got` (checked below)
    "01_resnet_mnist": "label, p, seen = reuse.predict(learn)\n"
                       "got = {'label': label, 'p': p, 'seen': list(seen.size)}",
    "03_unet_camvid": "mask = reuse.predict(learn, reuse.street_scene((50, 150))[0])\n"
                      "got = {'shape': list(mask.shape), 'max': int(mask.max())}",
    "05_superres_gan": "b, out = reuse.predict(learn, Image.new('RGBA', (40, 24)))\n"
                       "got = {'size': list(out.size)}",
    "06_superres_feature_loss": "b, out = reuse.predict(learn, Image.new('L', (40, 24)))\n"
                                "got = {'size': list(out.size)}",
    "07_rnn_human_numbers": "got = {'words': reuse.predict(learn).split()}\n"
                            "try: reuse.predict(learn, 'one thousand zebra')\n"
                            "except reuse.InputError as err: got['error'] = str(err)",
}


@pytest.mark.parametrize("name", USES)
def test_notebook_export_loads_and_predicts_in_a_fresh_process(name, smoke_run):
    result = smoke_run(run.NOTEBOOKS / f"{name}.ipynb")
    if result.error is not None:
        raise result.error
    exports = sorted((result.notebook.parent / "models").glob(f"{name}-smoke-*.pkl"))
    assert len(exports) == 1, f"{name} must export one learner into its run folder's models/"
    got = fresh_python("import json; from PIL import Image; from utils import reuse\n"
                       f"learn = reuse.load({str(exports[0])!r})\n"
                       f"{USES[name]}\nprint(json.dumps(got))")
    if name == "01_resnet_mnist":
        assert got["label"] in list("0123456789") and 0 < got["p"] <= 1 and got["seen"] == [28, 28]
    elif name == "03_unet_camvid":
        assert got["shape"] == [50, 150] and got["max"] < 32
    elif name.startswith(("05", "06")):
        assert got["size"] == [80, 48]  # x2 on smoke: 16 px crappified, 32 px trained
    else:
        vocab = json.loads(exports[0].with_suffix(".json").read_text())["info"]["vocab"]
        assert got["words"] and set(got["words"]) <= set(vocab)
        assert "'zebra' not in the vocabulary" in got["error"]
