"""Notebook 07's error analysis: a model's predictions over a stateful validation set, in order,
and which targets a row predicts before it has read one whole number (its cold start)."""

from __future__ import annotations

import torch


def valid_predictions(model, dl) -> tuple[torch.Tensor, torch.Tensor]:
    """Predictions (argmax) and targets over `dl`, batch after batch, from a reset state.

    `model` returns logits, or a tuple whose first item is the logits (fastai's RNN models), and
    has a `reset()` for its hidden state. Both results are on the CPU, batches concatenated."""
    model.eval().reset()
    preds, targs = [], []
    with torch.no_grad():
        for x, y in dl:
            out = model(x)
            preds.append((out[0] if isinstance(out, tuple) else out).argmax(-1))
            targs.append(y)
    return torch.cat(preds).cpu(), torch.cat(targs).cpu()


def cold_start(targets: torch.Tensor, bs: int, dot: int) -> torch.Tensor:
    """True for each target that its row predicts before the row's second `dot` (end of number).

    `targets` are a stateful validation set's targets, batches of `bs` rows concatenated (row i of
    every batch continues row i of the one before), shape (n_batches * bs, seq_len); the result has
    the same shape. Up to its second `dot`, a row has not yet read one whole number."""
    if targets.ndim != 2 or len(targets) % bs:
        raise ValueError(f"targets must be (n_batches * bs, seq_len) with bs={bs}, got shape "
                         f"{tuple(targets.shape)}; concatenate whole batches (drop_last=True).")
    n = len(targets) // bs
    rows = targets.view(n, bs, -1).transpose(0, 1).reshape(bs, -1)  # each row in stream order
    is_dot = (rows == dot).int()
    cold = (is_dot.cumsum(1) - is_dot) < 2  # up to and including the row's second dot
    return cold.view(bs, n, -1).transpose(0, 1).reshape(n * bs, -1)
