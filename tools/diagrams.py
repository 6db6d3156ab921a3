"""Architecture diagrams for images/, drawn by code: `python -m tools.diagrams` (or `make images`)
redraws every one of them, byte for byte the same each time."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Polygon  # noqa: E402

IMAGES = Path(__file__).resolve().parent.parent / "images"
COLORS = {  # one colour per kind of layer, the same in every diagram
    "conv": "#cfe2f3",
    "conv_s2": "#9fc5e8",
    "merge": "#f9cb9c",
    "io": "#eeeeee",
    "head": "#d9ead3",
    "input": "#cfe2f3",  # RNN notation: rectangle = input
    "hidden": "#f9cb9c",  # circle = activations (hidden state)
    "output": "#d9ead3",  # triangle = output
    "gate": "#ead1dc",
}
ARROWS = {"i_h": "#38761d", "h_h": "#b45f06", "h_o": "#1155cc",  # the lesson's green, brown, blue
          "carried": "#777777"}  # a state carried on to the next step, through no layer


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


def merge(ax, x, y, symbol, fontsize=12):
    """The circle where two paths meet: `+` (add), `c` or `cat` (concatenate)."""
    ax.add_patch(Circle((x, y), 0.25, fc=COLORS["merge"], ec="#333333", lw=1))
    ax.text(x, y, symbol, ha="center", va="center", fontsize=fontsize, fontweight="bold")


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
    for x, symbol, out, label, title, second_bn in (
        (2.8, "+", "x + f(x)  (nf channels)", "identity\n(x.orig)",
         "residual block\nMergeLayer(dense=False)", "\n(BN scale starts at 0)"),
        (7.8, "cat", "cat([f(x), x])  (2 nf channels)", "x.orig\n(passed on)",
         "dense block\nMergeLayer(dense=True)", ""),
    ):
        _draw_one(ax, x, symbol, out, label, second_bn)
        ax.text(x, 7.1, title, ha="center", va="center", fontsize=10, fontweight="bold")
    fig.suptitle("SequentialEx keeps the block's input as x.orig; "
                 "MergeLayer adds or concatenates it",
                 fontsize=10, y=0.04)
    return fig


def _draw_one(ax, x, symbol, out_text, skip_label, second_bn=""):
    box(ax, x, 0.5, "x  (nf channels)", "io")
    box(ax, x, 2.0, "ConvLayer(nf, nf)\nconv 3x3, BN, ReLU", h=0.8)
    box(ax, x, 3.5, f"ConvLayer(nf, nf)\nconv 3x3, BN, ReLU{second_bn}",
        h=1.05 if second_bn else 0.8, fontsize=8.5 if second_bn else 9)
    merge(ax, x, 4.9, symbol, fontsize=8.5 if len(symbol) > 1 else 12)
    box(ax, x, 6.1, out_text, "io", w=3.9)
    arrow(ax, (x, 0.78), (x, 1.6))
    arrow(ax, (x, 2.4), (x, 3.1))
    arrow(ax, (x, 3.9), (x, 4.65), "f(x)")
    arrow(ax, (x, 5.15), (x, 5.83))
    arrow(ax, (x - 1.3, 0.5), (x - 0.25, 4.9), skip_label, curve=-0.45, color="#b45f06",
          text_offset=(-1.6, 0.3))


def draw_plain_vs_residual() -> plt.Figure:
    """The lesson's MNIST models side by side: plain CNN (12,126 params), ResNet-ish (41,132)."""
    fig, ax = canvas(9, 8.4, (-0.6, 12.4), (-1.1, 13.2))
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.075, top=0.99)
    channels = [(1, 8), (8, 16), (16, 32), (32, 16), (16, 10)]
    sizes = ["14x14", "7x7", "4x4", "2x2", "1x1"]
    skip = "#b45f06"
    # left: plain CNN, five stride-2 convolutions
    x = 2.3
    ax.text(x, 12.8, "plain CNN (12,126 params)", ha="center", fontsize=10, fontweight="bold")
    box(ax, x, 0.0, "image 1x28x28", "io", w=2.8, fontsize=8.5)
    ys = [1.2 + 2.2 * i for i in range(5)]
    for y, (ni, nf), size in zip(ys, channels, sizes):
        act = ", ReLU" if nf != 10 else ""  # the last layer: batchnorm, no ReLU on the logits
        box(ax, x, y, f"conv s2 {ni}->{nf}, BN{act}\n-> {nf}x{size}", "conv_s2", w=4.0, h=0.8,
            fontsize=8.5)
    for a, b in zip([0.0] + ys, ys + [12.1]):
        arrow(ax, (x, a + (0.3 if a == 0.0 else 0.42)), (x, b - (0.27 if b == 12.1 else 0.42)))
    box(ax, x, 12.1, "Flatten -> 10 logits", "head", w=3.0, h=0.5, fontsize=8.5)
    # right: ResNet-ish. Each stride-2 ConvLayer feeds a res_block (dashed): two ConvLayers, then
    # MergeLayer adds the block's input, which the shortcut carries from the arrow into the block
    x = 8.4
    ax.text(x, 12.8, "ResNet-ish (41,132 params)", ha="center", fontsize=10, fontweight="bold")
    box(ax, x, 0.0, "image 1x28x28", "io", w=2.8, fontsize=8.5)
    previous = 0.28
    for i, (ni, nf) in enumerate(channels[:4]):
        y = 0.85 + 2.85 * i
        box(ax, x, y, f"ConvLayer s2 {ni}->{nf} -> {nf}x{sizes[i]}", "conv_s2", w=4.2, h=0.5,
            fontsize=8.5)
        ax.add_patch(FancyBboxPatch((x - 2.15, y + 0.75), 4.3, 1.55,
                                    boxstyle="round,pad=0.02,rounding_size=0.1", fc="none",
                                    ec="#666666", lw=1, ls="--"))
        ax.text(x + 2.25, y + 1.5, f"res_block({nf})", fontsize=8.5, ha="left", va="center")
        box(ax, x, y + 1.2, "2 x ConvLayer (stride 1)", "conv", w=3.1, h=0.45, fontsize=8)
        merge(ax, x, y + 1.95, "+")
        ax.text(x + 0.35, y + 1.95, "MergeLayer", fontsize=8, ha="left", va="center")
        arrow(ax, (x, previous), (x, y - 0.25))
        arrow(ax, (x, y + 0.25), (x, y + 0.97))
        arrow(ax, (x, y + 1.43), (x, y + 1.7))
        # the shortcut: from the block's input (a dot on the arrow into it) around to the +
        ax.add_patch(Circle((x, y + 0.5), 0.07, fc=skip, ec=skip, zorder=3))
        ax.plot([x, x - 1.75, x - 1.75], [y + 0.5, y + 0.5, y + 1.95], color=skip, lw=1.2)
        arrow(ax, (x - 1.75, y + 1.95), (x - 0.25, y + 1.95), color=skip)
        previous = y + 2.2
    box(ax, x, 12.1, "ConvLayer s2 16->10 -> 10x1x1, Flatten", "head", w=4.7, h=0.5, fontsize=8.5)
    arrow(ax, (x, previous), (x, 11.85))
    ax.text(x - 2.3, 1.5, "identity\nshortcut", fontsize=8, color=skip, ha="right", va="center")
    ax.text(x, -0.8, "ConvLayer: conv, BN, ReLU (the last one too)", fontsize=8, ha="center")
    fig.suptitle("Same stride-2 skeleton; after each of the first four stride-2 convolutions,\n"
                 "the ResNet adds two convolutions whose input skips around them", fontsize=10,
                 y=0.008, va="bottom")
    return fig


