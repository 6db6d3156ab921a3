"""The lesson's published numbers and each notebook's headline metric: the one source of truth."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Published:
    value: float  # the number the lesson (or the book, or a port) printed
    setup: str  # what produced it, so a reader can tell how comparable ours is
    source: str  # where it was published


@dataclass(frozen=True)
class NotebookReference:
    title: str  # the notebook's topic, as the README and RESULTS.md name it
    headline: str  # the metric that says whether the notebook worked
    floors: dict[str, float]  # per preset: the headline must reach this (the tests check smoke)
    published: dict[str, Published] = field(default_factory=dict)  # metric name -> lesson's number
    higher_is_better: bool = True  # direction of the headline metric


COURSE_V3 = "fastai course-v3 lesson 7 notebook"

RESNET_MNIST = {  # course-v3's MNIST notebook, on the full 60,000 training digits
    "plain_params": Published(
        12126, "5 x (conv k3 s2 + BN + ReLU), channels 1-8-16-32-16-10", COURSE_V3),
    "plain_accuracy": Published(
        0.9886, "plain CNN, fit_one_cycle(3, 0.1), 60,000 training digits", COURSE_V3),
    "convlayer_accuracy": Published(
        0.9916, "same CNN built from conv_layer, fit_one_cycle(10, 0.1)", COURSE_V3),
    "resnet_params": Published(
        41132, "4 x (stride-2 conv + res_block), then conv to 10 channels", COURSE_V3),
    "resnet_accuracy": Published(
        0.9952, "ResNet-ish, fit_one_cycle(12, 0.05), bs 128, rand_pad(3)", COURSE_V3),
}

NOTEBOOKS: dict[str, NotebookReference] = {
    "01_resnet_mnist": NotebookReference(
        title="ResNet from scratch on MNIST",
        headline="resnet_accuracy",
        # smoke trains briefly on 2,000 digits: well above chance (0.1) is all we ask;
        # cpu must reach 98.5% on the 1,000 held-out digits; full should be near the lesson's.
        floors={"smoke": 0.6, "cpu": 0.985, "full": 0.99},
        published=RESNET_MNIST,
    ),
    "01b_resnet_degradation": NotebookReference(
        title="Why skip connections work: degradation and loss landscapes",
        headline="plain_depth_gap",
        # final training loss of the deep plain net minus the shallow plain one's: positive means
        # the deeper plain net trains worse (degradation). smoke (tiny nets, two epochs) only needs
        # the sign; cpu must show a clear gap (the shallow nets end near 0.01).
        floors={"smoke": 0.05, "cpu": 0.03, "full": 0.0},
        # The lesson publishes no number for this; He et al. 2015 (Figure 1) show it on CIFAR-10.
        published={},
    ),
    "02_densenet": NotebookReference(
        title="DenseNet: concatenating instead of adding, and what it costs",
        headline="densenet_accuracy",
        # smoke trains two epochs on 1,000 digits (about 0.93 seen): well above chance (0.1);
        # cpu trains 6 epochs on 4,000 digits without augmentation (the ResNet-ish model reaches
        # about 97.5% like that); full trains the lesson's 12 epochs on 60,000.
        floors={"smoke": 0.7, "cpu": 0.97, "full": 0.99},
        # the lesson publishes no DenseNet number: ours are shown beside its ResNet-ish ones
        published={k: v for k, v in RESNET_MNIST.items() if k.startswith("resnet_")},
    ),
    "06_superres_feature_loss": NotebookReference(
        title="Super-resolution with a feature (perceptual) loss",
        headline="mse_psnr_gain",
        # held-out PSNR of the MSE-trained generator minus bicubic's (dB), on crappified crops of
        # photos never seen in training. The generator starts as the identity (gain 0); noise
        # scores about -12 dB. smoke (one short epoch) must not be broken; cpu must beat bicubic;
        # full (the lesson's pretrained U-Net on pets) should beat it clearly.
        floors={"smoke": -1.0, "cpu": 0.0, "full": 0.5},
        published={
            "feature_valid_loss": Published(
                2.0645, "U-Net resnet34 (blur, weight norm, self-attention), feature loss with "
                "ImageNet VGG16-bn, layers 22/32/42, weights 5/15/2, Gram 5e3*w^2, pets 128 then "
                "256 px (the v2 port reports 1.937)", COURSE_V3),
        },
    ),
}


def for_notebook(name: str) -> NotebookReference | None:
    """The reference entry of a notebook (None for a notebook that has none, such as a test's)."""
    return NOTEBOOKS.get(name)
