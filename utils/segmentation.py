"""Semantic segmentation helpers: Void-masked metrics from a confusion matrix, checks of a
CamVid-style folder that name the bad file, and class-colour figures of predictions and IoU."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.patches import Patch
from PIL import Image


class SegmentationDataError(ValueError):
    """An image without its mask, a mask with an unknown class, or an image and mask that differ."""


# --- metrics -------------------------------------------------------------------------------------


def confusion_matrix(preds: torch.Tensor, targs: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Counts `cm[true, predicted]` over every pixel of class-index tensors of the same shape."""
    if preds.shape != targs.shape:
        raise ValueError(f"predictions {tuple(preds.shape)} and targets {tuple(targs.shape)} "
                         "differ")
    idx = targs.reshape(-1).long() * n_classes + preds.reshape(-1).long()
    return torch.bincount(idx, minlength=n_classes**2).reshape(n_classes, n_classes)


def _keep(cm, ignore):
    keep = np.ones(len(cm), bool)
    keep[list(ignore)] = False
    return keep


def pixel_accuracy(cm, ignore=()) -> float:
    """Share of pixels predicted right, leaving out those whose true class is in `ignore` (Void)."""
    cm = np.asarray(cm, dtype=np.float64)
    keep = _keep(cm, ignore)
    return float(np.diag(cm)[keep].sum() / cm[keep].sum())


