"""Generated from notebooks/07_rnn_human_numbers.ipynb by `python -m tools.save_cells`:
edit the notebook, not this file.
"""

from fastai.text.all import Module, to_detach
from torch import nn


class RegularisedLSTM(Module):
    "Stacked LSTM (or another `cell`), dropout, tied weights; returns (preds, raw, dropped-out)."
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