def draw_dense_block() -> plt.Figure:
    """A residual block beside a dense block of three layers (growth rate k) and its transition."""
    fig, ax = canvas(9, 8.0, (-0.3, 11.3), (-0.4, 9.6))
    skip = "#b45f06"
    # left: residual block, channels stay at c
    x = 2.3
    ax.text(x, 9.2, "residual block\nchannels stay c", ha="center", va="center", fontsize=10,
            fontweight="bold")
    box(ax, x, 1.6, "x: c channels", "io")
    box(ax, x, 3.1, "ConvLayer(c, c)", w=2.6)
    box(ax, x, 4.5, "ConvLayer(c, c)", w=2.6)
    merge(ax, x, 5.8, "+")
    box(ax, x, 7.0, "c channels", "io")
    for a, b in ((1.88, 2.83), (3.38, 4.23), (4.78, 5.55), (6.05, 6.72)):
        arrow(ax, (x, a), (x, b))
    arrow(ax, (x - 1.3, 1.6), (x - 0.25, 5.8), curve=-0.45, color=skip)
    # right: dense block, every layer adds k channels, then a transition halves size and channels
    x = 8.0
    ax.text(x, 9.2, "dense block, growth rate k\nchannels grow c, c+k, c+2k, c+3k",
            ha="center", va="center", fontsize=10, fontweight="bold")
    box(ax, x, 0.0, "x: c channels, 14x14", "io", w=3.0)
    previous = 0.0
    for i in range(3):
        y = 0.95 + 1.75 * i
        ni = "c" if i == 0 else f"c+{i}k" if i > 1 else "c+k"
        box(ax, x, y, f"ConvLayer({ni}, k)", w=2.6)
        merge(ax, x, y + 0.85, "cat", fontsize=8.5)  # not "c": the channel labels use c
        arrow(ax, (x, previous + 0.28), (x, y - 0.28))
        arrow(ax, (x, y + 0.28), (x, y + 0.6))
        branch = (previous + y) / 2  # on the input arrow: the skip carries the layer's input
        ax.plot([x, x - 1.6, x - 1.6], [branch, branch, y + 0.85], color=skip, lw=1.2)
        ax.plot(x, branch, "o", color=skip, ms=4)
        arrow(ax, (x - 1.6, y + 0.85), (x - 0.25, y + 0.85), color=skip)
        ax.text(x + 0.4, y + 0.85, f"c+{i + 1}k" if i else "c+k", fontsize=9, va="center")
        previous = y + 0.85
    box(ax, x, 6.9, "transition: 1x1 ConvLayer\n(c+3k -> c'), AvgPool 2x2", "conv_s2", w=3.2,
        h=0.8)
    box(ax, x, 8.2, "c' channels, 7x7", "io", w=3.0)
    arrow(ax, (x, previous + 0.25), (x, 6.5))
    arrow(ax, (x, 7.3), (x, 7.92))
    ax.text(x - 1.75, 1.5, "x.orig (the layer's\ninput), concatenated", fontsize=8, color=skip,
            ha="right", va="center")
    fig.suptitle("Adding keeps the channel count; concatenating grows it by k per layer, and only "
                 "works at one size:\ntransitions between blocks change the size and shrink the "
                 "channels", fontsize=10, y=0.05)
    return fig
