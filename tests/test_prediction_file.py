"""The per-model prediction file: written with netCDF4 alone, read back by xarray as the
in-memory dataset of ``predict``; a per-basin job writes it without importing xarray or pandas."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from training_data import PERIODS, experiment, sample_data  # noqa: F401

from camels_lstm.evaluation.prediction_file import write_prediction_file
from camels_lstm.evaluation.predictions import aggregate_predictions, prediction_dataset
from camels_lstm.training.run import train_experiment

BASINS = ["01022500", "12040500"]
DATES = np.arange(np.datetime64("1989-10-01"), np.datetime64("1990-03-01"))


def _series(seed: int) -> np.ndarray:
    values = np.random.default_rng(seed).random((len(BASINS), DATES.size)).astype(np.float32)
    values[0, 3] = np.nan
    return values


def test_the_file_reads_back_as_the_prediction_dataset(tmp_path: Path) -> None:
    path = tmp_path / "seed4" / "predictions_test.nc"
    write_prediction_file(path, BASINS, DATES, _series(0), _series(1), experiment="e", seed=4)
    expected = prediction_dataset(BASINS, DATES, _series(0), _series(1), experiment="e", seed=4)
    with xr.open_dataset(path) as written:
        xr.testing.assert_identical(written.load(), expected)
    aggregated = aggregate_predictions({"seed4": [path]})
    np.testing.assert_array_equal(
        aggregated["streamflow_sim_mm_per_day"].sel(member="seed4").values, _series(1)
    )


def test_a_series_of_the_wrong_shape_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "predictions_test.nc"
    with pytest.raises(ValueError, match=r"predictions_test\.nc: streamflow_sim_mm_per_day"):
        write_prediction_file(
            path, BASINS, DATES, _series(0), _series(1)[:, 1:], experiment="e", seed=0
        )
    assert not path.exists()


def test_a_per_basin_job_predicts_without_xarray_or_pandas(sample_data, tmp_path) -> None:  # noqa: F811
    model = tmp_path / "model.pt"
    train_experiment(
        store_path=sample_data.store,
        attributes_path=sample_data.attributes,
        experiment_name="single",
        experiment=experiment(hidden_size=4, seq_length=20, epochs=1),
        basins=[sample_data.basins[0]],
        periods=PERIODS,
        seed=0,
        model_path=model,
        threads=1,
        device="cpu",
        bf16=False,
    )
    script = f"""
import sys
from camels_lstm.training.predict import write_period_predictions
from camels_lstm.training.run import train_experiment
write_period_predictions({str(model)!r}, {str(sample_data.store)!r}, {PERIODS!r},
    {{"validation": {str(tmp_path / "v.nc")!r}, "test": {str(tmp_path / "t.nc")!r}}})
print(sorted(name for name in ("xarray", "pandas") if name in sys.modules))
"""
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip().splitlines()[-1] == "[]"
    with xr.open_dataset(tmp_path / "t.nc") as written:
        assert str(written["date"].values[0])[:10] == PERIODS["test"]["start"]
        assert written["streamflow_sim_mm_per_day"].notnull().all()
