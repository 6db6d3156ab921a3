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
FASTBOOK_12 = "fastbook chapter 12 (n_hidden 64, bs 64)"
COURSE_V3_RNN = "course-v3 lesson7-human-numbers, lecture run (bs 64, nh 64)"
BOOK_SPLIT = "all 9,998 lines joined with ' . ', sequences split 80/20 in order"
V3_SPLIT = "train.txt / valid.txt joined with ','"

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
    "03_unet_camvid": NotebookReference(
        title="U-Net on CamVid",
        headline="fastai_accuracy",
        # Void-masked pixel accuracy on the validation images. smoke trains seconds on 48 scenes
        # at 30x40: it must beat predicting the most common class (about 0.34); cpu must reach
        # the 0.90 its issue asks for on the offline scenes; full should come near the lesson's.
        floors={"smoke": 0.45, "cpu": 0.90, "full": 0.92},
        published={
            "fastai_half_size_accuracy": Published(
                0.9270, "unet_learner(resnet34) pretrained, 360x480, bs 8, frozen then unfrozen",
                COURSE_V3),
            "fastai_accuracy": Published(
                0.9333, "then 720x960, bs 3, frozen then unfrozen (fastai v2 port: 0.9361)",
                COURSE_V3),
        },
    ),
    "04_wgan_bedroom": NotebookReference(
        title="Wasserstein GAN on bedrooms",
        headline="swd_gap_closed",
        # The share of the sliced Wasserstein distance between the untrained generator's patches and
        # real ones that training closes (0: no better than untrained, 1: as close as other real
        # images). smoke trains for a few steps: any clear fall counts; cpu must close most of it.
        floors={"smoke": 0.02, "cpu": 0.5, "full": 0.8},
        published={
            "train_minutes": Published(
                114, "not comparable: a 2019 GPU on all 303,125 photos of fastai's LSUN "
                "bedrooms sample at 64 px, bs 128, lr 2e-4, 30 epochs; ours is a CPU on drawn "
                "scenes at 32 px (the lesson shows images, no metric)", COURSE_V3),
        },
    ),
    "05_superres_gan": NotebookReference(
        title="Super-resolution with a GAN",
        headline="mse_psnr_gain",
        # held-out PSNR of the MSE-pretrained generator minus bicubic's (dB), on crappified crops
        # of photos never seen in training. The residual generator starts as the identity (gain
        # 0). smoke (one short epoch) must not be broken; cpu must beat bicubic; full (the
        # lesson's pretrained U-Net on pets) should beat it clearly.
        floors={"smoke": -1.0, "cpu": 0.0, "full": 0.5},
        published={
            "gen_valid_mse": Published(
                0.0431, "U-Net resnet34 generator (blur, weight norm, self-attention, y_range), "
                "MSE on normalised pets at 128 px, 2 epochs frozen + 3 unfrozen", COURSE_V3),
            "critic_accuracy": Published(
                0.976, "gan_critic on generated vs real pets, AdaptiveLoss(BCEWithLogitsLoss), "
                "fit_one_cycle(6, 1e-3)", COURSE_V3),
        },
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
    "07_rnn_human_numbers": NotebookReference(
        title="RNNs from scratch on human numbers",
        headline="ours_accuracy",
        # smoke: 6 epochs on an eighth of the stream (0.61 seen), whose short validation rows are
        # mostly cold starts: well above the 0.16 of always predicting the most common word;
        # cpu and full: the same full data and schedule, at least 0.95 (the target)
        floors={"smoke": 0.4, "cpu": 0.95, "full": 0.95},
        published={
            "baseline_accuracy": Published(
                0.1517, f"always predict 'thousand'; {BOOK_SPLIT}", FASTBOOK_12),
            "three_words_unrolled_accuracy": Published(
                0.4944, f"LMModel1: 3 words in, next out; fit_one_cycle(4, 1e-3); {BOOK_SPLIT}",
                FASTBOOK_12),
            "three_words_loop_accuracy": Published(
                0.4704, "LMModel2: the same as a loop; fit_one_cycle(4, 1e-3)", FASTBOOK_12),
            "v3_unrolled_bn_accuracy": Published(
                0.462, f"Model0: 3 unrolled steps + BN, bptt 3, fit_one_cycle(6, 1e-4); {V3_SPLIT} "
                "(v1 repo 0.409, v2 port 0.464)", COURSE_V3_RNN),
            "v3_loop_bn_accuracy": Published(
                0.461, "Model1: the same as a loop (v1 repo 0.393, v2 port 0.468)", COURSE_V3_RNN),
            "keeps_state_accuracy": Published(
                0.5889, "LMModel3: keeps its state, detached (BPTT); fit_one_cycle(10, 3e-3)",
                FASTBOOK_12),
            "every_word_accuracy": Published(
                0.6401, "LMModel4: predicts every word, sl 16; fit_one_cycle(15, 3e-3)",
                FASTBOOK_12),
            "v3_every_word_accuracy": Published(
                0.408, "Model2: predicts every token, bptt 20, fit_one_cycle(10, 1e-4) "
                "(v1 repo 0.350, v2 port 0.376)", COURSE_V3_RNN),
            "v3_keeps_state_accuracy": Published(
                0.542, "Model3: keeps state, bptt 20, fit_one_cycle(20, 3e-3) "
                "(v1 repo 0.443, v2 port 0.622)", COURSE_V3_RNN),
            "rnn_2_layers_accuracy": Published(
                0.4879, "LMModel5: 2-layer nn.RNN, sl 16; fit_one_cycle(15, 3e-3)", FASTBOOK_12),
            "v3_rnn_accuracy": Published(
                0.577, "Model4: nn.RNN + BatchNorm1dFlat, bptt 20, fit_one_cycle(20, 3e-3) "
                "(v1 repo 0.615, v2 port 0.612)", COURSE_V3_RNN),
            "lstm_2_layers_accuracy": Published(
                0.7585, "LMModel6: 2-layer LSTM, sl 16; fit_one_cycle(15, 1e-2)", FASTBOOK_12),
            "v3_gru_2_layers_accuracy": Published(
                0.755, "Model5: 2-layer GRU, bptt 20, fit_one_cycle(10, 1e-2) "
                "(v1 repo 0.807, v2 port 0.844)", COURSE_V3_RNN),
            "lstm_regularised_accuracy": Published(
                0.8694, "LMModel7: LSTM + dropout 0.5 + weight tying + AR 2 / TAR 1; "
                "fit_one_cycle(15, 1e-2, wd=0.1)", FASTBOOK_12),
        },
    ),
}


def for_notebook(name: str) -> NotebookReference | None:
    """The reference entry of a notebook (None for a notebook that has none, such as a test's)."""
    return NOTEBOOKS.get(name)