def draw_wgan() -> plt.Figure:
    """The lesson's WGAN: noise -> generator -> image; real and fake images -> critic -> score.

    The layers are fastai 2.8's `basic_generator` and `basic_critic` with `n_extra_layers=1`, as
    notebook 04 builds them: the critic's first conv has no batchnorm (`norm_type=None`)."""
    fig, ax = canvas(11, 5.6, (-0.2, 13.4), (-0.4, 6.6))
    ax.text(6.6, 6.3, "WGAN: a generator and a critic, trained in turn (5 critic steps per "
            "generator step)", ha="center", fontsize=11, fontweight="bold")
    # generator column
    box(ax, 1.7, 5.35, "noise z: 100 numbers\n(generate_noise)", "io", w=3.0, h=0.8)
    box(ax, 1.7, 3.25, "basic_generator\n4x4 transposed convs:\n1 -> 4 -> 8 -> 16 -> 32 px,\n"
        "BN + ReLU after each\nextra layer (n_extra_layers=1):\n3x3, stride 1, at 32 px,\n"
        "BN + ReLU\nlast: 32 -> 64 px, tanh, no BN", "conv_s2", w=3.3, h=2.5, fontsize=8)
    box(ax, 1.7, 1.15, "fake image\n3 x 64 x 64", "io", w=3.0, h=0.8)
    arrow(ax, (1.7, 4.95), (1.7, 4.5))
    arrow(ax, (1.7, 2.0), (1.7, 1.55))
    # critic column
    box(ax, 6.6, 5.35, "real bedroom\n3 x 64 x 64", "io", w=3.0, h=0.8)
    box(ax, 6.6, 3.25, "basic_critic\n4x4 convs:\n64 -> 32 px, stride 2,\nLeakyReLU(0.2), no BN\n"
        "extra layer (n_extra_layers=1):\n3x3, stride 1, at 32 px,\nBN + LeakyReLU(0.2)\n"
        "32 -> 16 -> 8 -> 4 px, stride 2,\nBN + LeakyReLU(0.2)\nlast: a 4x4 conv to 1 number",
        "conv", w=3.3, h=2.5, fontsize=8)
    box(ax, 6.6, 1.15, "score: one number per image\n(not a probability)", "head", w=3.4, h=0.8)
    arrow(ax, (6.6, 4.95), (6.6, 4.5))
    arrow(ax, (3.2, 1.15), (4.95, 2.7), "fake", curve=0.2, text_offset=(-0.2, 0.35))
    arrow(ax, (6.6, 2.0), (6.6, 1.55))
    # the losses
    box(ax, 11.0, 4.6, "critic step (x5)\nfrom weights clipped to\n[-0.01, 0.01] (fastai clips at\n"
        "every training batch's start)\nloss = mean score(real)\n- mean score(fake)", "merge",
        w=4.2, h=2.2)
    box(ax, 11.0, 1.6, "generator step (x1)\nloss = mean score(fake)\n"
        "(make fakes score\nlike real images)", "merge", w=4.2, h=1.7)
    arrow(ax, (8.4, 1.15), (8.9, 4.0), curve=-0.2)
    arrow(ax, (8.4, 1.15), (8.9, 1.45))
    ax.text(6.6, -0.2, "The critic's score gap between real and fake estimates the Wasserstein "
            "(earth mover's) distance; clipping keeps the critic smooth enough for that.",
            ha="center", fontsize=9)
    return fig


