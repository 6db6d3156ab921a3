"""Notebooks 07 and 07b: the regularised recurrent model (importable, so an exported learner loads
anywhere), and the human-numbers data and error analysis that 07b reuses from 07."""

from __future__ import annotations

import torch
from fastai.text.all import DataLoaders, L, default_device, tensor

from .number_roles import cold_start, valid_predictions
from .regularised_lstm import RegularisedLSTM  # noqa: F401 (written from notebook 07's #@save cells)


def stream(lines, sep):
    """The words of `lines` joined by the separator `sep`, as one list."""
    return f" {sep} ".join(line.strip() for line in lines).split(" ")


def sequences(ids, sl, every_word):
    """Non-overlapping windows of `sl` ids, each with the next id (or the next `sl` ids) as
    target."""
    return L((tensor(ids[i: i + sl]), tensor(ids[i + 1: i + sl + 1]) if every_word else ids[i + sl])
             for i in range(0, len(ids) - sl - 1, sl))


def arrange(seqs, bs):
    """Reorder `seqs` so that row i of batch j+1 follows row i of batch j in the stream."""
    per_row = len(seqs) // bs
    return L(seqs[row * per_row + j] for j in range(per_row) for row in range(bs))


def book_dls(ids, sl, bs=64, every_word=False, keep_order=True, tuning=False, num_workers=0):
    """fastbook's data: sequences of the stream `ids`, the first 80% to train, the rest to
    validate; `tuning`: the last 20% of the training part stands in for the validation split.
    The batches go to fastai's default device (the GPU when there is one); `num_workers` is the
    notebook's setting (word ids in memory: none)."""
    seqs = sequences(ids, sl, every_word)
    cut = int(len(seqs) * 0.8)
    train, valid = seqs[:cut], seqs[cut:]
    if tuning:
        cut = int(len(train) * 0.8)
        train, valid = train[:cut], train[cut:]
    train, valid = (arrange(train, bs), arrange(valid, bs)) if keep_order else (train, valid)
    return DataLoaders.from_dsets(train, valid, bs=bs, shuffle=False, drop_last=keep_order,
                                  num_workers=num_workers, device=default_device(),
                                  pin_memory=torch.cuda.is_available())


# --- notebook 07b's error analysis: accuracy by the role of a word in its number ----------------

ROLES = {0: "'.'", 1: "first word: eight", 2: "first word: nine", 3: "first word: other",
         4: "middle words", 5: "last word", 6: "cold start"}


def roles(ids, word2idx):
    """The role of each word of the stream `ids` in its number, as a key of ROLES (cold starts,
    which depend on how the stream is cut into rows, are marked by `accuracy_by_role`)."""
    dot, first = word2idx["."], {word2idx["eight"]: 1, word2idx["nine"]: 2}
    out = []
    for i, w in enumerate(ids):
        before = ids[i - 1] if i else dot
        after = ids[i + 1] if i + 1 < len(ids) else dot
        if w == dot:
            out.append(0)
        elif before == dot:
            out.append(first.get(w, 3))
        else:
            out.append(5 if after == dot else 4)
    return out


def accuracy_by_role(model, ids, valid_dl, word2idx, sl=16, bs=64):
    """Accuracy and count of the validation words of `book_dls(ids, sl, bs, every_word=True)`
    (`valid_dl`), by their role in the number: {role name: (accuracy, words)}."""
    seqs = sequences(roles(ids, word2idx), sl, every_word=True)
    role = torch.stack([s[1] for s in arrange(seqs[int(len(seqs) * 0.8):], bs)])
    preds, targs = valid_predictions(model, valid_dl)
    role[cold_start(targs, bs, word2idx["."])] = 6  # before the row's second '.'
    correct = (preds == targs).float()
    return {name: (correct[role == k].mean().item(), int((role == k).sum()))
            for k, name in ROLES.items() if (role == k).any()}
