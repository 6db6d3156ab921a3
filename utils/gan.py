"""Watching a generative model train in a notebook: an image grid from fixed inputs every few
epochs, a sample-quality curve that is not the loss, a guard that stops on a NaN loss, no
validation phase when there is nothing to validate on, and a GAN's generator validated in eval
mode.

The callbacks work with any fastai `Learner`: for a `GANLearner` they use its generator
(`learn.model.generator`), for any other learner its whole model, so the same code watches a WGAN
(fixed noise in, images out) and a super-resolution generator (fixed low-res images in).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import matplotlib.pyplot as plt
import torch
from fastai.callback.core import Callback, CancelFitException, CancelValidException
from fastai.torch_core import TensorImage
from fastai.vision.gan import GANTrainer

from .plots import keep_figure
from .swd import swd


def generator_of(learn) -> torch.nn.Module:
    """The model that makes images: a GAN's generator, else the learner's model."""
    return getattr(learn.model, "generator", learn.model)


@torch.no_grad()
def generate(model: torch.nn.Module, inputs: torch.Tensor, bs: int = 64,
             batch_stats: bool = True) -> torch.Tensor:
    """Run `model` on `inputs` in batches of `bs`, without gradients and without side effects.

    `batch_stats=True` runs batchnorm on batch statistics, as a GAN generator runs while it trains,
    and puts its running statistics back afterwards; False runs the model in eval mode.
    """
    was_training = model.training
    buffers = {k: v.clone() for k, v in model.named_buffers()}
    model.train(batch_stats)
    device = next(model.parameters()).device
    try:
        out = torch.cat([model(inputs[i:i + bs].to(device)).float().cpu()
                         for i in range(0, len(inputs), bs)])
    finally:
        model.train(was_training)
        for k, v in model.named_buffers():
            v.copy_(buffers[k])
    return out.as_subclass(torch.Tensor)


def decoder_for(dls) -> Callable[[torch.Tensor], torch.Tensor]:
    """A function turning model outputs into displayable images in [0, 1], by undoing the
    DataLoaders' own batch transforms (Normalize, IntToFloatTensor): no hand-typed statistics."""

    def decode(images: torch.Tensor) -> torch.Tensor:
        device = getattr(dls, "device", None) or torch.device("cpu")
        decoded = dls.after_batch.decode(TensorImage(images.to(device)))
        scale = 1 if torch.is_floating_point(decoded) else 255  # IntToFloatTensor gives bytes
        return (decoded.as_subclass(torch.Tensor).float().cpu() / scale).clamp(0, 1)

    return decode


