"""Sequence-to-sequence training (experiment keys predict_last_n, window_stride): N = 1 is the
sequence-to-one training bit for bit; for N > 1 the loss of a window is the mean of its per-day
losses, masked days count for nothing, windows stay inside complete inputs and the period, the
log counts target days, and bad settings are refused by the config check."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from torch import nn
from training_data import experiment, sample_data  # noqa: F401

from camels_lstm.config import ConfigError, validate_config
from camels_lstm.models import MODELS, build_model
from camels_lstm.training.checkpoint import training_fingerprint
from camels_lstm.training.data import (
    WindowGatherer,
    observed_target_days,
    select_samples,
    select_windows,
)
from camels_lstm.training.finished_model import finished_model_path
from camels_lstm.training.loop import (
    LoopSettings,
    batch_loss,
    learning_rate_at,
    predict_targets,
    train_loop,
)
from camels_lstm.training.losses import LOSSES, nse_star
from camels_lstm.training.optimizers import OPTIMIZERS
from camels_lstm.training.run import train_experiment
from camels_lstm.training.sequence_training import (
    SEQUENCE_LOSSES,
    SEQUENCE_MODELS,
    check_sequence_training,
    window_days,
    window_stride,
)
from camels_lstm.workflow.resources import model_mem_mb

PERIODS = {
    "train": {"start": "2003-10-01", "end": "2005-09-30"},
    "validation": {"start": "1988-10-01", "end": "1989-09-30"},
    "test": {"start": "1989-10-01", "end": "1990-09-30"},
}


def _series(n_basins=3, n_dates=120, n_inputs=3, seed=0):
    rng = np.random.default_rng(seed)
    dynamic = rng.normal(size=(n_basins, n_dates, n_inputs)).astype(np.float32)
    streamflow = rng.gamma(2.0, size=(n_basins, n_dates)).astype(np.float32)
    return dynamic, streamflow


def _gatherer(dynamic, streamflow, seq_length, last_n, stride, first_day=0):
    basin, day = select_windows(dynamic, streamflow, seq_length, first_day, last_n, stride)
    return WindowGatherer(
        torch.from_numpy(dynamic),
        torch.zeros(dynamic.shape[0], 0),
        torch.from_numpy(streamflow),
        basin,
        day,
        seq_length,
        target_days=last_n,
    )


def test_one_target_day_and_stride_one_select_the_sequence_to_one_samples():
    dynamic, streamflow = _series()
    dynamic[0, 30:33] = np.nan
    streamflow[1, 50:70] = np.nan
    expected = select_samples(dynamic, streamflow, 10, first_day_index=15)
    chosen = select_windows(dynamic, streamflow, 10, 15, predict_last_n=1, window_stride=1)
    for got, want in zip(chosen, expected, strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(("last_n", "stride"), [(10, 10), (10, 3), (25, 25), (1, 4)])
def test_windows_never_cross_a_gap_nor_the_period_ends_and_cover_every_target(last_n, stride):
    dynamic, streamflow = _series(n_dates=200)
    dynamic[0, 60:62, 1] = np.nan  # a gap in the inputs
    dynamic[2, 150, 0] = np.nan
    streamflow[1, 90:130] = np.nan  # unobserved days
    seq_length, first_day = 20, 30
    basin, day = select_windows(dynamic, streamflow, seq_length, first_day, last_n, stride)
    length = window_days({"seq_length": seq_length, "predict_last_n": last_n})
    complete = np.isfinite(dynamic).all(axis=-1)
    assert len(day) > 0
    for b, d in zip(basin, day, strict=True):
        assert d - length + 1 >= 0 and d < dynamic.shape[1]
        assert complete[b, d - length + 1 : d + 1].all(), (b, d)  # no gap inside a window
        assert d - last_n + 1 >= first_day  # targets inside the period
        assert np.isfinite(streamflow[b, d - last_n + 1 : d + 1]).any()
    # Every observed period day that some complete window can end on or after is a target.
    targets = {
        (b, t) for b, d in zip(basin, day, strict=True) for t in range(d - last_n + 1, d + 1)
    }
    all_windows = select_windows(dynamic, streamflow, seq_length, first_day, last_n, 1)
    coverable = {
        (b, t) for b, d in zip(*all_windows, strict=True) for t in range(d - last_n + 1, d + 1)
    }
    if stride <= last_n:
        assert coverable <= targets
    assert targets <= coverable
    # The stride thins the windows out: one every `stride` days of a run, plus each run's last.
    if stride > 1:
        all_basin, all_day = all_windows
        runs = 1 + int(((np.diff(all_day) != 1) | (np.diff(all_basin) != 0)).sum())
        assert len(day) <= len(all_day) / stride + 2 * runs
        assert len(day) < len(all_day)


def test_window_loss_is_the_mean_of_the_per_day_losses_of_forward_sequence():
    dynamic, streamflow = _series(n_basins=2, n_dates=80)
    streamflow[0, 70:73] = np.nan
    gatherer = _gatherer(dynamic, streamflow, 15, 12, 12)
    torch.manual_seed(0)
    model = build_model(experiment(hidden_size=6), n_dynamic=3, n_static=0).eval()
    basin_std = torch.tensor([0.7, 1.9])
    for window in range(len(gatherer)):
        batch = gatherer.batch(torch.tensor([window]))
        loss = batch_loss(nse_star, predict_targets(model, batch, 12), batch, basin_std)
        simulated, _ = model.forward_sequence(batch.dynamic, batch.static)
        days = []
        for day in range(batch.dynamic.shape[1] - 12, batch.dynamic.shape[1]):
            target = batch.target[0, day - batch.dynamic.shape[1]]
            if torch.isnan(target):
                continue
            std = basin_std[batch.basin_index]
            days.append(nse_star(simulated[:, day], target[None], std))
        assert days, "every window has an observed target"
        torch.testing.assert_close(loss, torch.stack(days).mean())


def test_masked_days_contribute_nothing():
    dynamic, streamflow = _series(n_basins=2, n_dates=80)
    masked = streamflow.copy()
    masked[:, 60:66] = np.nan
    torch.manual_seed(0)
    model = build_model(experiment(hidden_size=6), n_dynamic=3, n_static=0).eval()
    gatherer = _gatherer(dynamic, masked, 15, 20, 20)
    batch = gatherer.batch(torch.arange(len(gatherer)))
    prediction = predict_targets(model, batch, 20).detach().requires_grad_(True)
    loss = batch_loss(nse_star, prediction, batch, torch.ones(2))
    loss.backward()
    unobserved = torch.isnan(batch.target)
    assert unobserved.any()
    assert (prediction.grad[unobserved] == 0).all()
    assert (prediction.grad[~unobserved] != 0).all()
    # Whatever the model predicts on a masked day, the loss stays the same.
    moved = prediction.detach().clone()
    moved[unobserved] += 100.0
    assert torch.equal(batch_loss(nse_star, moved, batch, torch.ones(2)), loss.detach())


def _reference_sequence_to_one(model, gatherer, basin_std, settings):
    """The training loop as it was before predict_last_n (seq-to-one), without checkpoints."""
    optimizer = OPTIMIZERS[settings.optimizer](
        model.parameters(), lr=learning_rate_at(settings.learning_rate, 1)
    )
    shuffle = torch.Generator().manual_seed(settings.seed)
    for epoch in range(1, settings.epochs + 1):
        optimizer.lr = learning_rate_at(settings.learning_rate, epoch)
        model.train()
        order = torch.randperm(len(gatherer), generator=shuffle)
        for first in range(0, len(gatherer), settings.batch_size):
            batch = gatherer.batch(order[first : first + settings.batch_size])
            prediction = model(batch.dynamic, batch.static)
            loss = LOSSES[settings.loss](prediction, batch.target, basin_std[batch.basin_index])
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), settings.clip_grad_norm)
            optimizer.step()
    return model.state_dict()


def test_one_target_day_trains_the_same_weights_as_sequence_to_one(tmp_path):
    dynamic, streamflow = _series(n_basins=2, n_dates=90)
    settings = LoopSettings.from_experiment(
        experiment(epochs=3, batch_size=16, dropout=0.3, predict_last_n=1), 0, False
    )
    torch.manual_seed(0)
    model = build_model(experiment(hidden_size=5, dropout=0.3), n_dynamic=3, n_static=0)
    result = train_loop(
        model, _gatherer(dynamic, streamflow, 10, 1, 1), torch.tensor([0.5, 2.0]), settings,
        tmp_path / "checkpoint.pt", "x",
    )  # fmt: skip
    torch.manual_seed(0)
    reference = build_model(experiment(hidden_size=5, dropout=0.3), n_dynamic=3, n_static=0)
    expected = _reference_sequence_to_one(
        reference, _gatherer(dynamic, streamflow, 10, 1, 1), torch.tensor([0.5, 2.0]), settings
    )
    for name, tensor in expected.items():
        assert torch.equal(result.state_dict[name], tensor), name


def test_sequence_training_counts_target_days_in_the_log(tmp_path, caplog):
    dynamic, streamflow = _series(n_basins=2, n_dates=150)
    streamflow[0, 100:110] = np.nan
    gatherer = _gatherer(dynamic, streamflow, 10, 30, 30)
    expected = int(
        observed_target_days(streamflow, gatherer.basin_index, gatherer.day_index, 30).sum()
    )
    assert gatherer.n_target_days == expected < 30 * len(gatherer)
    torch.manual_seed(0)
    model = build_model(experiment(hidden_size=4), n_dynamic=3, n_static=0)
    settings = LoopSettings.from_experiment(
        experiment(epochs=2, batch_size=3, predict_last_n=30), 0, False
    )
    with caplog.at_level("INFO", logger="camels_lstm.training.loop"):
        result = train_loop(model, gatherer, torch.ones(2), settings, tmp_path / "c.pt", "x")
    assert f"training on {expected} samples, observed days among the last 30 of " in caplog.text
    for record in result.history:
        ratio = record["samples_per_second"] / record["windows_per_second"]
        assert ratio == pytest.approx(expected / len(gatherer))
    assert result.history[-1]["loss"] < result.history[0]["loss"]
    # Settings and gatherer must agree on the number of target days.
    with pytest.raises(ValueError, match="predict_last_n 1"):
        train_loop(
            model, gatherer, torch.ones(2), LoopSettings.from_experiment(experiment(), 0, False),
            tmp_path / "d.pt", "x",
        )  # fmt: skip


@pytest.mark.parametrize("model", ["lstm", "ealstm"])
def test_training_job_with_last_n_resumes_and_is_fingerprinted(
    sample_data,  # noqa: F811
    tmp_path,
    caplog,
    model,
):
    settings = experiment(
        model=model, static_attributes=["p_mean", "frac_snow"], epochs=2, predict_last_n=60,
        batch_size=8, dropout=0.2,
    )  # fmt: skip
    arguments = {
        "store_path": sample_data.store, "attributes_path": sample_data.attributes,
        "experiment_name": "s2s", "basins": list(sample_data.basins[:3]), "periods": PERIODS,
        "seed": 0, "threads": 1, "device": "cpu", "bf16": False,
    }  # fmt: skip
    model_path = tmp_path / "a" / "model.pt"
    caplog.set_level("INFO")
    train_experiment(experiment=settings, model_path=model_path, **arguments)
    assert "observed target days: the last 60 of" in caplog.text
    first = torch.load(model_path, weights_only=True)
    assert first["experiment"]["predict_last_n"] == 60
    # Without the model and its kept weights, the rerun resumes from the final checkpoint and
    # writes the same weights without training an epoch.
    model_path.unlink()
    finished_model_path(model_path).unlink()
    caplog.clear()
    train_experiment(experiment=settings, model_path=model_path, **arguments)
    assert "after epoch 2" in caplog.text and "samples/s" not in caplog.text
    again = torch.load(model_path, weights_only=True)
    for name, tensor in first["state_dict"].items():
        assert torch.equal(again["state_dict"][name], tensor), name
    # Another N trains other weights.
    other = {**settings, "predict_last_n": 30}
    train_experiment(experiment=other, model_path=tmp_path / "b" / "model.pt", **arguments)
    second = torch.load(tmp_path / "b" / "model.pt", weights_only=True)
    assert not torch.equal(first["state_dict"]["head.weight"], second["state_dict"]["head.weight"])


def test_the_fingerprint_holds_last_n_and_stride_but_not_the_prediction_mode():
    def fingerprint(**changes):
        return training_fingerprint(
            experiment=experiment(**changes), basins=["01022500"], periods=PERIODS, seed=0,
            training={"device": "cpu", "bf16": False}, data=[1],
        )  # fmt: skip

    base = fingerprint()
    assert fingerprint(predict_last_n=365) != base
    assert fingerprint(predict_last_n=365, window_stride=30) != fingerprint(predict_last_n=365)
    assert fingerprint(prediction="sequence") == fingerprint(prediction="windows")


def test_stride_defaults_to_last_n_and_memory_grows_with_the_window():
    assert window_stride({"predict_last_n": 365, "window_stride": None}) == 365
    assert window_stride({"predict_last_n": 365, "window_stride": 30}) == 30
    assert window_stride({}) == 1
    one = {"batch_size": 16, "seq_length": 270, "hidden_size": 256, "num_layers": 1}
    assert model_mem_mb({**one, "predict_last_n": 365}, 531) > model_mem_mb(one, 531)


def test_sequence_model_and_loss_lists_match_the_registries():
    for name in SEQUENCE_MODELS:
        assert callable(getattr(MODELS[name], "forward_sequence", None)), name
    assert set(SEQUENCE_MODELS) == set(MODELS)
    assert set(SEQUENCE_LOSSES) <= set(LOSSES)
    problems = check_sequence_training(
        "experiments.x", {"model": "gr4j", "loss": "kge", "predict_last_n": 2}, [PERIODS["train"]]
    )
    assert len(problems) == 2
    assert "model 'gr4j' cannot be trained on several days" in problems[0]
    assert "loss 'kge' cannot be taken over several days" in problems[1]


def _sample_config():
    return yaml.safe_load(Path("config/config.yaml").read_text())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"predict_last_n": 0}, "'experiments.regional.predict_last_n': 0 is less than"),
        ({"window_stride": 0}, "'experiments.regional.window_stride': 0 is less than"),
        ({"predict_last_n": 5000}, "'experiments.regional.predict_last_n': 5000 days is longer"),
    ],
)
def test_bad_sequence_settings_are_refused_with_the_key_named(change, message):
    config = _sample_config()
    config["experiments"]["regional"].update(change)
    with pytest.raises(ConfigError, match=message):
        validate_config(copy.deepcopy(config), "workflow/schemas/config.schema.yaml")


def test_last_n_longer_than_the_shortest_learning_curve_window_is_refused():
    config = _sample_config()
    study = next(iter(config["learning_curves"]))
    config["learning_curves"][study]["overrides"]["predict_last_n"] = 1500
    shortest = min(config["learning_curves"][study]["train_years"])
    assert shortest * 365 < 1500 < 9 * 365  # shorter than the experiment's training period
    with pytest.raises(ConfigError, match=f"learning_curves.{study}.overrides.predict_last_n"):
        validate_config(copy.deepcopy(config), "workflow/schemas/config.schema.yaml")
