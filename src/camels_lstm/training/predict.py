"""Simulate a period with a trained model for its basins, in mm/day."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from camels_lstm.training.data import load_period
from camels_lstm.training.model_file import TrainedModel, load_model_file
from camels_lstm.training.simulate import simulate_samples
from camels_lstm.training.tensors import PeriodTensors, resolve_device

if TYPE_CHECKING:
    import xarray as xr


def predict(
    model: str | Path | TrainedModel,
    store_path: str | Path,
    start: str,
    end: str,
    basins: Sequence[str] | None = None,
    device: str = "cpu",
    batch_size: int = 2048,
) -> xr.Dataset:
    """Simulated (``streamflow_sim_mm_per_day``) and observed (``streamflow_obs_mm_per_day``)
    streamflow on (basin, date) for ``start``..``end``, as
    :func:`camels_lstm.evaluation.predictions.prediction_dataset` lays out a prediction file.

    ``basins`` defaults to the model's basins (a subset may be given). A day is NaN in the
    simulation when its ``seq_length``-day input window (which may reach before ``start``) is
    incomplete.
    """
    # Here, not at the top: training jobs import this package without xarray.
    from camels_lstm.evaluation.predictions import prediction_dataset

    target_device = resolve_device(device)
    trained = model if isinstance(model, TrainedModel) else load_model_file(model, target_device)
    trained.model.to(target_device)
    scalers = trained.scalers
    chosen = list(scalers.basins if basins is None else basins)
    unknown = sorted(set(chosen) - set(scalers.basins))
    if unknown:
        raise KeyError(f"basin(s) {unknown} are not among the model's basins")
    rows = [scalers.basins.index(basin) for basin in chosen]
    scalers_subset = dataclasses.replace(scalers, static_values=scalers.static_values[rows])
    seq_length = int(trained.experiment["seq_length"])
    arrays = load_period(
        store_path, chosen, scalers.dynamic_inputs, {"start": start, "end": end}, seq_length
    )
    tensors = PeriodTensors(
        arrays, scalers_subset, seq_length, target_device, require_observed=False
    )
    normalised = simulate_samples(trained.model, tensors.gatherer, batch_size)
    first = arrays.period_start_index
    observed = arrays.period_streamflow
    simulated = np.full(observed.shape, np.nan, dtype=np.float32)
    simulated[tensors.basin_index, tensors.day_index - first] = scalers.streamflow_mm_per_day(
        normalised
    )
    return prediction_dataset(
        chosen,
        arrays.dates[first:],
        observed,
        simulated,
        experiment=trained.experiment_name,
        seed=trained.seed,
    )