def image_grid(images: torch.Tensor, ncols: int = 8, title: str | None = None,
               scale: float = 1.0) -> plt.Figure:
    """A figure of images (N, C, H, W) in [0, 1], `ncols` a row, drawn as one mosaic."""
    n, c, h, w = images.shape
    nrows, pad = math.ceil(n / ncols), max(1, h // 16)
    mosaic = torch.ones(c, nrows * (h + pad) - pad, ncols * (w + pad) - pad)
    for i, image in enumerate(images):
        r, k = divmod(i, ncols)
        mosaic[:, r * (h + pad):r * (h + pad) + h, k * (w + pad):k * (w + pad) + w] = image
    fig, ax = plt.subplots(figsize=(ncols * scale, nrows * scale + (0.4 if title else 0)))
    ax.imshow(mosaic.permute(1, 2, 0).squeeze().numpy(), cmap="gray", vmin=0, vmax=1,
              interpolation="nearest")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout(pad=0.2)
    return fig


def _show(fig) -> None:
    """Display a figure in the notebook being run (nothing outside IPython), then close it."""
    try:
        from IPython import get_ipython
        from IPython.display import display

        if get_ipython() is not None:
            display(fig)
    finally:
        plt.close(fig)


class ImageGrid(Callback):
    """Every `every` epochs (and after the last that ran), show what the model makes from the fixed
    `inputs` in the notebook and keep the grid in the run folder as `<notebook>-<name>-epochNNN`.

    `inputs`: a batch the model takes (noise for a GAN, low-res images for super-resolution);
    `decode`: model output -> images in [0, 1] (default: undo the learner's batch transforms).
    `history` holds (epoch, images) for every grid, across successive `fit` calls.
    """

    order = 65  # after the GAN trainer and the recorder
    resume_attrs = ("history", "epochs_done")  # what a fit restored from a checkpoint brings back

    def __init__(self, inputs: torch.Tensor, every: int = 1, notebook: str = "notebook",
                 name: str = "grid", ncols: int = 8, decode: Callable | None = None,
                 batch_stats: bool = True, show: bool = True):
        self.inputs, self.every, self.notebook, self.prefix = inputs, every, notebook, name
        self.ncols, self.decode, self.batch_stats, self.show = ncols, decode, batch_stats, show
        self.history: list[tuple[int, torch.Tensor]] = []
        self.epochs_done = 0

    def snapshot(self, learn=None) -> torch.Tensor:
        """Generate and decode the grid's images now."""
        learn = learn or self.learn
        out = generate(generator_of(learn), self.inputs, batch_stats=self.batch_stats)
        return (self.decode or decoder_for(learn.dls))(out)

    def after_epoch(self):
        self.epochs_done += 1
        if self.epochs_done % self.every == 0 or self.epoch + 1 == self.n_epoch:
            self._grid()

    def after_fit(self):  # a fit that stopped early (a NaN, a dry run) still shows where it got to
        if self.epochs_done and (not self.history or self.history[-1][0] != self.epochs_done):
            self._grid()

    def _grid(self):
        images = self.snapshot()
        self.history.append((self.epochs_done, images))
        fig = image_grid(images, self.ncols, f"after epoch {self.epochs_done}", scale=0.9)
        keep_figure(self.notebook, f"{self.prefix}-epoch{self.epochs_done:03d}", fig)
        if self.show:
            _show(fig)
        else:
            plt.close(fig)

    def plot_history(self, n_images: int = 8, scale: float = 0.9,
                     title: str = "the same inputs, epoch after epoch") -> plt.Figure:
        """One row per grid: the first `n_images` of each, so the same input reads down a column."""
        rows = len(self.history)
        fig, axs = plt.subplots(rows, n_images, figsize=(n_images * scale + 0.5,
                                                          rows * scale + 0.7),
                                squeeze=False, layout="constrained")
        fig.get_layout_engine().set(w_pad=0.01, h_pad=0.01, wspace=0.01, hspace=0.01)
        for r, (epoch, images) in enumerate(self.history):
            for c in range(n_images):
                ax = axs[r, c]
                ax.imshow(images[c].permute(1, 2, 0).squeeze().numpy(), cmap="gray", vmin=0,
                          vmax=1, interpolation="nearest")  # the real pixels (and a smaller PNG)
                ax.set_xticks([]), ax.set_yticks([])
                if c == 0:
                    ax.set_ylabel(f"epoch {epoch}", fontsize=8)
        fig.suptitle(title, fontsize=10)
        fig.supxlabel("each column: one fixed input", fontsize=9)
        return fig


def pixel_scores(real: torch.Tensor, fake: torch.Tensor,
                 decode: Callable[[torch.Tensor], torch.Tensor]) -> tuple[float, float]:
    """(MSE, PSNR) of `fake` against `real`, paired image by image (both on the model's scale).

    MSE is the mean squared difference on that scale (for a generator trained with MSE on
    normalised images, its own loss on these images); PSNR, in dB, is the mean over images of
    10 log10(255^2 / MSE) on the images decoded to [0, 1] and rounded to 8 bits, as an image saved
    as a PNG and scored by scikit-image's `peak_signal_noise_ratio(data_range=255)` would be."""
    real, fake = real.detach().float().cpu(), fake.detach().float().cpu()  # any device
    mse = float(((fake - real) ** 2).mean())
    to_bytes = [(decode(t).clamp(0, 1) * 255).round().double() for t in (real, fake)]
    per_image = ((to_bytes[1] - to_bytes[0]) ** 2).flatten(1).mean(1).clamp_min(1e-10)
    return mse, float((10 * torch.log10(255.0 ** 2 / per_image)).mean())


class SampleQuality(Callback):
    """Every `every` epochs (and before training and after the last epoch), the sliced Wasserstein
    distance between the patches of `real` images and as many generated from fixed `inputs`.

    `real` must be on the same scale as the model's outputs (e.g. normalised like the batches).
    `values` holds (epoch, distance) across successive `fit` calls; epoch 0 is the untrained model.
    With `decode` (model outputs -> images in [0, 1], e.g. `utils.superres.denormalize`; fastai's
    own decode, `decoder_for`, truncates to bytes where a saved image is rounded), where `real` are
    the originals of the `inputs` (super-resolution), `pixels` also maps each measured epoch to
    (MSE, PSNR) of the same generated images against them (`pixel_scores`); from the same images,
    so it costs no extra generation.
    """

    order = 66
    resume_attrs = ("values", "epochs_done", "pixels")  # what a fit restored from a checkpoint has

    def __init__(self, real: torch.Tensor, inputs: torch.Tensor, every: int = 1,
                 batch_stats: bool = True, decode: Callable | None = None, **swd_kwargs):
        if len(real) != len(inputs):
            raise ValueError(f"Give as many real images ({len(real)}) as inputs ({len(inputs)}).")
        self.real, self.inputs, self.every, self.batch_stats = real, inputs, every, batch_stats
        self.decode, self.swd_kwargs = decode, swd_kwargs
        self.values: list[tuple[int, float]] = []
        self.pixels: dict[int, tuple[float, float]] = {}  # epochs done -> (MSE, PSNR), if `decode`
        self.epochs_done = 0

    def measure(self, learn=None) -> float:
        """The distance for the model as it is now (and, with `decode`, its pixel scores)."""
        learn = learn or self.learn
        fake = generate(generator_of(learn), self.inputs, batch_stats=self.batch_stats)
        if self.decode is not None:
            self.pixels[self.epochs_done] = pixel_scores(self.real, fake, self.decode)
        return swd(self.real, fake, **self.swd_kwargs)

    def before_fit(self):
        if not self.values:
            self.values.append((0, self.measure()))

    def after_epoch(self):
        self.epochs_done += 1
        if self.epochs_done % self.every == 0 or self.epoch + 1 == self.n_epoch:
            self.values.append((self.epochs_done, self.measure()))

    def after_fit(self):  # a fit that stopped early (a NaN, a dry run) is measured where it got to
        if self.epochs_done and self.values[-1][0] != self.epochs_done:
            self.values.append((self.epochs_done, self.measure()))


class SkipEmptyValidation(Callback):
    """Skip the validation phase when the validation set is empty (a GAN's `IndexSplitter([])`),
    so the model stays in training mode and no empty progress bar warns "Your generator is empty";
    the metrics (a GAN's gen_loss and crit_loss) are then reported on the training batches."""

    order = -20  # before TrainEvalCallback puts the model in eval mode, and before the Recorder
    resume_attrs = ()  # records nothing (utils.checkpoints)

    def before_fit(self):
        if len(self.dls.valid) == 0 and hasattr(self.learn, "recorder"):
            self.learn.recorder.train_metrics, self.learn.recorder.valid_metrics = True, False

    def before_validate(self):
        if len(self.dl) == 0:
            raise CancelValidException


class GeneratorEvalInValidation(Callback):
    """Validate a `GANLearner`'s generator in eval mode, as a plain `Learner` validates a model.

    With `switch_eval=True` (the default of `GANLearner.from_learners`), fastai's `GANTrainer`
    switches to the generator before validating and puts it back in training mode, so its
    batchnorm layers normalise each held-out batch by that batch's statistics and fold them into
    their running statistics: every score measured afterwards would rest partly on statistics of
    the held-out images. This runs after `GANTrainer` and puts the generator back in eval mode."""

    order = GANTrainer.order + 1  # after GANTrainer, which sets the modes in before_validate
    resume_attrs = ()  # records nothing (utils.checkpoints)

    def before_validate(self):
        generator_of(self.learn).eval()


class NaNGuard(Callback):
    """Stop training at the first loss that is not finite, with a message saying where, and put
    back recent weights that are all finite.

    The weights are copied after every step into one of two buffers, taking turns (a copy into
    memory already allocated costs little next to a step); a bad loss restores the newer of the
    two copies whose values are all finite, else the weights at the start of the fit. Only the
    weights are restored: the optimiser keeps its state."""

    order = -10  # before the other callbacks see the bad batch
    resume_attrs = ()  # records nothing (utils.checkpoints)

    def __init__(self):
        self.stopped_at: tuple[int, int] | None = None
        self.good_state: dict | None = None  # the weights at the start of the fit
        self.snapshots: list[dict] = []  # the weights after the last two steps, oldest first

    def _copy(self, into: dict | None = None) -> dict:
        state = self.learn.model.state_dict()
        if into is None:
            return {k: v.detach().clone() for k, v in state.items()}
        for k, v in state.items():
            into[k].copy_(v)
        return into

    def before_fit(self):
        self.stopped_at, self.snapshots = None, []
        self.good_state = self._copy()

    def _last_finite(self) -> dict:
        for state in reversed(self.snapshots):
            if all(torch.isfinite(v).all() for v in state.values() if v.is_floating_point()):
                return state
        return self.good_state

    def after_loss(self):
        if not self.training or torch.isfinite(self.learn.loss).all():
            return
        self.stopped_at = (self.epoch, self.iter)
        self.learn.model.load_state_dict(self._last_finite())
        print(f"NaNGuard: the loss became {self.learn.loss.item()} at epoch {self.epoch}, "
              f"batch {self.iter}; training stopped before that batch's update, and the model "
              f"holds the last weights that were all finite. Look for bad inputs (NaN or inf in "
              f"the data) or lower the learning rate.")
        raise CancelFitException

    def after_step(self):
        recycled = self.snapshots.pop(0) if len(self.snapshots) == 2 else None
        self.snapshots.append(self._copy(into=recycled))


def plot_losses_and_quality(gen_losses, crit_losses, n_epochs: int, critic_estimate,
                            quality: list[tuple], title: str = "GAN training") -> plt.Figure:
    """Left: the generator's and critic's (smoothed) losses by epoch; right: minus the critic's
    loss of each epoch (`critic_estimate`, from fastai's table) beside the sample-quality distance,
    on a twin axis: the two are scaled apart, so where their curves overlap means nothing."""
    import numpy as np

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    for losses, label in ((gen_losses, "generator loss"), (crit_losses, "critic loss")):
        losses = [float(v) for v in losses]
        left.plot(np.linspace(0, n_epochs, len(losses)), losses, label=label)
    left.set(title="the losses", xlabel="epoch", ylabel="loss (smoothed)")
    left.legend()
    right.plot(np.arange(1, len(critic_estimate) + 1), critic_estimate, "s-", color="C1", ms=4,
               label="minus the critic's loss")
    right.set(title="minus the critic's loss (per epoch) beside the distance",
              xlabel="epochs completed", ylabel="minus critic loss (table)")
    twin = right.twinx()
    epochs, values = zip(*quality)
    twin.plot(epochs, values, "o-", color="C2", label="patch distance")
    twin.set(ylabel="SWD of patches (lower is better)", ylim=(0, None))
    right.legend(handles=right.lines + twin.lines, fontsize=8, loc="upper right")
    fig.suptitle(title)
    fig.tight_layout()
    return fig