# --- recurrent networks (notebook 07) ------------------------------------------------------------


def rect(ax, x, y, text, w=1.2, h=0.6):
    """An input: a rectangle (the lesson's RNN notation)."""
    box(ax, x, y, text, "input", w=w, h=h)


def node(ax, x, y, text="", r=0.38):
    """Activations (hidden state): a circle."""
    ax.add_patch(Circle((x, y), r, fc=COLORS["hidden"], ec="#333333", lw=1))
    ax.text(x, y, text, ha="center", va="center", fontsize=8)


def triangle(ax, x, y, text="", s=0.45):
    """An output: a triangle."""
    ax.add_patch(Polygon([(x - s, y - s * 0.8), (x + s, y - s * 0.8), (x, y + s * 0.9)],
                         closed=True, fc=COLORS["output"], ec="#333333", lw=1))
    ax.text(x + s + 0.1, y, text, ha="left", va="center", fontsize=9)


def draw_rnn_unrolled() -> plt.Figure:
    """Three words in, the next word out: unrolled (left) and as a loop (right).

    Drawn as the notebook's code runs: each word's embedding is added to the state carried from
    the step before, then `h_h` (linear + ReLU) gives the new state; `h_o` reads the last one.
    """
    fig, ax = canvas(10, 5.8, (-0.6, 12.6), (-2.2, 5.6))
    green, brown, blue = ARROWS["i_h"], ARROWS["h_h"], ARROWS["h_o"]
    carried = ARROWS["carried"]
    ax.text(3.6, 5.2, "unrolled: one step per word", ha="center", fontsize=10,
            fontweight="bold")
    xs = [0.8, 3.3, 5.8]
    for i, x in enumerate(xs):
        hx = x + 0.9
        rect(ax, x, 0.0, f"word {i + 1}")
        node(ax, hx, 2.7, f"h{i + 1}")
        if i:
            merge(ax, hx, 1.4, "+")
            arrow(ax, (xs[i - 1] + 1.25, 2.55), (hx - 0.25, 1.5), color=carried)
        else:
            ax.add_patch(Circle((hx, 1.4), 0.06, fc="#333333"))
        arrow(ax, (x + 0.1, 0.32), (hx - 0.2, 1.25), color=green)
        arrow(ax, (hx, 1.65), (hx, 2.3), color=brown)
    triangle(ax, xs[-1] + 0.9, 4.4, "word 4")
    arrow(ax, (xs[-1] + 0.9, 3.1), (xs[-1] + 0.9, 4.0), color=blue)
    # right: the same model as a loop
    x = 10.2
    ax.text(x, 5.2, "as a loop", ha="center", fontsize=10, fontweight="bold")
    rect(ax, x, 0.0, "word t")
    merge(ax, x, 1.4, "+")
    node(ax, x, 2.7, "h")
    triangle(ax, x, 4.4, "next word\n(after the last)")
    arrow(ax, (x, 0.32), (x, 1.15), color=green)
    arrow(ax, (x, 1.65), (x, 2.3), color=brown)
    arrow(ax, (x, 3.1), (x, 4.0), color=blue)
    arrow(ax, (x + 0.38, 2.6), (x + 0.25, 1.4), curve=-0.9, color=carried)
    ax.text(x + 0.95, 2.0, "state, to\nthe next\nstep", fontsize=8, color=carried, va="center")
    for i, (name, color, what) in enumerate((
            ("i_h", green, "input to hidden: embedding"),
            ("h_h", brown, "hidden to hidden: linear + ReLU (the same weights at every step)"),
            ("h_o", blue, "hidden to output: linear, then softmax"),
            ("+", carried, "the state carried to the next word, added to its embedding"))):
        ax.text(0.2, -0.85 - 0.35 * i, f"{name}: {what}", color=color, fontsize=8,
                ha="left", va="center")
    fig.suptitle("rectangle = input, circle = activations (hidden state), triangle = output; "
                 "same-coloured arrows share weights", fontsize=9, y=0.02)
    return fig


