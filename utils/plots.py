"""Figure helpers for notebooks: keep each figure of a run in the run folder."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import PathCollection

from .results import check_name, in_dry_run, run_dir


def keep_figure(notebook: str, name: str, fig=None) -> None:
    """Save `fig` (default: the current figure) as `<run>/figures/<notebook>-<name>.png`, after
    checking that no panel of it is empty (`check_not_empty`; not in a dry run, whose few batches
    are not meant to draw anything).

    Under the runner this collects every notebook's figures in one folder; in JupyterLab (no run
    folder) it does nothing, so notebooks can call it unconditionally. The figures that
    `tools.run.GALLERY` names are published to results/gallery/ by a `cpu` run, for the README.
    """
    check_name(notebook, "notebook"), check_name(name, "figure name")
    fig = fig or plt.gcf()
    if not in_dry_run():  # a dry run's 2 batches can leave a curve empty (plot_loss skips 5)
        check_not_empty(fig, f"{notebook}-{name}")
    folder = run_dir()
    if folder is None:
        return
    path = folder / "figures" / f"{notebook}-{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, bbox_inches="tight", metadata={"Software": None})

class EmptyFigure(ValueError):
    """A figure with a panel that draws nothing: a plot of empty or all-NaN data."""


def shows_data(ax) -> bool:
    """True when `ax` draws something a reader can see: an image, a line with a finite point, a
    scatter or mesh with points, a bar or other patch, or text. (`Axes.has_data()` also counts a
    line with no points, as `ax.plot([], [])` makes.)"""
    if any(np.size(im.get_array()) for im in ax.images):
        return True
    if any(np.isfinite(line.get_xydata()).all(axis=1).any() for line in ax.lines):
        return True
    for c in ax.collections:
        if np.isfinite(np.asarray(c.get_offsets(), dtype=float)).all(axis=-1).any():
            return True  # a scatter's points
        if not isinstance(c, PathCollection) and any(len(p.vertices) for p in c.get_paths()):
            return True  # lines, polygons, meshes (a scatter's path is only its marker)
    return bool(ax.patches or ax.texts or ax.tables or ax.artists)


def check_not_empty(fig, label: str) -> None:
    """Raise EmptyFigure, naming `label` and the panel, when a visible panel of `fig` (one whose
    axes are drawn) shows no data; panels switched off with `ax.axis("off")` may stay blank."""
    if not fig.axes:
        raise EmptyFigure(f"Figure {label!r} has no panels: draw into it before keeping it.")
    for i, ax in enumerate(fig.axes):
        if ax.get_visible() and ax.axison and not shows_data(ax):
            title = ax.get_title() or ax.get_ylabel() or f"panel {i + 1} of {len(fig.axes)}"
            raise EmptyFigure(
                f"Figure {label!r}: the panel {title!r} shows no data (its lines, images and "
                "points are empty or all NaN). Check what the cell plots: an empty list, a "
                "history that was not recorded, or a filter that kept nothing.")


JPEG_QUALITY = 85  # photographs shown in a notebook: a fraction of their PNG size, no visible loss


def shows_photos(fig) -> bool:
    """A figure that draws colour images (photos, generated samples) rather than only plots."""
    return any(getattr(im.get_array(), "ndim", 0) == 3 for ax in fig.axes for im in ax.images)


def _png(fig):
    return None if shows_photos(fig) else _encode(fig, "png")


def _jpeg(fig):
    return _encode(fig, "jpeg", pil_kwargs={"quality": JPEG_QUALITY}) if shows_photos(fig) else None


def _encode(fig, fmt: str, **kwargs) -> bytes | None:
    if not fig.axes and not fig.lines:
        return None  # an empty figure, as the inline backend skips it
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, bbox_inches="tight", facecolor="white", **kwargs)
    return buf.getvalue()


def show_photos_as_jpeg() -> None:
    """In IPython, show figures of colour images as JPEG and every other figure as PNG (sharp
    lines, small files), so that a notebook of photos stays small. The copies that `keep_figure`
    saves are PNG whatever is shown."""
    from .presets import ipython_shell

    shell = ipython_shell()
    if shell is None:
        return
    import matplotlib
    from matplotlib.figure import Figure

    # Resolve the backend now: loading the inline backend (at the first figure, otherwise)
    # registers its own PNG formatter and would replace ours.
    plt.switch_backend(matplotlib.get_backend())
    formatters = shell.display_formatter.formatters
    formatters["image/png"].for_type(Figure, _png)
    formatters["image/jpeg"].for_type(Figure, _jpeg)
