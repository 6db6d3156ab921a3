"""utils.setup: one call resolves the preset, seeds, switches the dry run and quiets the filtered
warnings; bad values stop it before it prints anything."""

from utils.setup import setup

import warnings

import pytest
import torch

from utils import dry_run, warnings_filters


@pytest.fixture(autouse=True)
def no_env(monkeypatch):
    monkeypatch.delenv("LESSON7_DRY_RUN", raising=False)
    monkeypatch.delenv("LESSON7_PRESET", raising=False)
    yield
    dry_run.start_dry_run(False)


def test_returns_preset_and_dry_run_and_prints_the_banner(capsys):
    assert setup("SMOKE", "00_example") == ("smoke", False)
    assert "== 00_example ==" in capsys.readouterr().out
    assert setup("cpu", "00_example", dry_run=True) == ("cpu", True) and dry_run.is_active()
    assert setup("cpu", "00_example") == ("cpu", False) and not dry_run.is_active()


def test_seeds_torch():
    setup("smoke", "00_example", seed=3)
    first = torch.rand(3)
    setup("smoke", "00_example", seed=3)
    assert torch.equal(first, torch.rand(3))
    setup("smoke", "00_example", seed=4)
    assert not torch.equal(first, torch.rand(3))


@pytest.mark.parametrize("kwargs, named", [
    ({"preset": "gpu"}, "'gpu'"), ({"seed": -1}, "-1"), ({"seed": 1.5}, "1.5"),
    ({"dry_run": "yes"}, "'yes'"),
])
def test_bad_values_stop_before_anything_is_printed(kwargs, named, capsys):
    with pytest.raises(ValueError, match=named):
        setup(**{"preset": "smoke", "notebook": "00_example", **kwargs})
    assert capsys.readouterr().out == ""


def test_filters_silence_only_their_warnings():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings_filters.apply()
        warnings.warn("`torch.jit.script` is deprecated. Use", FutureWarning, stacklevel=1)
        warnings.warn("You are shadowing an attribute (generator)", UserWarning, stacklevel=1)
        warnings.warn("something else is deprecated", FutureWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["something else is deprecated"]
    assert all(why for _, _, why in warnings_filters.FILTERS)


def test_figures_of_photos_are_shown_as_jpeg_and_plots_as_png():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from IPython.core.interactiveshell import InteractiveShell

    from utils import plots

    shell = InteractiveShell.instance()
    try:
        plots.show_photos_as_jpeg()
        photo, ax = plt.subplots()
        ax.imshow(np.random.default_rng(0).random((16, 16, 3)))
        plot, ax = plt.subplots()
        ax.plot([0, 1], [1, 0]), ax.imshow(np.eye(4))  # a line and a 2-D array (a colour map)
        data, _ = shell.display_formatter.format(photo)
        assert "image/jpeg" in data and "image/png" not in data
        assert data["image/jpeg"][:2] == b"\xff\xd8"  # JPEG's start-of-image marker
        data, _ = shell.display_formatter.format(plot)
        assert "image/png" in data and "image/jpeg" not in data
    finally:
        plt.close("all")
        InteractiveShell.clear_instance()