def _cell(ax, x0, title, gates, state_text, out_text, note):
    """One gated cell, drawn as PyTorch computes it: every gate is one linear layer on
    cat([h_t-1, x_t]) and an activation, and its arrow starts at its box, labelled with its role.
    The GRU's reset gate (role "into n: ...") feeds the candidate's input box, not the update."""
    ax.text(x0 + 2.95, 6.3, title, ha="center", fontsize=11, fontweight="bold")
    rect(ax, x0 + 0.6, 0.0, "x_t", w=0.9)
    node(ax, x0 - 0.4, 1.6, "h_t-1", r=0.45)
    box(ax, x0 + 2.5, 1.6, "cat([h_t-1, x_t])", "io", w=2.4, h=0.5)
    arrow(ax, (x0 + 0.6, 0.3), (x0 + 1.8, 1.35), color=ARROWS["i_h"])
    carried = ARROWS["carried"]
    arrow(ax, (x0 + 0.05, 1.6), (x0 + 1.3, 1.6), color=carried)
    box(ax, x0 + 2.95, 5.0, state_text, "hidden", w=5.7, h=0.75, fontsize=8)  # spans every gate
    previous = "c_t-1" if "c_t-1" in state_text else "h_t-1"
    node(ax, x0 - 0.9, 5.0, previous, r=0.45)
    arrow(ax, (x0 - 0.45, 5.0), (x0 + 0.1, 5.0), color=carried)
    for i, (name, act, what) in enumerate(gates):
        gx = x0 + 0.7 + i * 1.55  # the gate box's centre
        box(ax, gx, 3.1, f"{name}\n{act}", "gate", w=1.35, h=0.7, fontsize=8)
        if name.startswith("candidate"):
            # nn.GRU's candidate: x_t and h_t-1 each through a matrix, r scaling U h_t-1
            bx = gx + 1.3
            box(ax, bx, 0.75, "W x_t + r * (U h_t-1)", "io", w=2.3, h=0.5, fontsize=8)
            arrow(ax, (x0 + 3.3, 1.35), (bx - 0.8, 1.0))  # x_t and h_t-1, from the concatenation
            arrow(ax, (bx + 0.4, 1.0), (gx + 0.3, 2.75))  # through tanh: the candidate n
        else:
            arrow(ax, (x0 + 2.5, 1.85), (gx, 2.75))  # the gate reads cat([h_t-1, x_t])
        if what.startswith("into n: "):  # the reset gate: r goes to the candidate's input box
            start, end = (gx + 0.35, 2.75), (gx + 2.5, 1.0)
            arrow(ax, start, end)
            (sx, sy), (ex, ey) = start, end
            length = math.hypot(ex - sx, ey - sy)
            nx, ny = -(ey - sy) / length, (ex - sx) / length  # the normal on the arrow's upper side
            label = what.removeprefix("into n: ")
            ax.text((sx + ex) / 2 + 0.18 * nx, (sy + ey) / 2 + 0.18 * ny, label,
                    rotation=math.degrees(math.atan2(ey - sy, ex - sx)), rotation_mode="anchor",
                    ha="center", va="center", fontsize=8, color="#333333")
        else:  # from the gate box straight up to the update, labelled with the gate's role
            arrow(ax, (gx, 3.45), (gx, 4.62), what, text_offset=(0.08, 0.0))
    node(ax, x0 + 6.75, 5.0, out_text, r=0.5)
    arrow(ax, (x0 + 5.8, 5.0), (x0 + 6.25, 5.0))
    ax.text(x0 + 2.5, -0.9, note, ha="center", fontsize=8, wrap=True)


