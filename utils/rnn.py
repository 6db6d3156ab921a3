"""Notebook 07's regularised recurrent model, importable so its exported learner loads anywhere,
and `map_on_cores`, which trains several of these small models at once, one per CPU core."""

from __future__ import annotations

import multiprocessing
import os

import torch
from fastai.text.all import Module, to_detach
from torch import nn


class RegularisedLSTM(Module):
    """Stacked LSTM (or another `cell`) with dropout and tied weights.

    Returns (predictions, raw, dropped-out), the same layers as notebook 07's class of this name.
    """

    def __init__(self, vocab_sz, n_hidden, n_layers, p, cell=nn.LSTM):
        self.i_h = nn.Embedding(vocab_sz, n_hidden)
        self.rnn = cell(n_hidden, n_hidden, n_layers, batch_first=True)
        self.drop = nn.Dropout(p)
        self.h_o = nn.Linear(n_hidden, vocab_sz)
        self.h_o.weight = self.i_h.weight  # weight tying
        self.h = None

    def forward(self, x):
        raw, h = self.rnn(self.i_h(x), self.h)
        out = self.drop(raw)
        self.h = to_detach(h, cpu=False)
        return self.h_o(out), raw, out

    def reset(self):
        self.h = None


def parallel_workers(n_jobs: int) -> int:
    """How many processes `map_on_cores` uses for `n_jobs` jobs: one per CPU core, and 1 (a plain
    loop in this process) on a GPU or where processes cannot be forked (Windows)."""
    if torch.cuda.is_available() or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(n_jobs, os.cpu_count() or 1))


def map_on_cores(fn, jobs) -> list:
    """`[fn(job) for job in jobs]`, with the jobs spread over one forked process per CPU core.

    A recurrent net with 64 hidden units multiplies matrices too small to split between threads,
    so two of them trained side by side, one thread each, take about the time of one. Each worker
    uses one torch thread. The workers are forked, so `fn` may be a function defined in the
    notebook; its results come back pickled (numbers, and tensors such as a `state_dict()`).
    Give the longest jobs first: they are handed out in order. On a GPU, or where `fork` is
    missing, it is a plain loop in this process.
    """
    jobs = list(jobs)
    workers = parallel_workers(len(jobs))
    if workers < 2:
        return [fn(job) for job in jobs]
    with multiprocessing.get_context("fork").Pool(workers, initializer=torch.set_num_threads,
                                                   initargs=(1,)) as pool:
        return pool.map(fn, jobs, chunksize=1)
