"""utils.claims: a false claim stops a cpu or full run and is only reported on smoke."""

import pytest
import torch

from utils import claims
from utils.claims import ClaimFailed, claim


@pytest.fixture(autouse=True)
def fresh_state():
    saved = dict(claims._state)
    yield
    claims._state.update(saved)


@pytest.mark.parametrize("preset", ["cpu", "full"])
def test_false_claim_stops_a_real_run_naming_sentence_and_numbers(preset):
    claims.start(preset)
    with pytest.raises(ClaimFailed) as err:
        claim(0.683 > 0.694, "the GAN's SSIM is above bicubic's", gan=0.683, bicubic=0.694)
    message = str(err.value)
    assert "the GAN's SSIM is above bicubic's" in message
    assert "gan 0.683" in message and "bicubic 0.694" in message and preset in message


def test_true_claim_prints_checked_with_its_numbers(capsys):
    claims.start("cpu")
    assert claim(torch.tensor(2.0) > 1, "loss falls", before=torch.tensor(2.0), after=1) is None
    assert capsys.readouterr().out == "checked: loss falls (before 2, after 1)\n"


def test_false_claim_on_smoke_is_reported_not_raised(capsys):
    claims.start("smoke")
    claim(False, "the deep net trains worse", gap=-0.2)
    assert capsys.readouterr().out == (
        "not checked on the smoke preset: the deep net trains worse (gap -0.2)\n")


def test_dry_run_reports_instead_of_judging(capsys):
    claims.start("full", dry_run=True)
    claim(False, "beats the lesson")
    assert capsys.readouterr().out.startswith("not checked on a dry run: beats the lesson")


def test_preset_argument_overrides_and_bad_calls_are_refused():
    claims.start("smoke")
    with pytest.raises(ClaimFailed):
        claim(False, "x is larger", preset="cpu")
    with pytest.raises(TypeError, match="True or False"):
        claim(0.5, "a number is not a verdict", preset="cpu")
    with pytest.raises(ValueError, match="sentence"):
        claim(True, "  ", preset="cpu")
    claims._state.update(preset=None, dry_run=False)
    with pytest.raises(RuntimeError, match="setup"):
        claim(True, "no preset known")


def test_setup_tells_claims_the_preset():
    from utils.setup import setup

    setup("smoke", "test", False, 0)
    assert claims._state == {"preset": "smoke", "dry_run": False}
