"""Architecture diagrams for images/, drawn by code: `python -m utils.diagrams` (or `make images`)
redraws every one of them, byte for byte the same each time."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch  # noqa: E402

IMAGES = Path(__file__).resolve().parent.parent / "images"
COLORS = {  # one colour per kind of layer, the same in every diagram
    "conv": "#cfe2f3",
    "conv_s2": "#9fc5e8",
    "merge": "#f9cb9c",
    "io": "#eeeeee",
    "head": "#d9ead3",
}


# --- drawing primitives --------------------------------------------------------------------------


def box(ax, x, y, text, color="conv", w=2.6, h=0.55, fontsize=9):
    """A rounded box centred on (x, y)."""
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h,
                                boxstyle="round,pad=0.02,rounding_size=0.1",
                                fc=COLORS.get(color, color), ec="#333333", lw=1))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def arrow(ax, start, end, text=None, curve=0.0, color="#333333", text_offset=(0.15, 0)):
    """An arrow from start to end, optionally curved (`curve` is matplotlib's arc3 radius)."""
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, lw=1.2,
                                 color=color, connectionstyle=f"arc3,rad={curve}",
                                 shrinkA=2, shrinkB=2))
    if text:
        mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
        ax.text(mx + text_offset[0], my + text_offset[1], text, fontsize=8, color=color,
                ha="left", va="center")


def merge(ax, x, y, symbol):
    """The circle where two paths meet: `+` (add) or `c` (concatenate)."""
    ax.add_patch(Circle((x, y), 0.25, fc=COLORS["merge"], ec="#333333", lw=1))
    ax.text(x, y, symbol, ha="center", va="center", fontsize=12, fontweight="bold")


def canvas(width, height, xlim, ylim):
    fig, ax = plt.subplots(figsize=(width, height))
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


# --- the diagrams ---------------------------------------------------------------------------------


def draw_residual_block() -> plt.Figure:
    """Residual block (MergeLayer dense=False) beside the dense block (MergeLayer dense=True)."""
    fig, ax = canvas(9, 5.0, (-0.5, 10.5), (-0.3, 7.6))
    for x, symbol, out, label, title in (
        (2.8, "+", "x + f(x)  (nf channels)", "identity\n(x.orig)",
         "residual block\nMergeLayer(dense=False)"),
        (7.8, "c", "cat([f(x), x])  (2 nf channels)", "identity\n(x.orig)",
         "dense block\nMergeLayer(dense=True)"),
    ):
        _draw_one(ax, x, symbol, out, label)
        ax.text(x, 7.1, title, ha="center", va="center", fontsize=10, fontweight="bold")
    fig.suptitle("SequentialEx keeps the block's input as x.orig; "
                 "MergeLayer adds or concatenates it",
                 fontsize=10, y=0.04)
    return fig


def _draw_one(ax, x, symbol, out_text, skip_label):
    box(ax, x, 0.5, "x  (nf channels)", "io")
    box(ax, x, 2.0, "ConvLayer(nf, nf)\nconv 3x3, BN, ReLU", h=0.8)
    box(ax, x, 3.5, "ConvLayer(nf, nf)\nconv 3x3, BN, ReLU", h=0.8)
    merge(ax, x, 4.9, symbol)
    box(ax, x, 6.1, out_text, "io", w=3.5)
    arrow(ax, (x, 0.78), (x, 1.6))
    arrow(ax, (x, 2.4), (x, 3.1))
    arrow(ax, (x, 3.9), (x, 4.65), "f(x)")
    arrow(ax, (x, 5.15), (x, 5.83))
    arrow(ax, (x - 1.3, 0.5), (x - 0.25, 4.9), skip_label, curve=-0.45, color="#b45f06",
          text_offset=(-1.6, 0.3))