def iou_per_class(cm, ignore=()) -> np.ndarray:
    """Intersection over union of every class: TP / (TP + FP + FN), with pixels whose true class is
    in `ignore` left out. NaN for classes in `ignore` and for classes that appear in neither the
    targets nor the predictions."""
    cm = np.asarray(cm, dtype=np.float64).copy()
    keep = _keep(cm, ignore)
    cm[~keep] = 0  # a prediction on a Void pixel is neither right nor wrong
    tp = np.diag(cm)
    union = cm.sum(0) + cm.sum(1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = tp / union
    iou[~keep] = np.nan
    return iou


def mean_iou(iou: np.ndarray) -> float:
    """Mean over the classes that have an IoU (not NaN)."""
    return float(np.nanmean(iou))



def per_image_confusion(preds: torch.Tensor, targs: torch.Tensor, n_classes: int) -> np.ndarray:
    """One confusion matrix per image: `(N, n_classes, n_classes)` from `(N, H, W)` masks."""
    return np.stack([confusion_matrix(p, t, n_classes).numpy() for p, t in zip(preds, targs)])


def bootstrap_difference(cms_a: np.ndarray, cms_b: np.ndarray, ignore=(), n_boot: int = 1000,
                         seed: int = 0) -> dict[str, np.ndarray]:
    """Pixel accuracy and mean IoU of model a minus model b, on `n_boot` resamples of the images.

    `cms_a` and `cms_b` are per-image confusion matrices of the same images. Each resample draws
    images with replacement (the same draw for both models), sums their matrices and scores it, so
    the spread of the differences is how much they would move on another set of images like these:
    it says nothing about how much they move from one training seed to the next.
    """
    if cms_a.shape != cms_b.shape:
        raise ValueError(f"confusion matrices {cms_a.shape} and {cms_b.shape} differ")
    rng = np.random.default_rng(seed)
    out = {"pixel_accuracy": [], "mean_iou": []}
    for _ in range(n_boot):
        idx = rng.integers(0, len(cms_a), len(cms_a))
        a, b = cms_a[idx].sum(0), cms_b[idx].sum(0)
        out["pixel_accuracy"].append(pixel_accuracy(a, ignore) - pixel_accuracy(b, ignore))
        iou_a, iou_b = iou_per_class(a, ignore), iou_per_class(b, ignore)
        out["mean_iou"].append(mean_iou(iou_a) - mean_iou(iou_b))
    return {k: np.asarray(v) for k, v in out.items()}

# --- checks --------------------------------------------------------------------------------------


def mask_path(image: Path) -> Path:
    """CamVid's rule: `images/<stem>.png` has its mask in `labels/<stem>_P.png`."""
    image = Path(image)
    return image.parent.parent / "labels" / f"{image.stem}_P{image.suffix}"


def check_pair(image: Path, n_codes: int) -> None:
    """Raise SegmentationDataError, naming the file, unless `image` has a mask of its size whose
    values are all class indices below `n_codes`."""
    image, mask = Path(image), mask_path(image)
    if not mask.exists():
        raise SegmentationDataError(
            f"{image.name} has no mask: expected {mask.parent.name}/{mask.name}")
    with Image.open(image) as im, Image.open(mask) as m:
        if im.size != m.size:
            raise SegmentationDataError(
                f"{mask.name} is {m.size[0]}x{m.size[1]} but its image {image.name} is "
                f"{im.size[0]}x{im.size[1]} (width x height)")
        if m.mode not in ("L", "P"):
            raise SegmentationDataError(f"{mask.name} has mode {m.mode}: masks hold one 8-bit "
                                        f"class index per pixel (mode L or P)")
        top = int(np.asarray(m).max())
    if top >= n_codes:
        raise SegmentationDataError(
            f"{mask.name} has class index {top}, but codes.txt names only {n_codes} classes "
            f"(0 to {n_codes - 1})")


def check_folder(path: Path, codes) -> int:
    """Check every image of a CamVid-style folder with `check_pair`; the number of pairs checked."""
    images = sorted((Path(path) / "images").glob("*.png"))
    if not images:
        raise SegmentationDataError(f"no images in {Path(path).name}/images")
    for image in images:
        check_pair(image, len(codes))
    return len(images)


# --- figures -------------------------------------------------------------------------------------


# CamVid's own label colours (label_colors.txt of the dataset), so figures look like CamVid's
CAMVID_COLOURS = {
    "Animal": (64, 128, 64), "Archway": (192, 0, 128), "Bicyclist": (0, 128, 192),
    "Bridge": (0, 128, 64), "Building": (128, 0, 0), "Car": (64, 0, 128),
    "CartLuggagePram": (64, 0, 192), "Child": (192, 128, 64), "Column_Pole": (192, 192, 128),
    "Fence": (64, 64, 128), "LaneMkgsDriv": (128, 0, 192), "LaneMkgsNonDriv": (192, 0, 64),
    "Misc_Text": (128, 128, 64), "MotorcycleScooter": (192, 0, 192), "OtherMoving": (128, 64, 64),
    "ParkingBlock": (64, 192, 128), "Pedestrian": (64, 64, 0), "Road": (128, 64, 128),
    "RoadShoulder": (128, 128, 192), "Sidewalk": (0, 0, 192), "SignSymbol": (192, 128, 128),
    "Sky": (128, 128, 128), "SUVPickupTruck": (64, 128, 192), "TrafficCone": (0, 0, 64),
    "TrafficLight": (0, 64, 64), "Train": (192, 64, 128), "Tree": (128, 128, 0),
    "Truck_Bus": (192, 128, 192), "Tunnel": (64, 0, 64), "VegetationMisc": (192, 192, 0),
    "Void": (0, 0, 0), "Wall": (64, 192, 0),
}


def class_colours(codes, void: str = "Void") -> np.ndarray:
    """One RGB colour (0..1) per class, the same in every figure: CamVid's own for CamVid's
    classes, matplotlib's tab20 for others; Void is black."""
    cmap = [*plt.get_cmap("tab20").colors, *plt.get_cmap("tab20b").colors]
    colours = np.array([np.array(CAMVID_COLOURS[c]) / 255 if c in CAMVID_COLOURS
                        else cmap[i % len(cmap)] for i, c in enumerate(codes)])
    if void in list(codes):
        colours[list(codes).index(void)] = 0
    return colours


def colourise(mask, colours) -> np.ndarray:
    """An HxW mask of class indices as an HxWx3 picture in the class colours."""
    return colours[np.asarray(mask, dtype=np.int64)]


def show_predictions(images, targets, preds: dict, codes):
    """Rows of image | ground truth | each model's prediction, with a legend of the classes shown.

    `preds` maps a model's name to its predicted masks, one per image.
    """
    colours = class_colours(codes)
    titles = ["image", "ground truth", *preds]
    n, ncols = len(images), len(titles)
    fig, axs = plt.subplots(n, ncols, figsize=(2.6 * ncols + 2.2, 2.0 * n + 0.4), squeeze=False,
                            layout="constrained")  # keeps each panel to its own column
    masks = [list(targets), *[list(p) for p in preds.values()]]
    for row, im in enumerate(images):
        shown = [im, *[colourise(m[row], colours) for m in masks]]
        for ax, picture in zip(axs[row], shown):
            ax.imshow(picture)
            ax.set_xticks([]), ax.set_yticks([])
        axs[row, 0].set_ylabel(f"example {row + 1}")
    for ax, title in zip(axs[0], titles):
        ax.set_title(title, fontsize=10)
    present = sorted(set().union(*[np.unique(np.asarray(x)).tolist() for m in masks for x in m]))
    handles = [Patch(color=colours[c], label=codes[c]) for c in present]
    fig.legend(handles=handles, loc="outside right center", fontsize=8, title="class")
    return fig


def plot_iou(ious: dict[str, np.ndarray], codes, title: str = "IoU per class", ignored=()):
    """Horizontal bars of per-class IoU for one or more models (classes without IoU left out).

    `ignored` are the indices of classes the metric leaves out (Void): the axis note counts them
    apart from the classes that are in neither the truth nor any model's predictions.

    Each bar has its value written at its end, so an IoU of 0 reads "0" rather than as a missing
    bar (and a small positive one with three decimals, so it never reads "0.00"); a model without
    an IoU for a class shown (the class is neither in the truth nor in that model's predictions,
    its IoU is NaN) gets an empty bar marked "no IoU".
    """
    colours = class_colours(codes)
    shown = [c for c in range(len(codes)) if any(not np.isnan(v[c]) for v in ious.values())]
    width = 8 if len(ious) > 1 else 7  # room for a legend beside the bars
    fig, ax = plt.subplots(figsize=(width, 0.32 * len(shown) * max(1, len(ious)) / 1.4 + 1.2))
    height = 0.8 / len(ious)
    for k, (name, iou) in enumerate(ious.items()):
        ys = np.arange(len(shown)) + k * height
        ax.barh(ys, np.nan_to_num(iou[shown]), height=height, label=name,
                color=colours[shown] if len(ious) == 1 else None, alpha=1 - 0.35 * k)
        for y, value in zip(ys, iou[shown]):  # the value at the bar's end (inside a long bar)
            text = ("no IoU" if np.isnan(value) else "0" if value == 0  # never "0.00" beside "0"
                    else f"{value:.3f}" if value < 0.01 else f"{value:.2f}")
            inside = value > 0.9
            ax.text(value - 0.01 if inside else np.nan_to_num(value) + 0.01, y, text, va="center",
                    ha="right" if inside else "left", fontsize=7,
                    style="italic" if np.isnan(value) else "normal")
    ax.set_yticks(np.arange(len(shown)) + 0.4 - height / 2, [codes[c] for c in shown])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    label = "IoU (intersection over union) on the validation images"
    if len(shown) < len(codes):  # say how many bars are missing, and why
        skipped = [codes[c] for c in ignored if c not in shown]
        left = len(codes) - len(shown) - len(skipped)
        label += f"\n{len(shown)} of the {len(codes)} classes shown"
        if skipped:
            label += f"; {', '.join(map(str, skipped))} ignored by the metric"
        if left:  # on a line of its own after the ignored ones, so the note stays narrow
            verb = "is" if left == 1 else "are"
            label += ((";\n" if skipped else "; ") + f"the other {left} {verb} in neither the "
                      "truth nor any model's predictions")
    if any(np.isnan(v[shown]).any() for v in ious.values()):
        label += "\nno IoU: the class is neither in the truth nor in that model's predictions"
    ax.set_xlabel(label)
    ax.set_ylabel("class")
    ax.set_title(title)
    if len(ious) > 1:
        ax.legend(loc="lower left", bbox_to_anchor=(1.01, 0))
    fig.tight_layout()
    return fig
