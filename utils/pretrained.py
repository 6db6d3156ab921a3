"""Whether torchvision's ImageNet weights are at hand: in torch's cache, or downloaded if asked."""

from __future__ import annotations

import socket
from contextlib import contextmanager
from pathlib import Path

import torch

DOWNLOAD_TIMEOUT_S = 60.0  # a weights download that receives nothing for this long fails


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
        with socket_timeout(DOWNLOAD_TIMEOUT_S):
            weights.get_state_dict(progress=False)
        return True
    except Exception as err:  # no internet, a proxy, a server that never answers, a bad file
        if verbose:
            why = (f"no answer for {DOWNLOAD_TIMEOUT_S:g} s" if isinstance(err, TimeoutError)
                   or isinstance(getattr(err, "reason", None), TimeoutError)
                   else type(err).__name__)
            print(f"could not download {weights} ({why}): using random weights")
        return False


@contextmanager
def socket_timeout(seconds: float):
    """torch.hub downloads with urllib and no timeout of its own: a server that accepts and never
    answers would hang the notebook. For the download, sockets give up after `seconds` idle."""
    before = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(before)
