"""utils.rnn: the exported model class behaves as notebook 07's (tied weights, state, reset)."""

import torch

from utils import rnn


def test_tied_weights_state_and_reset():
    torch.manual_seed(0)
    model = rnn.RegularisedLSTM(5, 4, 1, 0.1, cell=torch.nn.GRU).eval()
    assert model.h_o.weight is model.i_h.weight
    x = torch.tensor([[1, 2, 3]])
    first, raw, dropped = model(x)
    assert first.shape == (1, 3, 5) and torch.equal(raw, dropped)  # no dropout in eval mode
    second = model(x)[0]
    assert not torch.allclose(first, second), "the state carries over between calls"
    model.reset()
    assert torch.allclose(model(x)[0], first), "reset() starts from an empty state again"
