"""keep_figure refuses a figure with a panel that draws nothing, and keeps one that draws."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from utils import (
    env,  # noqa: E402
    plots,  # noqa: E402
)


@pytest.mark.parametrize("draw", [
    lambda ax: ax.plot([], []),  # what 07's empty loss figure drew: Axes.has_data() says True
    lambda ax: ax.plot([np.nan, np.nan], [1.0, 2.0]),
    lambda ax: ax.scatter([], []),
    lambda ax: None,
])
def test_keep_figure_refuses_a_panel_without_data(draw, tmp_path, monkeypatch):
    monkeypatch.setenv(env.RUN_DIR, str(tmp_path))
    fig, (full, empty) = plt.subplots(1, 2)
    full.plot([1, 2, 3])
    empty.set_title("validation loss")
    draw(empty)
    with pytest.raises(plots.EmptyFigure, match="'nb-losses'.*'validation loss' shows no data"):
        plots.keep_figure("nb", "losses", fig)
    assert not (tmp_path / "figures").exists()
    plt.close(fig)


def test_keep_figure_refuses_in_jupyterlab_too(monkeypatch):
    monkeypatch.delenv(env.RUN_DIR, raising=False)
    fig, ax = plt.subplots()
    ax.plot([], [])
    with pytest.raises(plots.EmptyFigure):
        plots.keep_figure("nb", "empty", fig)
    plt.close(fig)


@pytest.mark.parametrize("draw", [
    lambda ax: ax.plot([np.nan, 1.0, 2.0]),  # one finite point is something to see
    lambda ax: ax.imshow(np.zeros((4, 4, 3))),
    lambda ax: ax.bar([0, 1], [1, 2]),
    lambda ax: ax.scatter([1], [2]),
    lambda ax: ax.text(0.5, 0.5, "a diagram label"),
])
def test_keep_figure_keeps_what_draws_and_blank_switched_off_panels(draw, tmp_path, monkeypatch):
    monkeypatch.setenv(env.RUN_DIR, str(tmp_path))
    fig, (ax, unused) = plt.subplots(1, 2)
    draw(ax)
    unused.axis("off")  # the spare slot of a grid of images
    plots.keep_figure("nb", "ok", fig)
    assert (tmp_path / "figures" / "nb-ok.png").stat().st_size > 0
    plt.close(fig)


def test_a_figure_name_that_would_leave_the_figures_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv(env.RUN_DIR, str(tmp_path))
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    with pytest.raises(ValueError, match="cannot be part of a file name"):
        plots.keep_figure("01_resnet_mnist", "../../escape", fig)
    plt.close(fig)
    assert not list(tmp_path.rglob("*.png"))
