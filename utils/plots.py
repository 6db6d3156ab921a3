"""Figure helpers for notebooks: keep each figure of a run in the run folder."""

from __future__ import annotations

import matplotlib.pyplot as plt

from .results import run_dir


def keep_figure(notebook: str, name: str, fig=None) -> None:
    """Save `fig` (default: the current figure) as `<run>/figures/<notebook>-<name>.png`.

    Under the runner this collects every notebook's figures in one folder; in JupyterLab (no run
    folder) it does nothing, so notebooks can call it unconditionally.
    """
    folder = run_dir()
    if folder is None:
        return
    fig = fig or plt.gcf()
    path = folder / "figures" / f"{notebook}-{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, bbox_inches="tight")