def draw_lstm_gru() -> plt.Figure:
    """The LSTM and GRU cells as the notebook's `nn.LSTM` and `nn.GRU` compute them: gates
    (sigmoids) decide what to keep, forget and output. To redraw this one only:
    `python -c "from tools.diagrams import draw_all; draw_all(names=['lstm_gru.png'])"`."""
    fig, ax = canvas(12.6, 5.6, (-1.7, 16.4), (-1.4, 6.8))
    _cell(ax, 0.0, "LSTM cell (nn.LSTM)",
          [("forget f", "sigmoid", "keep c_t-1?"), ("input i", "sigmoid", "write g?"),
           ("cell g", "tanh", "new values"), ("output o", "sigmoid", "show c_t?")],
          "c_t = f * c_t-1 + i * g\nh_t = o * tanh(c_t)", "h_t, c_t",
          "two states: the cell state c only passes through * and +,\n"
          "so its gradient does not shrink through a matrix product at every step")
    _cell(ax, 8.9, "GRU cell (nn.GRU)",
          [("update z", "sigmoid", "keep h_t-1?"), ("reset r", "sigmoid", "into n: use h_t-1?"),
           ("candidate n", "tanh", "new values")],
          "h_t = (1 - z) * n + z * h_t-1", "h_t",
          "one state, two gates (r, z) and a candidate n:\n"
          "the update gate z copies h_t-1 through unchanged when z is 1")
    fig.suptitle("Gated cells: sigmoid gates between 0 and 1 decide, element by element, what the "
                 "state keeps", fontsize=10, y=0.03)
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


# --- super-resolution (notebooks 05 and 06) ----------------------------------------------------


def draw_superres_gan() -> plt.Figure:
    """The super-res GAN: a residual U-Net repairs, a critic judges, the losses mix both."""
    fig, ax = canvas(12, 6.2, (-0.2, 14.6), (-0.5, 7.0))
    ax.text(7.2, 6.7, "Super-resolution GAN: a U-Net repairs, a critic judges", ha="center",
            fontsize=11, fontweight="bold")
    # generator column
    x = 2.4
    box(ax, x, 5.9, "crappified photo\n32 px, a number, JPEG", "io", w=3.2, h=0.8)
    box(ax, x, 4.7, "bicubic upsampling to 64 px", "io", w=3.2, h=0.6)
    box(ax, x, 3.1, "U-Net (unet_learner)\nblur, weight norm,\nself-attention, y_range",
        "conv_s2", w=3.2, h=1.4)
    merge(ax, x, 1.8, "+")
    box(ax, x, 0.7, "repaired photo, 64 px", "io", w=3.2, h=0.6)
    arrow(ax, (x, 5.5), (x, 5.0))
    arrow(ax, (x, 4.4), (x, 3.8))
    arrow(ax, (x, 2.4), (x, 2.05))
    arrow(ax, (x, 1.55), (x, 1.0))
    arrow(ax, (0.8, 4.5), (x - 0.25, 1.8), curve=0.5)
    ax.text(0.1, 2.4, "its input\n(residual,\non cpu)", fontsize=8, ha="center", va="center")
    # critic column
    box(ax, 6.6, 5.9, "original photo, 64 px", "io", w=3.0, h=0.6)
    box(ax, 6.6, 3.9, "gan_critic\nstride-2 convs, spectral norm,\n"
        "self-attention,\ndropout (full only)", "conv", w=3.4, h=1.4)
    box(ax, 6.6, 2.2, "real or generated?\nBCE (AdaptiveLoss)", "head", w=3.0, h=0.8)
    arrow(ax, (6.6, 5.6), (6.6, 4.6), "real")
    arrow(ax, (4.0, 0.7), (5.3, 3.3), "generated", curve=0.25, text_offset=(0.1, -0.3))
    arrow(ax, (6.6, 3.2), (6.6, 2.6))
    # the two steps
    box(ax, 11.6, 4.9, "critic step\nloss = BCE(real: 1, generated: 0)\nrepeated until "
        "loss < 0.65\n(AdaptiveGANSwitcher), lr x 5", "merge", w=5.2, h=1.6)
    box(ax, 11.6, 2.0, "generator step\nloss = 1 x BCE(generated: 1)\n"
        "+ 50 x MSE(repaired, original)\n(weights_gen=(1., 50.))", "merge", w=5.2, h=1.6)
    arrow(ax, (8.1, 2.2), (9.0, 4.3), curve=-0.2)
    arrow(ax, (8.1, 2.2), (9.0, 2.0))
    ax.text(7.2, -0.3, "Pretrain the U-Net with MSE and the critic on its images first; then "
            "alternate, with Adam and no momentum (GANs hate momentum).", ha="center", fontsize=9)
    return fig


