"""A regional model trained for a few epochs on the real 13-basin sample learns: on the validation
period its NSE beats a day-of-year climatology of the training period in most basins."""

import numpy as np
import pandas as pd
import xarray as xr
from training_data import ATTRIBUTES, experiment, sample_data  # noqa: F401

from camels_lstm.evaluation.metrics import nse
from camels_lstm.training.predict import predict
from camels_lstm.training.run import train_experiment

PERIODS = {
    "train": {"start": "2001-10-01", "end": "2005-09-30"},
    "validation": {"start": "1987-10-01", "end": "1989-09-30"},
    "test": {"start": "1989-10-01", "end": "1990-09-30"},
}


def _climatology_nse(data, basins) -> np.ndarray:
    """NSE of the training period's mean streamflow of each day of year, per basin."""
    train = _observed(data, basins, PERIODS["train"])
    validation = _observed(data, basins, PERIODS["validation"])
    scores = []
    for basin in basins:
        climatology = train[basin].groupby(train.index.day_of_year).mean()
        expected = climatology.reindex(validation.index.day_of_year).to_numpy()
        scores.append(nse(validation[basin].to_numpy(), expected))
    return np.array(scores)


def _observed(data, basins, period) -> pd.DataFrame:
    with xr.open_zarr(data.store) as store:
        flow = store["streamflow_mm_per_day"].sel(
            basin=list(basins), date=slice(period["start"], period["end"])
        )
        return flow.to_pandas().T


def test_regional_lstm_beats_climatology_in_most_basins(sample_data, tmp_path):  # noqa: F811
    path = tmp_path / "model.pt"
    train_experiment(
        store_path=sample_data.store,
        attributes_path=sample_data.attributes,
        experiment_name="skill",
        experiment=experiment(
            static_attributes=list(ATTRIBUTES),
            hidden_size=16,
            seq_length=90,
            batch_size=128,
            epochs=4,
            learning_rate={0: 0.01},
        ),
        basins=list(sample_data.basins),
        periods=PERIODS,
        seed=0,
        model_path=path,
        threads=1,
        device="cpu",
        bf16=False,
    )
    simulation = predict(
        path, sample_data.store, PERIODS["validation"]["start"], PERIODS["validation"]["end"]
    )
    model_nse = np.array(
        [
            nse(
                simulation["streamflow_obs_mm_per_day"].sel(basin=basin).values,
                simulation["streamflow_sim_mm_per_day"].sel(basin=basin).values,
            )
            for basin in sample_data.basins
        ]
    )
    climatology = _climatology_nse(sample_data, sample_data.basins)
    print("model", np.round(model_nse, 2), "climatology", np.round(climatology, 2))
    assert (model_nse > climatology + 0.05).sum() >= 9  # of 13
    assert np.median(model_nse) > 0.4