def draw_plain_vs_residual() -> plt.Figure:
    """The lesson's MNIST models side by side: plain CNN (12,126 params), ResNet-ish (41,132)."""
    fig, ax = canvas(9, 8.4, (-0.3, 11.3), (-0.5, 12.6))
    channels = [(1, 8), (8, 16), (16, 32), (32, 16), (16, 10)]
    sizes = ["14x14", "7x7", "4x4", "2x2", "1x1"]
    # left: plain CNN, five stride-2 convolutions
    x = 2.3
    ax.text(x, 12.3, "plain CNN (12,126 params)", ha="center", fontsize=10, fontweight="bold")
    box(ax, x, 0.0, "image 1x28x28", "io")
    ys = [1.2 + 2.05 * i for i in range(5)]
    for y, (ni, nf), size in zip(ys, channels, sizes):
        box(ax, x, y, f"conv s2 {ni}->{nf}, BN, ReLU\n-> {nf}x{size}", "conv_s2", w=3.2, h=0.75)
    for a, b in zip([0.0] + ys, ys + [11.3]):
        arrow(ax, (x, a + 0.38), (x, b - 0.38))
    box(ax, x, 11.3, "Flatten -> 10 logits", "head")
    # right: ResNet-ish, each stride-2 convolution followed by a residual block
    x = 8.2
    ax.text(x, 12.3, "ResNet-ish (41,132 params)", ha="center", fontsize=10, fontweight="bold")
    box(ax, x, 0.0, "image 1x28x28", "io")
    previous = 0.0
    for i, (ni, nf) in enumerate(channels[:4]):
        y = 0.85 + 2.45 * i
        box(ax, x, y, f"conv s2 {ni}->{nf} -> {nf}x{sizes[i]}", "conv_s2", w=3.4, h=0.5)
        box(ax, x, y + 0.9, f"res_block({nf}): 2 x ConvLayer", "conv", w=3.4, h=0.5)
        merge(ax, x, y + 1.75, "+")
        arrow(ax, (x, previous + 0.28), (x, y - 0.25))
        arrow(ax, (x, y + 0.25), (x, y + 0.65))
        arrow(ax, (x, y + 1.15), (x, y + 1.5))
        arrow(ax, (x - 1.75, y + 0.45), (x - 0.25, y + 1.75), curve=-0.45, color="#b45f06")
        previous = y + 1.75
    box(ax, x, 11.3, "conv s2 16->10, Flatten", "head", w=3.0, h=0.5)
    arrow(ax, (x, previous + 0.25), (x, 11.05))
    ax.text(x - 2.0, 2.2, "identity\nshortcut", fontsize=8, color="#b45f06", ha="right")
    fig.suptitle("Same stride-2 skeleton; the ResNet adds, at each size, two convolutions "
                 "whose input skips around them", fontsize=10, y=0.03)
    return fig


def draw_unet() -> plt.Figure:
    """U-Net: the encoder halves the size, the decoder doubles it back, skips concatenate."""
    fig, ax = canvas(10, 6.0, (-0.6, 14.6), (0.3, 9.4))
    sizes = ["H x W", "H/2 x W/2", "H/4 x W/4"]
    ys = [7.6, 5.7, 3.8]
    for i, (y, size, nf) in enumerate(zip(ys, sizes, (16, 32, 64))):
        ex, dx = 2.0 + 0.9 * i, 12.0 - 0.9 * i
        box(ax, ex, y, f"double conv -> {nf}\n{size}", "conv", w=2.6, h=0.8)
        box(ax, dx, y, f"concatenate {nf}+{nf},\ndouble conv -> {nf}", "conv", w=2.6, h=0.8)
        merge(ax, dx - 1.75, y, "c")
        arrow(ax, (ex + 1.3, y), (dx - 2.0, y), "skip: kept, then concatenated" if i == 0 else None,
              color="#b45f06", text_offset=(-1.5, 0.22))
        arrow(ax, (dx - 1.5, y), (dx - 1.3, y))
        if i < 2:
            arrow(ax, (ex, y - 0.4), (ex + 0.9, ys[i + 1] + 0.4), "max-pool /2",
                  text_offset=(-1.9, 0))
            arrow(ax, (dx - 0.9, ys[i + 1] + 0.4), (dx, y - 0.4), "up-conv x2",
                  text_offset=(0.1, 0))
    box(ax, 7.0, 1.9, "bottleneck: double conv -> 128\nH/8 x W/8 (smallest, most channels)",
        "conv_s2", w=5.0, h=0.8)
    arrow(ax, (3.8, 3.4), (5.2, 2.3), "max-pool /2", text_offset=(-1.9, 0))
    arrow(ax, (8.8, 2.3), (10.2, 3.4), "up-conv x2", text_offset=(0.1, 0))
    box(ax, 1.0, 8.9, "image 3 x H x W", "io", w=2.6, h=0.5)
    arrow(ax, (1.4, 8.65), (1.8, 8.0))
    box(ax, 12.9, 8.9, "1x1 conv -> a logit\nper class and pixel", "head", w=2.8, h=0.7)
    arrow(ax, (12.3, 8.0), (12.6, 8.55))
    ax.text(2.9, 0.8, "encoder\n(downsampling path)", ha="center", fontsize=11,
            fontweight="bold", color="#0b5394")
    ax.text(11.1, 0.8, "decoder\n(upsampling path)", ha="center", fontsize=11,
            fontweight="bold", color="#0b5394")
    fig.suptitle("U-Net: the encoder finds what is there, the decoder says where; the skips bring "
                 "back the detail the encoder threw away", fontsize=10, y=0.97)
    return fig


DIAGRAMS: dict[str, Callable[[], plt.Figure]] = {
    "residual_block.png": draw_residual_block,
    "plain_vs_residual.png": draw_plain_vs_residual,
    "unet.png": draw_unet,
}


def save(fig: plt.Figure, path: Path) -> None:
    """Save with fixed size and no version metadata, so the same code writes the same bytes."""
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)


def draw_all(folder: Path = IMAGES, names: list[str] | None = None) -> list[Path]:
    """Draw the named diagrams (default: all) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names or DIAGRAMS:
        if name not in DIAGRAMS:
            raise KeyError(f"Unknown diagram {name!r}. Known: {', '.join(DIAGRAMS)}.")
        save(DIAGRAMS[name](), folder / name)
        written.append(folder / name)
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=IMAGES, help="folder to draw into")
    args = parser.parse_args()
    for path in draw_all(args.out):
        print(f"wrote {path}")
