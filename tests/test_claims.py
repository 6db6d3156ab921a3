"""utils.claims: a false claim stops a cpu run, warns on full (the run and its results go on), and
is only reported on smoke."""

import pytest
import torch

from utils import claims
from utils.claims import ClaimFailed, claim


@pytest.fixture(autouse=True)
def fresh_state():
    saved = dict(claims._state)
    yield
    claims._state.update(saved)


@pytest.mark.parametrize("preset", ["cpu"])
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
    assert claims._state == {"preset": "smoke", "dry_run": False, "outcomes": [], "mode": "auto"}


def test_warn_mode_lets_a_changed_setting_run_on_and_bad_modes_are_refused(capsys, monkeypatch):
    from utils.setup import setup

    from utils import env

    monkeypatch.delenv(env.CLAIMS, raising=False)
    claims.start("cpu", mode="warn")
    claim(False, "the deep plain net ends above the shallow one", gap=-0.01)
    assert capsys.readouterr().out.startswith(
        "WARNING, does not hold on this cpu run: 'the deep plain net ends above the shallow one'")
    assert claims.outcomes()[0]["held"] is False
    monkeypatch.setenv(env.CLAIMS, "warn")  # the environment's switch, as a papermill batch sets it
    claims.start("cpu")
    claim(False, "x")
    claims.start("full", mode="stop")  # an explicit mode wins over the environment
    with pytest.raises(ClaimFailed, match='claims="warn"'):
        claim(False, "x")
    monkeypatch.setenv(env.CLAIMS, "quiet")
    with pytest.raises(ValueError, match="LESSON7_CLAIMS is 'quiet'"):
        claims.start("cpu")
    monkeypatch.delenv(env.CLAIMS)
    with pytest.raises(ValueError, match=r"setup\(claims=...\) is 'sometimes'"):
        setup("smoke", "test", False, 0, claims="sometimes")


def test_a_false_claim_on_full_warns_and_the_results_list_it(capsys, tmp_path, monkeypatch):
    from utils import env, results

    monkeypatch.setenv(env.RUN_DIR, str(tmp_path))
    claims.start("full")
    claim(0.31 < 0.1, "poles are near zero IoU", pole_iou=0.31)
    claim(True, "the loss falls")
    out = capsys.readouterr().out
    assert "WARNING, does not hold on this full run: 'poles are near zero IoU' was written about " \
           "the committed cpu run; this run measured (pole_iou 0.31)" in out
    record = results.record_results("03_unet_camvid", "full", {"fastai_accuracy_mean": 0.9})
    assert record["claims"] == [
        {"sentence": "poles are near zero IoU", "held": False, "numbers": {"pole_iou": "0.31"}},
        {"sentence": "the loss falls", "held": True, "numbers": {}}]
    saved = (tmp_path / "metrics" / "03_unet_camvid.json").read_text()
    assert '"held": false' in saved and "did not hold on this run" in capsys.readouterr().out
