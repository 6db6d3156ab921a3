"""The warnings the notebooks silence, each with why: all of them come from inside the libraries."""

from __future__ import annotations

import warnings

# (message regex, category, why): each is raised by library code, not by the lesson's.
FILTERS = [
    (r".*torch\.jit\.script.* is deprecated", FutureWarning,
     "torch deprecates torch.jit.script, and fastai 2.8 still calls it while it is imported"),
    ("You are shadowing an attribute", UserWarning,
     "fastai 2.8's GANTrainer sets attributes the Learner also has, and warns every epoch"),
    (r".*weight_norm` is deprecated", FutureWarning,
     "fastai's NormType.Weight (05's and 06's U-Net and critic) uses torch's older weight_norm"),
]


def apply() -> None:
    """Ignore each warning of FILTERS, from now on, in this process."""
    for message, category, _why in FILTERS:
        warnings.filterwarnings("ignore", message=message, category=category)
