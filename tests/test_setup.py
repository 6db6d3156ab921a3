"""utils.setup: one call resolves the preset, seeds, switches the dry run and quiets the filtered
warnings; bad values stop it before it prints anything."""

from utils.setup import setup

import warnings

import pytest
import torch

from utils import dry_run, warnings_filters


@pytest.fixture(autouse=True)
def no_env(monkeypatch):
    monkeypatch.delenv("LESSON7_DRY_RUN", raising=False)
    monkeypatch.delenv("LESSON7_PRESET", raising=False)
    yield
    dry_run.start_dry_run(False)


def test_returns_preset_and_dry_run_and_prints_the_banner(capsys):
    assert setup("SMOKE", "00_example") == ("smoke", False)
    assert "== 00_example ==" in capsys.readouterr().out
    assert setup("cpu", "00_example", dry_run=True) == ("cpu", True) and dry_run.is_active()
    assert setup("cpu", "00_example") == ("cpu", False) and not dry_run.is_active()


def test_seeds_torch():
    setup("smoke", "00_example", seed=3)
    first = torch.rand(3)
    setup("smoke", "00_example", seed=3)
    assert torch.equal(first, torch.rand(3))
    setup("smoke", "00_example", seed=4)
    assert not torch.equal(first, torch.rand(3))


@pytest.mark.parametrize("kwargs, named", [
    ({"preset": "gpu"}, "'gpu'"), ({"seed": -1}, "-1"), ({"seed": 1.5}, "1.5"),
    ({"dry_run": "yes"}, "'yes'"),
])
def test_bad_values_stop_before_anything_is_printed(kwargs, named, capsys):
    with pytest.raises(ValueError, match=named):
        setup(**{"preset": "smoke", "notebook": "00_example", **kwargs})
    assert capsys.readouterr().out == ""


def test_filters_silence_only_their_warnings():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings_filters.apply()
        warnings.warn("`torch.jit.script` is deprecated. Use", FutureWarning, stacklevel=1)
        warnings.warn("You are shadowing an attribute (generator)", UserWarning, stacklevel=1)
        warnings.warn("something else is deprecated", FutureWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["something else is deprecated"]
    assert all(why for _, _, why in warnings_filters.FILTERS)
