import numpy as np
import pytest
import torch
from training_data import ATTRIBUTES, PERIODS, experiment, sample_data  # noqa: F401

from camels_lstm.models import build_model
from camels_lstm.training.checkpoint import clone_state
from camels_lstm.training.data import WindowGatherer, select_samples
from camels_lstm.training.loop import LoopSettings, learning_rate_at, train_loop
from camels_lstm.training.model_file import load_model_file
from camels_lstm.training.predict import predict
from camels_lstm.training.run import train_experiment

SHORT_PERIODS = {
    "train": {"start": "2003-10-01", "end": "2005-09-30"},
    "validation": {"start": "1988-10-01", "end": "1989-09-30"},
    "test": PERIODS["test"],
}


def _train(data, path, basins, periods=SHORT_PERIODS, seed=0, **settings):
    train_experiment(
        store_path=data.store,
        attributes_path=data.attributes,
        experiment_name="test",
        experiment=experiment(**settings),
        basins=list(basins),
        periods=periods,
        seed=seed,
        model_path=path,
        threads=1,
        device="cpu",
        bf16=False,
    )
    return torch.load(path, weights_only=True)


def _assert_same_weights(first, second):
    assert first.keys() == second.keys()
    for name in first:
        assert torch.equal(first[name], second[name]), name


def test_learning_rate_schedule_is_stepwise():
    schedule = {0: 1e-3, 11: 5e-4, 21: 1e-4}
    rates = [learning_rate_at(schedule, epoch) for epoch in (1, 10, 11, 20, 21, 30)]
    assert rates == [1e-3, 1e-3, 5e-4, 5e-4, 1e-4, 1e-4]
    assert learning_rate_at({3: 0.1, 5: 0.2}, 1) == 0.1


@pytest.mark.parametrize("model", ["lstm", "ealstm"])
def test_both_models_train(sample_data, tmp_path, model):  # noqa: F811
    contents = _train(
        sample_data,
        tmp_path / "model.pt",
        sample_data.basins[:3],
        model=model,
        static_attributes=list(ATTRIBUTES),
        epochs=3,
        seq_length=20,
    )
    losses = [record["loss"] for record in contents["history"]]
    assert len(losses) == 3
    assert losses[-1] < losses[0]


def test_same_seed_same_weights_and_model_file_is_plain(sample_data, tmp_path):  # noqa: F811
    settings = {"dropout": 0.3, "static_attributes": ["p_mean", "aridity"], "epochs": 2}
    first = _train(sample_data, tmp_path / "a" / "model.pt", sample_data.basins[:2], **settings)
    second = _train(sample_data, tmp_path / "b" / "model.pt", sample_data.basins[:2], **settings)
    _assert_same_weights(first["state_dict"], second["state_dict"])
    other = _train(
        sample_data, tmp_path / "c" / "model.pt", sample_data.basins[:2], seed=1, **settings
    )
    assert not torch.equal(first["state_dict"]["head.weight"], other["state_dict"]["head.weight"])
    # The file is loadable without unpickling code and carries what prediction needs.
    assert first["experiment"]["hidden_size"] == 8
    assert first["basins"] == list(sample_data.basins[:2])
    # Only the periods that shape the weights: the test period is the prediction jobs' business.
    assert first["periods"] == {name: SHORT_PERIODS[name] for name in ("train", "validation")}
    assert first["scalers"]["static_attributes"] == ["p_mean", "aridity"]
    assert first["scalers"]["static_values"].shape == (2, 2)
    # The final checkpoint stays beside the model until the predictions are aggregated.
    assert torch.load(tmp_path / "a" / "checkpoint.pt", weights_only=True)["epoch"] == 2


def test_predict_simulates_the_period_in_mm_per_day(sample_data, tmp_path):  # noqa: F811
    path = tmp_path / "model.pt"
    _train(sample_data, path, sample_data.basins[:2], epochs=1, seq_length=15)
    simulation = predict(path, sample_data.store, "1980-01-05", "1980-03-31")
    assert simulation.sizes == {"basin": 2, "date": 87}
    simulated = simulation["streamflow_sim_mm_per_day"].values
    # The store starts on 1980-01-01: the first 10 days lack 14 days of warm-up.
    assert np.isnan(simulated[:, :10]).all()
    assert np.isfinite(simulated[:, 10:]).all()
    one = predict(
        load_model_file(path),
        sample_data.store,
        "1980-01-05",
        "1980-03-31",
        basins=[sample_data.basins[1]],
    )
    np.testing.assert_allclose(one["streamflow_sim_mm_per_day"].values[0], simulated[1], rtol=1e-5)
    with pytest.raises(KeyError, match="12040500"):
        predict(path, sample_data.store, "1990-01-01", "1990-02-01", basins=["12040500"])


def _synthetic_gatherer() -> WindowGatherer:
    """112 windows of 5 days over 2 basins of random inputs and targets, no statics."""
    rng = np.random.default_rng(0)
    dynamic = rng.normal(size=(2, 60, 3)).astype(np.float32)
    target = rng.normal(size=(2, 60)).astype(np.float32)
    basin, day = select_samples(dynamic, target, 5)
    return WindowGatherer(
        torch.from_numpy(dynamic), torch.zeros(2, 0), torch.from_numpy(target), basin, day, 5
    )


def test_early_stopping_keeps_the_best_validated_weights(tmp_path):
    gatherer = _synthetic_gatherer()
    torch.manual_seed(0)
    model = build_model(experiment(hidden_size=4), n_dynamic=3, n_static=0)
    scores = iter([0.5, 0.7, 0.6, 0.65, 0.9])
    seen = []

    def validate(model):
        seen.append(clone_state(model.state_dict()))
        return next(scores)

    settings = LoopSettings.from_experiment(
        experiment(epochs=5, validate_every=1, early_stopping_patience=2), 0, False
    )
    result = train_loop(
        model, gatherer, torch.ones(2), settings, tmp_path / "checkpoint.pt", "x", validate
    )
    assert [r["validation_median_nse"] for r in result.history] == [0.5, 0.7, 0.6, 0.65]
    for name, tensor in seen[1].items():  # epoch 2 had the best score
        assert torch.equal(result.state_dict[name], tensor)
    assert not torch.equal(result.state_dict["head.weight"], seen[-1]["head.weight"])


def test_a_long_epoch_logs_its_progress(tmp_path, monkeypatch, caplog):
    """Every PROGRESS_SECONDS within an epoch the log says how far it is (here: every batch)."""
    from camels_lstm.training import loop

    gatherer = _synthetic_gatherer()
    model = build_model(experiment(hidden_size=4), n_dynamic=3, n_static=0)
    settings = LoopSettings.from_experiment(experiment(epochs=1, batch_size=50), 0, False)
    monkeypatch.setattr(loop, "PROGRESS_SECONDS", 0.0)
    with caplog.at_level("INFO", logger="camels_lstm.training.loop"):
        train_loop(model, gatherer, torch.ones(2), settings, tmp_path / "checkpoint.pt", "x")
    progress = [r.getMessage() for r in caplog.records if "samples (" in r.getMessage()]
    assert len(gatherer) == 112
    assert [line.split(" samples (")[0] for line in progress] == [
        "epoch 1/1: 50 of 112",
        "epoch 1/1: 100 of 112",
    ]
