"""Recording results: the table beside the lesson's numbers, and the record in the run folder."""

import json

import numpy as np
import pytest
import torch

from utils import env, reference, results


def test_every_reference_entry_is_complete():
    for name, ref in reference.NOTEBOOKS.items():
        assert ref.title and ref.headline, name
        assert set(ref.floors) <= {"smoke", "cpu", "full"} and "smoke" in ref.floors, name
        for metric, published in ref.published.items():
            assert published.setup and published.source, (name, metric)


def test_record_prints_ours_beside_the_lesson(capsys, monkeypatch):
    monkeypatch.delenv(env.RUN_DIR, raising=False)
    record = results.record_results("01_resnet_mnist", "cpu", {
        "resnet_accuracy_mean": torch.tensor(0.987), "plain_params": np.int64(12126)})
    out = capsys.readouterr().out
    assert "resnet_accuracy" in out and "0.9870" in out and "0.9952" in out
    assert "12,126" in out and "meets this preset's pass mark" in out
    assert record["metrics"] == {"resnet_accuracy_mean": pytest.approx(0.987),
                                 "plain_params": 12126}
    assert record["meets_floor"] is True
    assert record["floor"] == reference.for_notebook("01_resnet_mnist").floors["cpu"]


def test_below_the_floor_is_said_plainly(capsys):
    record = results.record_results("01_resnet_mnist", "cpu", {"resnet_accuracy_mean": 0.9})
    assert record["meets_floor"] is False
    assert "DOES NOT meet" in capsys.readouterr().out


def test_record_lands_in_the_run_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(env.RUN_DIR, str(tmp_path))
    results.record_results("01_resnet_mnist", "smoke", {"resnet_accuracy_mean": 0.6})
    saved = json.loads((tmp_path / "metrics" / "01_resnet_mnist.json").read_text())
    assert saved["metrics"] == {"resnet_accuracy_mean": 0.6} and saved["preset"] == "smoke"
    assert saved["reference"]["resnet_accuracy"]["value"] == 0.9952


def test_a_notebook_without_reference_still_records(tmp_path, monkeypatch):
    monkeypatch.setenv(env.RUN_DIR, str(tmp_path))
    record = results.record_results("scratch", "smoke", {"loss": 0.5})
    assert record["reference"] == {} and "headline" not in record


def test_bad_metrics_are_refused():
    with pytest.raises(KeyError, match="headline metric 'resnet_accuracy_mean'"):
        results.make_record("01_resnet_mnist", "cpu", {"plain_accuracy": 0.98})
    with pytest.raises(ValueError, match="NaN"):
        results.make_record("scratch", "cpu", {"loss": float("nan")})
    with pytest.raises(TypeError, match="must be a number"):
        results.make_record("scratch", "cpu", {"loss": "low"})


def test_a_lesson_number_stands_beside_ours_only_when_comparable():
    make_record, format_table = results.make_record, results.format_table
    cpu = make_record("01_resnet_mnist", "cpu",
                      {"resnet_accuracy_mean": 0.987, "resnet_params": 41132})
    table = format_table(cpu).splitlines()
    row = next(line for line in table if line.startswith("resnet_accuracy"))
    assert "0.9952" not in row and row.split()[2:5] == ["see", "note", "not"]
    params = next(line for line in table if line.startswith("resnet_params"))
    assert params.split()[1:3] == ["41,132", "41,132"]  # a parameter count compares anywhere
    heading = next(i for i, line in enumerate(table) if line.startswith(
        "note: the lesson's own numbers, not comparable with this run: we train on 4,000"))
    listed = next(i for i, line in enumerate(table)
                  if line.strip().startswith("resnet_accuracy_mean: 0.9952 ("))
    assert listed > heading and not table[listed - 1].startswith(" ")  # after the whole reason
    assert max(len(line) for line in table) <= 100  # long texts wrap
    full = format_table(make_record("01_resnet_mnist", "full", {"resnet_accuracy_mean": 0.995}))
    row = next(line for line in full.splitlines() if line.startswith("resnet_accuracy"))
    assert row.split()[1:3] == ["0.9950", "0.9952"] and "not comparable" not in full


def test_smoke_and_machine_dependent_numbers_are_never_comparable():
    make_record = results.make_record
    from utils.reference import SMOKE_WHY, not_comparable

    assert not_comparable("01_resnet_mnist", "resnet_accuracy", "smoke") == SMOKE_WHY
    assert "2019 GPU" in not_comparable("04_wgan_bedroom", "train_minutes", "full")
    record = make_record("04_wgan_bedroom", "full", {"swd_gap_closed_last4_mean": 0.9,
                                                         "train_minutes": 30.0})
    assert record["reference"]["train_minutes"]["not_comparable"]


@pytest.mark.parametrize("notebook, preset", [("../../x", "cpu"), ("01_resnet_mnist", "../cpu")])
def test_names_that_would_write_outside_the_run_folder_are_refused(notebook, preset, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setenv(env.RUN_DIR, str(tmp_path / "run"))
    with pytest.raises(ValueError, match="cannot be part of a file name"):
        results.record_results(notebook, preset, {"accuracy": 0.5})
    assert not (tmp_path / "run").exists() and not (tmp_path / "x.json").exists()


def test_an_interval_gets_a_column_beside_ours_only_when_given():
    make_record, format_table = results.make_record, results.format_table
    plain = format_table(make_record("01_resnet_mnist", "cpu", {"resnet_accuracy_mean": 0.987}))
    assert plain.splitlines()[0].split()[1:4] == ["ours", "(cpu)", "lesson"]  # no column unasked
    record = make_record("01_resnet_mnist", "cpu",
                         {"resnet_accuracy_mean": 0.987, "resnet_params": 41132},
                         intervals={"resnet_accuracy_mean": (np.float64(0.98), 0.99)},
                         interval_label="95% over digits")
    table = format_table(record).splitlines()
    assert table[0].split()[3:6] == ["95%", "over", "digits"]
    row = next(line for line in table if line.startswith("resnet_accuracy"))
    assert row.split()[1:4] == ["0.9870", "0.9800", "to"]
    params = next(line for line in table if line.startswith("resnet_params"))
    assert params.split()[1:4] == ["41,132", "-", "41,132"]
    with pytest.raises(KeyError, match="not among the metrics"):
        make_record("01_resnet_mnist", "cpu", {"resnet_accuracy_mean": 0.9},
                    intervals={"loss": (0, 1)})


def test_a_number_from_a_model_built_unlike_ours_is_marked_with_how_it_differs():
    record = results.make_record("07_rnn_human_numbers", "cpu",
                                 {"v3_rnn_accuracy": 0.63, "rnn_2_layers_accuracy": 0.52,
                                  "lstm_regularised_accuracy_mean": 0.9})
    table = results.format_table(record)
    marked = next(line for line in table.splitlines() if line.startswith("v3_rnn_accuracy"))
    assert marked.split()[1:4] == ["0.6300", "0.5772", "\u2020"]
    assert "built unlike ours: the lecture's nn.BatchNorm1d" in " ".join(table.split())
    alike = next(line for line in table.splitlines() if line.startswith("rnn_2_layers_accuracy"))
    assert "\u2020" not in alike and alike.split()[1:3] == ["0.5200", "0.4879"]  # 0.487874
