"""Production predictions and the tests' synthetic ones are one file format, and early stopping,
tuning and evaluation score a model with one NSE."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import netCDF4
import numpy as np
import pytest
import torch
import xarray as xr
from synthetic_predictions import write_experiment
from training_data import experiment, write_synthetic_store

from camels_lstm.evaluation import metrics
from camels_lstm.evaluation.predictions import aggregate_predictions
from camels_lstm.evaluation.tables import metrics_table
from camels_lstm.training.predict import predict, write_period_predictions
from camels_lstm.training.run import train_experiment
from camels_lstm.training.simulate import nse_per_basin
from camels_lstm.tuning.jobs import score_candidate

BASINS = ("01022500", "01123000")
SEED = 3
PERIODS = {
    "train": {"start": "2000-03-01", "end": "2000-08-31"},
    "validation": {"start": "2000-09-01", "end": "2000-12-31"},
    "test": {"start": "2001-01-01", "end": "2001-02-04"},
}


def _store_with_gaps(path: Path) -> Path:
    """A synthetic store whose streamflow misses some days (NaN), in every period."""
    write_synthetic_store(path.with_name("complete.zarr"), basins=BASINS, days=400)
    store = xr.open_zarr(path.with_name("complete.zarr")).load()
    flow = store["streamflow_mm_per_day"].values
    flow[np.random.default_rng(1).random(flow.shape) < 0.1] = np.nan
    store["streamflow_mm_per_day"].values = flow
    store.to_zarr(path, mode="w")
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A tiny regional model (one epoch, validated once) and its store."""
    root = tmp_path_factory.mktemp("predictions")
    store = _store_with_gaps(root / "store.zarr")
    model = root / "synthetic" / f"seed{SEED}" / "model.pt"
    train_experiment(
        store_path=store,
        attributes_path=None,
        experiment_name="synthetic",
        experiment=experiment(hidden_size=4, seq_length=10, epochs=1, validate_every=1),
        basins=list(BASINS),
        periods=PERIODS,
        seed=SEED,
        model_path=model,
        threads=1,
        device="cpu",
        bf16=False,
    )
    return model, store


def _attributes(owner: Any) -> dict[str, str]:
    # str(): NaN fill values compare equal
    return {name: str(owner.getncattr(name)) for name in owner.ncattrs()}


def _layout(path: Path) -> dict[str, Any]:
    """Everything of a netCDF file but its data values."""
    with netCDF4.Dataset(path) as dataset:
        return {
            "format": dataset.data_model,
            "dimensions": {name: len(dim) for name, dim in dataset.dimensions.items()},
            "attributes": _attributes(dataset),
            "variables": {
                name: {
                    "dimensions": variable.dimensions,
                    "dtype": str(variable.dtype),
                    "attributes": _attributes(variable),
                    "filters": variable.filters(),
                    "chunking": variable.chunking(),
                }
                for name, variable in dataset.variables.items()
            },
        }


def test_production_and_synthetic_prediction_files_are_alike(trained, tmp_path) -> None:
    model, store = trained
    production = tmp_path / "production" / "predictions_test.nc"
    write_period_predictions(model, store, PERIODS, {"test": production})
    with xr.open_dataset(production) as written:
        dates = written["date"].values
        observed = written["streamflow_obs_mm_per_day"].values
    (synthetic,) = write_experiment(
        tmp_path / "synthetic_results",
        "synthetic",
        "regional",
        BASINS,
        [SEED],
        "test",
        dates,
        observed,
        np.random.default_rng(0),
    )[f"seed{SEED}"]
    expected = _layout(synthetic)
    assert _layout(production) == expected
    assert expected["attributes"] == {"experiment": "synthetic", "seed": str(SEED)}
    assert set(expected["variables"]) == {
        "basin",
        "date",
        "streamflow_obs_mm_per_day",
        "streamflow_sim_mm_per_day",
    }
    assert expected["variables"]["streamflow_sim_mm_per_day"]["dtype"] == "float32"
    # The aggregation reads either, together.
    both = aggregate_predictions({"seed0": [production], "seed1": [synthetic]})
    assert both["member"].values.tolist() == ["seed0", "seed1", "ensemble"]


def test_early_stopping_tuning_and_evaluation_score_the_same_nse(trained) -> None:
    model, store = trained
    history = torch.load(model, weights_only=True)["history"]
    (record,) = [entry for entry in history if entry["validation_median_nse"] is not None]
    validation = PERIODS["validation"]
    predictions = predict(model, store, validation["start"], validation["end"])
    observed = predictions["streamflow_obs_mm_per_day"].values
    assert np.isnan(observed).any()  # the scores skip the gaps
    evaluated = {
        basin: metrics.nse(observed[row], predictions["streamflow_sim_mm_per_day"].values[row])
        for row, basin in enumerate(BASINS)
    }
    table = metrics_table(
        predictions.expand_dims(member=["seed0"]).assign(
            streamflow_obs_mm_per_day=predictions["streamflow_obs_mm_per_day"]
        ),
        min_observed_days=1,
    )
    assert table.set_index("basin")["nse"].to_dict() == pytest.approx(evaluated, rel=1e-12)
    tuned = score_candidate(model, store, PERIODS, "cpu")
    assert tuned == pytest.approx(evaluated, rel=1e-12)
    assert record["validation_median_nse"] == pytest.approx(
        float(np.median(list(evaluated.values()))), rel=1e-5
    )


def test_nse_per_basin_is_the_metrics_nse_of_each_basin() -> None:
    rng = np.random.default_rng(0)
    observed = rng.gamma(2.0, 1.0, 60)
    simulated = (observed + rng.normal(0, 0.5, 60)).astype(np.float32)
    observed[[3, 17, 40]] = np.nan
    simulated[[5, 17]] = np.nan
    basin_index = np.repeat([0, 1, 2], 20)
    basin_index[50:] = 0  # samples of a basin need not be contiguous
    observed[basin_index == 2] = 4.0  # constant observations: NSE undefined
    scores = nse_per_basin(simulated, observed, basin_index, n_basins=4)
    expected = [
        metrics.nse(observed[basin_index == b], simulated[basin_index == b]) for b in [0, 1]
    ]
    np.testing.assert_array_equal(scores[:2], expected)
    assert np.isnan(scores[2]) and np.isnan(scores[3])  # constant; no samples
