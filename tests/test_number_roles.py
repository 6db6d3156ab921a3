"""utils.number_roles: predictions in order from a reset state, and the cold start of each row."""

import pytest
import torch

from utils.number_roles import cold_start, valid_predictions

DOT = 0


def test_cold_start_ends_at_each_rows_second_dot():
    # two rows (bs=2), two batches of 3 targets each; row 0: 5 0 5 | 0 5 5, row 1: 0 0 5 | 5 5 5
    batches = [torch.tensor([[5, 0, 5], [0, 0, 5]]), torch.tensor([[0, 5, 5], [5, 5, 5]])]
    cold = cold_start(torch.cat(batches), bs=2, dot=DOT)
    assert cold.tolist() == [[True, True, True], [True, True, False],   # batch 0: rows 0 and 1
                             [True, False, False], [False, False, False]]  # batch 1


def test_cold_start_names_a_bad_shape():
    with pytest.raises(ValueError, match=r"bs=2, got shape \(3, 4\)"):
        cold_start(torch.zeros(3, 4, dtype=torch.long), bs=2, dot=DOT)


class Echo(torch.nn.Module):
    "Predicts each input id (as one-hot logits); counts its resets."

    def __init__(self):
        super().__init__()
        self.resets = 0

    def reset(self):
        self.resets += 1

    def forward(self, x):
        return torch.nn.functional.one_hot(x, 7).float(), None


def test_valid_predictions_in_order_from_a_reset_state():
    dl = [(torch.tensor([[1, 2]]), torch.tensor([[1, 3]])),
          (torch.tensor([[4, 5]]), torch.tensor([[4, 5]]))]
    model = Echo()
    preds, targs = valid_predictions(model, dl)
    assert preds.tolist() == [[1, 2], [4, 5]] and targs.tolist() == [[1, 3], [4, 5]]
    assert model.resets == 1 and not model.training
