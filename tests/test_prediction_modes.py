"""Prediction modes (experiment key ``prediction``): ``sequence`` runs each basin's record once
with its state carried over. Its first simulated day is the windowed prediction exactly, a gap in
the inputs restarts it, it scores the same days as ``windows``, its pieces do not change it, and
switching modes retrains nothing."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from training_data import PERIODS, experiment, sample_data  # noqa: F401

from camels_lstm.models import MODELS, build_model
from camels_lstm.training import simulate
from camels_lstm.training.data import WindowGatherer, select_samples
from camels_lstm.training.job_settings import training_experiment
from camels_lstm.training.predict import predict
from camels_lstm.training.run import train_experiment
from camels_lstm.training.simulate import PREDICTION_MODES, simulate_samples, simulate_sequences

SEQ_LENGTH = 20
N_BASINS, N_DATES, N_INPUTS, N_STATIC = 4, 300, 5, 3


def _model(name: str) -> torch.nn.Module:
    torch.manual_seed(3)
    settings = {
        "model": name,
        "hidden_size": 12,
        "num_layers": 1,
        "dropout": 0.3,  # eval mode: no effect on a simulation
        "initial_forget_bias": 3.0,
    }
    return build_model(settings, N_INPUTS, N_STATIC)


def _inputs(gaps: bool = True) -> tuple[torch.Tensor, torch.Tensor, np.ndarray, np.ndarray]:
    generator = np.random.default_rng(7)
    dynamic = generator.normal(size=(N_BASINS, N_DATES, N_INPUTS)).astype(np.float32)
    if gaps:
        dynamic[1, 120:123, 2] = np.nan  # a 3-day gap: the state restarts after it
        dynamic[2, 290:, 0] = np.nan  # a record that ends early
        dynamic[3, :5, :] = np.nan  # and one that starts late
    streamflow = np.ones((N_BASINS, N_DATES), dtype=np.float32)
    basin_index, day_index = select_samples(
        dynamic, streamflow, SEQ_LENGTH, SEQ_LENGTH - 1, require_observed=False
    )
    static = torch.from_numpy(generator.normal(size=(N_BASINS, N_STATIC)).astype(np.float32))
    return torch.from_numpy(dynamic), static, basin_index, day_index


def _windows(model, dynamic, static, basin_index, day_index) -> np.ndarray:
    target = torch.zeros(dynamic.shape[:2])
    gatherer = WindowGatherer(dynamic, static, target, basin_index, day_index, SEQ_LENGTH)
    return simulate_samples(model, gatherer, batch_size=64)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_first_day_of_each_segment_is_the_windowed_prediction(name: str) -> None:
    model = _model(name)
    dynamic, static, basin_index, day_index = _inputs()
    windows = _windows(model, dynamic, static, basin_index, day_index)
    sequence = simulate_sequences(model, dynamic, static, basin_index, day_index, SEQ_LENGTH)
    assert sequence.shape == windows.shape and np.isfinite(sequence).all()
    # Day SEQ_LENGTH - 1 of a record, and the first complete window after the gap and the late
    # start, see the same inputs from the same zero state in both modes.
    first = (
        (day_index == SEQ_LENGTH - 1) & (basin_index != 3)
        | (basin_index == 1) & (day_index == 123 + SEQ_LENGTH - 1)
        | (basin_index == 3) & (day_index == 5 + SEQ_LENGTH - 1)
    )
    assert first.sum() == 5
    np.testing.assert_allclose(sequence[first], windows[first], rtol=0, atol=1e-6)
    # Later days have seen a longer history than their window: they differ.
    assert not np.allclose(sequence[~first], windows[~first], atol=1e-3)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_sequence_equals_one_pass_over_each_segment(name: str) -> None:
    model = _model(name).eval()
    dynamic, static, basin_index, day_index = _inputs()
    sequence = simulate_sequences(model, dynamic, static, basin_index, day_index, SEQ_LENGTH)
    # Reference: each complete segment run in one call of forward_sequence.
    segments = {0: (0, N_DATES), 1: (123, N_DATES), 2: (0, 290), 3: (5, N_DATES)}
    after_gap_start = {1: (0, 120)}
    with torch.no_grad():
        for basin, (first, end) in segments.items():
            run, _ = model.forward_sequence(
                dynamic[basin : basin + 1, first:end], static[basin : basin + 1]
            )
            mine = (basin_index == basin) & (day_index >= first)
            np.testing.assert_allclose(
                sequence[mine], run[0, day_index[mine] - first].numpy(), rtol=0, atol=1e-5
            )
        for basin, (first, end) in after_gap_start.items():
            run, _ = model.forward_sequence(
                dynamic[basin : basin + 1, first:end], static[basin : basin + 1]
            )
            mine = (basin_index == basin) & (day_index < end)
            np.testing.assert_allclose(
                sequence[mine], run[0, day_index[mine]].numpy(), rtol=0, atol=1e-5
            )


def test_pieces_and_row_batches_do_not_change_the_simulation(monkeypatch) -> None:
    model = _model("lstm")
    dynamic, static, basin_index, day_index = _inputs()
    whole = simulate_sequences(model, dynamic, static, basin_index, day_index, SEQ_LENGTH)
    # 16-day pieces (the smallest) and two rows per batch.
    monkeypatch.setattr(simulate, "SEQUENCE_CHUNK_VALUES", 1)
    pieces = simulate_sequences(
        model, dynamic, static, basin_index, day_index, SEQ_LENGTH, rows_per_batch=2
    )
    np.testing.assert_allclose(pieces, whole, rtol=0, atol=1e-6)


def test_both_modes_simulate_the_same_days(sample_data) -> None:  # noqa: F811
    """On the real sample store: the same days are NaN in both modes (an incomplete window), the
    first day of the period agrees, the later days differ."""

    model_path = sample_data.store.parent / "modes" / "model.pt"
    train_experiment(
        store_path=sample_data.store,
        attributes_path=sample_data.attributes,
        experiment_name="modes",
        experiment=experiment(hidden_size=8, seq_length=30, epochs=2),
        basins=list(sample_data.basins[:3]),
        periods=PERIODS,
        seed=0,
        model_path=model_path,
        threads=1,
        device="cpu",
        bf16=False,
    )
    test = PERIODS["validation"]
    runs = {
        mode: predict(model_path, sample_data.store, test["start"], test["end"], mode=mode)[
            "streamflow_sim_mm_per_day"
        ]
        .transpose("basin", "date")
        .values
        for mode in PREDICTION_MODES
    }
    windows, sequence = runs["windows"], runs["sequence"]
    np.testing.assert_array_equal(np.isnan(windows), np.isnan(sequence))
    np.testing.assert_allclose(sequence[:, 0], windows[:, 0], rtol=0, atol=1e-5)
    assert not np.array_equal(sequence, windows)
    with pytest.raises(ValueError, match="prediction mode 'stateful'"):
        predict(model_path, sample_data.store, test["start"], test["end"], mode="stateful")


def test_the_prediction_mode_does_not_change_what_a_job_trains() -> None:
    settings = {"model": "lstm", "hidden_size": 8, "seq_length": 30, "seeds": [0]}
    assert training_experiment({**settings, "prediction": "windows"}) == training_experiment(
        {**settings, "prediction": "sequence"}
    )
