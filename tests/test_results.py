"""Recording results: the table beside the lesson's numbers, and the record in the run folder."""

import json

import numpy as np
import pytest
import torch

from utils import reference, results


def test_every_reference_entry_is_complete():
    for name, ref in reference.NOTEBOOKS.items():
        assert ref.title and ref.headline, name
        assert set(ref.floors) <= {"smoke", "cpu", "full"} and "smoke" in ref.floors, name
        for metric, published in ref.published.items():
            assert published.setup and published.source, (name, metric)


def test_record_prints_ours_beside_the_lesson(capsys, monkeypatch):
    monkeypatch.delenv(results.RUN_DIR_ENV, raising=False)
    record = results.record_results("01_resnet_mnist", "cpu", {
        "resnet_accuracy": torch.tensor(0.987), "plain_params": np.int64(12126)})
    out = capsys.readouterr().out
    assert "resnet_accuracy" in out and "0.9870" in out and "0.9952" in out
    assert "12,126" in out and "meets this preset's floor" in out
    assert record["metrics"] == {"resnet_accuracy": pytest.approx(0.987), "plain_params": 12126}
    assert record["meets_floor"] is True and record["floor"] == 0.985


def test_below_the_floor_is_said_plainly(capsys):
    record = results.record_results("01_resnet_mnist", "cpu", {"resnet_accuracy": 0.9})
    assert record["meets_floor"] is False
    assert "DOES NOT meet" in capsys.readouterr().out


def test_record_lands_in_the_run_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(results.RUN_DIR_ENV, str(tmp_path))
    results.record_results("01_resnet_mnist", "smoke", {"resnet_accuracy": 0.6})
    saved = json.loads((tmp_path / "metrics" / "01_resnet_mnist.json").read_text())
    assert saved["metrics"] == {"resnet_accuracy": 0.6} and saved["preset"] == "smoke"
    assert saved["reference"]["resnet_accuracy"]["value"] == 0.9952


def test_a_notebook_without_reference_still_records(tmp_path, monkeypatch):
    monkeypatch.setenv(results.RUN_DIR_ENV, str(tmp_path))
    record = results.record_results("scratch", "smoke", {"loss": 0.5})
    assert record["reference"] == {} and "headline" not in record


def test_bad_metrics_are_refused():
    with pytest.raises(KeyError, match="headline metric 'resnet_accuracy'"):
        results.make_record("01_resnet_mnist", "cpu", {"plain_accuracy": 0.98})
    with pytest.raises(ValueError, match="NaN"):
        results.make_record("scratch", "cpu", {"loss": float("nan")})
    with pytest.raises(TypeError, match="must be a number"):
        results.make_record("scratch", "cpu", {"loss": "low"})
