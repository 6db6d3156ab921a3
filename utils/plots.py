"""Figure helpers for notebooks: keep each figure of a run in the run folder."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt

from .results import run_dir


def keep_figure(notebook: str, name: str, fig=None) -> None:
    """Save `fig` (default: the current figure) as `<run>/figures/<notebook>-<name>.png`.

    Under the runner this collects every notebook's figures in one folder; in JupyterLab (no run
    folder) it does nothing, so notebooks can call it unconditionally. The figures that
    `utils.run.GALLERY` names are published to results/gallery/ by a `cpu` run, for the README.
    """
    folder = run_dir()
    if folder is None:
        return
    fig = fig or plt.gcf()
    path = folder / "figures" / f"{notebook}-{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, bbox_inches="tight", metadata={"Software": None})



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
