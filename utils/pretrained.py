"""Whether torchvision's ImageNet weights are at hand: in torch's cache, or downloaded if asked."""

from __future__ import annotations

from pathlib import Path

import torch


def cached_weights_path(weights) -> Path:
    """Where torchvision keeps `weights` (a `*_Weights` enum member) once downloaded."""
    return Path(torch.hub.get_dir()) / "checkpoints" / Path(weights.url).name


def pretrained_available(weights, try_download: bool = False, verbose: bool = True) -> bool:
    """True when `weights` are in torch's cache, or, with `try_download`, once downloaded.

    Offline (or on a failed download) it returns False and, when `verbose`, says why, so the
    caller can fall back to a random initialisation and print that it did.
    """
    if cached_weights_path(weights).exists():
        return True
    if not try_download:
        return False
    try:
        weights.get_state_dict(progress=False)
        return True
    except Exception as err:  # no internet, a proxy, a damaged download
        if verbose:
            print(f"could not download {weights} ({type(err).__name__}): using random weights")
        return False
