"""Preset resolution, the settings table, and seeding."""

import pytest
import torch

from utils import env, presets


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv(env.PRESET, raising=False)


def test_explicit_presets_resolve_to_themselves(no_env):
    for name in presets.PRESETS:
        assert presets.resolve_preset(name) == name
    assert presets.resolve_preset(" CPU ") == "cpu"


@pytest.mark.parametrize("cuda, expected", [(True, "full"), (False, "cpu")])
def test_auto_follows_the_gpu_without_the_environment_variable(no_env, monkeypatch, cuda, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    assert presets.resolve_preset("auto") == expected
    assert presets.resolve_preset() == expected


def test_auto_follows_the_environment_variable(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setenv(env.PRESET, "smoke")
    assert presets.resolve_preset("auto") == "smoke"
    assert "from LESSON7_PRESET" in presets.explain_preset("auto")
    # an explicit parameter beats the environment
    assert presets.resolve_preset("cpu") == "cpu"


def test_unknown_preset_lists_the_valid_ones(no_env):
    with pytest.raises(ValueError) as err:
        presets.resolve_preset("fast")
    for name in ("'fast'", "smoke", "cpu", "full", "auto"):
        assert name in str(err.value)


def test_unknown_preset_in_the_environment_names_the_variable(monkeypatch):
    monkeypatch.setenv(env.PRESET, "gpu")
    with pytest.raises(ValueError, match="LESSON7_PRESET"):
        presets.resolve_preset("auto")


def test_pick_takes_one_column():
    settings = {"num_epochs": (1, 12, 30), "lr": (0.1, 0.05, 0.05)}
    assert presets.pick(settings, "cpu") == {"num_epochs": 12, "lr": 0.05}
    assert presets.pick(settings, "smoke") == {"num_epochs": 1, "lr": 0.1}


def test_pick_refuses_a_row_without_one_value_per_preset():
    with pytest.raises(ValueError, match="'lr'"):
        presets.pick({"lr": (0.1, 0.05)}, "cpu")
    with pytest.raises(ValueError, match="Unknown preset"):
        presets.pick({"lr": (0.1, 0.05, 0.05)}, "auto")


def test_set_seed_makes_torch_repeat_itself():
    presets.set_seed(3)
    a = torch.randn(5)
    presets.set_seed(3)
    assert torch.equal(a, torch.randn(5))


def test_a_cuda_out_of_memory_error_says_which_settings_to_lower(capsys):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        presets.banner("cpu", "00_test")
        shell.run_cell("import torch; raise torch.cuda.OutOfMemoryError('CUDA out of memory.')")
        out = capsys.readouterr().out
        assert "OutOfMemoryError" in out and presets.OUT_OF_MEMORY_HINT in out
        shell.run_cell("raise ValueError('another error')")
        assert presets.OUT_OF_MEMORY_HINT not in capsys.readouterr().out
    finally:
        InteractiveShell.clear_instance()


@pytest.mark.parametrize("seed", ["abc", "42", -1, 2**32, 1.5, True, None])
def test_a_bad_seed_is_refused_with_its_name(seed):
    with pytest.raises(ValueError, match=f"seed must be a whole number.*got {seed!r}"):
        presets.set_seed(seed)


def test_numpy_integers_are_good_seeds():
    import numpy as np

    presets.set_seed(np.int64(7))
    first = torch.rand(1)
    presets.set_seed(7)
    assert torch.equal(torch.rand(1), first)