def draw_feature_loss() -> plt.Figure:
    """The feature loss: pixel L1, plus L1 of VGG features and of their Gram matrices."""
    fig, ax = canvas(12, 5.6, (-0.2, 14.6), (-0.4, 6.6))
    ax.text(7.2, 6.3, "Feature (perceptual) loss: compare images through a frozen VGG16-bn",
            ha="center", fontsize=11, fontweight="bold")
    layers = [(4.3, "layer 22\n(before pool 3)", "5"), (2.9, "layer 32\n(before pool 4)", "15"),
              (1.5, "layer 42\n(before pool 5)", "2")]
    for x, name in ((1.6, "generated image"), (5.6, "original")):
        box(ax, x, 5.6, name, "io", w=2.6, h=0.6)
        arrow(ax, (x, 5.3), (x, 4.75))
        for y, text, _ in layers:
            box(ax, x, y, f"VGG16-bn {text}", "conv", w=2.6, h=0.8)
        for (y1, _, _), (y2, _, _) in zip(layers, layers[1:]):
            arrow(ax, (x, y1 - 0.4), (x, y2 + 0.4))
    box(ax, 3.6, 0.3, "frozen: requires_grad_(False); hooks catch the three layers", "io",
        w=6.2, h=0.5, fontsize=8)
    for y, _, w in layers:
        box(ax, 10.2, y, f"w = {w}:  w x L1(features)\n+ 5e3 x w² x L1(Gram matrices)", "head",
            w=4.4, h=0.8, fontsize=8)
        arrow(ax, (6.9, y), (8.0, y))
        arrow(ax, (2.9, y), (8.0, y + 0.25), curve=-0.12)
    box(ax, 10.2, 5.6, "pixel L1(generated, original)", "head", w=4.4, h=0.6, fontsize=8)
    arrow(ax, (6.9, 5.6), (8.0, 5.6))
    arrow(ax, (2.9, 5.6), (8.0, 5.8), curve=-0.12)
    box(ax, 13.5, 3.0, "loss =\nsum of\nall terms", "merge", w=1.6, h=1.4)
    for y in (5.6, 4.3, 2.9, 1.5):
        arrow(ax, (12.4, y), (12.7, 3.0))
    return fig


DIAGRAMS: dict[str, Callable[[], plt.Figure]] = {
    "residual_block.png": draw_residual_block,
    "plain_vs_residual.png": draw_plain_vs_residual,
    "dense_block.png": draw_dense_block,
    "wgan.png": draw_wgan,
    "rnn_unrolled.png": draw_rnn_unrolled,
    "lstm_gru.png": draw_lstm_gru,
    "unet.png": draw_unet,
    "superres_gan.png": draw_superres_gan,
    "feature_loss.png": draw_feature_loss,
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
