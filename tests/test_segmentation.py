"""Segmentation metrics (Void-masked accuracy, IoU) and the checks of a CamVid-style folder."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from PIL import Image
from sklearn.metrics import accuracy_score, jaccard_score
from sklearn.metrics import confusion_matrix as sk_confusion_matrix

from utils import segmentation as seg


def test_confusion_matrix_counts_true_by_predicted():
    targs = torch.tensor([[0, 0, 1, 2]])
    preds = torch.tensor([[0, 1, 1, 2]])
    cm = seg.confusion_matrix(preds, targs, 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [0, 0, 1]]


def test_void_pixels_count_neither_for_nor_against():
    targs = torch.tensor([0, 0, 1, 1, 2, 2])  # class 2 is Void
    preds = torch.tensor([0, 0, 1, 0, 0, 1])
    cm = seg.confusion_matrix(preds, targs, 3)
    assert seg.pixel_accuracy(cm, ignore=[2]) == pytest.approx(3 / 4)
    assert seg.pixel_accuracy(cm) == pytest.approx(3 / 6)


def test_iou_per_class_and_mean():
    targs = torch.tensor([0, 0, 1, 1, 2])
    preds = torch.tensor([0, 1, 1, 1, 0])
    iou = seg.iou_per_class(seg.confusion_matrix(preds, targs, 4), ignore=[2])
    assert iou[0] == pytest.approx(1 / 2)  # TP 1, FN 1, FP 0 (the Void pixel does not count)
    assert iou[1] == pytest.approx(2 / 3)  # TP 2, FP 1
    assert np.isnan(iou[2]) and np.isnan(iou[3])  # Void; a class seen nowhere
    assert seg.mean_iou(iou) == pytest.approx((1 / 2 + 2 / 3) / 2)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_confusion_matrix_accuracy_and_iou_agree_with_sklearn(seed):
    n_classes, void = 5, 4
    g = torch.Generator().manual_seed(seed)
    targs = torch.randint(0, n_classes, (3, 6, 7), generator=g)
    preds = torch.where(torch.rand(targs.shape, generator=g) < 0.6, targs,
                        torch.randint(0, n_classes - 1, targs.shape, generator=g))
    preds[0, 0, :3] = 3
    targs[0, 0, :3] = void  # predictions on Void pixels count neither for nor against
    y_true, y_pred = targs.flatten().numpy(), preds.flatten().numpy()
    cm = seg.confusion_matrix(preds, targs, n_classes)
    labels = list(range(n_classes))
    assert cm.numpy().tolist() == sk_confusion_matrix(y_true, y_pred, labels=labels).tolist()
    assert seg.pixel_accuracy(cm) == pytest.approx(accuracy_score(y_true, y_pred))
    kept = y_true != void
    assert seg.pixel_accuracy(cm, ignore=[void]) == pytest.approx(
        accuracy_score(y_true[kept], y_pred[kept]))
    iou = seg.iou_per_class(cm, ignore=[void])
    expected = jaccard_score(y_true[kept], y_pred[kept], labels=labels[:void], average=None)
    assert iou[:void] == pytest.approx(expected) and np.isnan(iou[void])
    assert seg.mean_iou(iou) == pytest.approx(expected.mean())
    per_image = seg.per_image_confusion(preds, targs, n_classes)
    for image in range(len(targs)):
        assert per_image[image].tolist() == sk_confusion_matrix(
            targs[image].flatten(), preds[image].flatten(), labels=labels).tolist()


def write_pair(root, stem, size=(8, 6), mask_size=None, value=1):
    (root / "images").mkdir(exist_ok=True)
    (root / "labels").mkdir(exist_ok=True)
    Image.new("RGB", size).save(root / "images" / f"{stem}.png")
    Image.new("L", mask_size or size, value).save(root / "labels" / f"{stem}_P.png")


def test_check_folder_accepts_good_pairs(tmp_path):
    write_pair(tmp_path, "a"), write_pair(tmp_path, "b")
    assert seg.check_folder(tmp_path, ["x", "y"]) == 2


def test_an_image_without_its_mask_is_named(tmp_path):
    write_pair(tmp_path, "a")
    (tmp_path / "labels" / "a_P.png").unlink()
    with pytest.raises(seg.SegmentationDataError, match=r"a\.png has no mask: expected labels/a_P"):
        seg.check_folder(tmp_path, ["x", "y"])


def test_a_class_index_outside_codes_is_named(tmp_path):
    write_pair(tmp_path, "a", value=5)
    with pytest.raises(seg.SegmentationDataError, match=r"a_P\.png has class index 5.*only 2"):
        seg.check_folder(tmp_path, ["x", "y"])


def test_mismatched_sizes_are_named(tmp_path):
    write_pair(tmp_path, "a", size=(8, 6), mask_size=(6, 8))
    with pytest.raises(seg.SegmentationDataError, match=r"a_P\.png is 6x8 but its image a\.png"):
        seg.check_folder(tmp_path, ["x", "y"])


def test_colours_are_fixed_and_void_is_black():
    codes = ["Road", "Void", "Sky"]
    colours = seg.class_colours(codes)
    assert colours.shape == (3, 3) and (colours[1] == 0).all()
    assert tuple(colours[0] * 255) == (128, 64, 128)  # CamVid's own colour for Road
    assert seg.class_colours(["a", "b"]).shape == (2, 3)
    assert seg.colourise(np.array([[0, 2]]), colours).shape == (1, 2, 3)


def test_the_predictions_figure_shows_each_image_its_truth_and_each_models_mask_in_colour():
    codes = ["Road", "Void", "Sky"]
    colours = seg.class_colours(codes)
    images = [np.full((2, 2, 3), 0.25), np.full((2, 2, 3), 0.75)]
    truth = [np.array([[0, 1], [2, 2]]), np.array([[0, 0], [0, 0]])]
    guess = [np.array([[2, 2], [2, 2]]), np.array([[0, 2], [0, 2]])]
    fig = seg.show_predictions(images, truth, {"ours": guess}, codes)
    axs = np.array(fig.axes[:6]).reshape(2, 3)
    assert [ax.get_title() for ax in axs[0]] == ["image", "ground truth", "ours"]
    for row in range(2):
        shown = [np.asarray(ax.get_images()[0].get_array()) for ax in axs[row]]
        assert np.array_equal(shown[0], images[row])
        assert np.array_equal(shown[1], colours[truth[row]])
        assert np.array_equal(shown[2], colours[guess[row]])
        assert axs[row, 0].get_ylabel() == f"example {row + 1}"
    legend = fig.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == codes  # every class shown, in order
    assert np.allclose(legend.get_patches()[1].get_facecolor()[:3], 0)  # Void is black
    plt.close(fig)


def test_the_iou_figure_draws_one_bar_per_class_and_model_leaving_out_classes_without_iou():
    codes = ["Road", "Void", "Sky"]
    ious = {"a": np.array([0.5, np.nan, 0.9]), "b": np.array([0.4, np.nan, np.nan])}
    fig = seg.plot_iou(ious, codes, title="IoU here")
    ax = fig.axes[0]
    assert ax.get_title() == "IoU here" and ax.get_xlim() == (0, 1)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Road", "Sky"]
    widths = {c.get_label(): [bar.get_width() for bar in c] for c in ax.containers}
    assert widths == {"a": [0.5, 0.9], "b": [0.4, 0.0]}  # no IoU for Sky in b: an empty bar
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    assert "2 of the 3 classes shown; the other 1 is in neither" in ax.get_xlabel()  # Void left out
    plt.close(fig)
    fig = seg.plot_iou({"a": np.array([0.5, np.nan, np.nan, 0.9])}, ["Road", "Void", "Pole", "Sky"],
                       ignored=[1])
    assert ("2 of the 4 classes shown; Void ignored by the metric;\nthe other 1 is in neither"
            in fig.axes[0].get_xlabel())  # the ignored class counted apart
    plt.close(fig)


def test_the_iou_figure_writes_zero_small_and_missing_values_apart():
    codes = ["Road", "Pole", "Sky", "Car"]
    ious = {"a": np.array([0.0, 0.004, 0.95, np.nan]), "b": np.array([0.5, 0.0, 0.3, 0.2])}
    fig = seg.plot_iou(ious, codes)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["0", "0.004", "0.95", "no IoU", "0.50", "0", "0.30", "0.20"]
    plt.close(fig)

def test_bootstrap_difference_is_zero_for_one_model_and_signed_for_two():
    import numpy as np
    import torch

    from utils import segmentation as seg

    targs = torch.randint(0, 3, (6, 4, 5))
    good = targs.clone()
    bad = torch.where(torch.rand(targs.shape) < 0.5, (targs + 1) % 3, targs)
    cm_good, cm_bad = (seg.per_image_confusion(p, targs, 3) for p in (good, bad))
    assert cm_good.shape == (6, 3, 3) and cm_good.sum() == targs.numel()
    same = seg.bootstrap_difference(cm_good, cm_good, n_boot=20)
    assert np.all(same["pixel_accuracy"] == 0) and np.all(same["mean_iou"] == 0)
    diff = seg.bootstrap_difference(cm_good, cm_bad, n_boot=50, seed=1)
    assert diff["pixel_accuracy"].shape == (50,) and np.all(diff["pixel_accuracy"] > 0)
    assert np.all(diff["mean_iou"] > 0)


def test_show_predictions_keeps_each_panel_apart():
    # a wide image beside its mask in a tall grid: the panels of a row must not overlap
    codes = [f"class {i}" for i in range(12)]
    images = [np.zeros((45, 60, 3)) for _ in range(4)]
    masks = [np.tile((np.arange(60) // 6)[None, :], (45, 1)) for _ in range(4)]
    fig = seg.show_predictions(images, masks, {"a model": masks}, codes)
    fig.canvas.draw()
    for row in (fig.axes[i:i + 3] for i in range(0, 12, 3)):  # image | truth | prediction
        boxes = [ax.get_window_extent() for ax in row]
        assert all(a.x1 <= b.x0 for a, b in zip(boxes, boxes[1:])), [(b.x0, b.x1) for b in boxes]
    plt.close(fig)
