"""Simulate a period with a trained model for its basins, in mm/day."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import torch

from camels_lstm.evaluation.prediction_file import write_prediction_file
from camels_lstm.training.data import PeriodArrays, StoreSpan, load_period, read_span
from camels_lstm.training.model_file import TrainedModel, load_model_file
from camels_lstm.training.scalers import Scalers
from camels_lstm.training.simulate import PREDICTION_MODES
from camels_lstm.training.static_attributes import read_static_attributes
from camels_lstm.training.tensors import PeriodTensors, resolve_device

if TYPE_CHECKING:
    import xarray as xr

logger = logging.getLogger(__name__)


def _static_values(
    scalers: Scalers, basins: Sequence[str], attributes_path: str | Path | None
) -> np.ndarray:
    """Normalised static attributes of ``basins``: the model's own rows, or for basins it was
    not trained on those of ``attributes_path`` (normalised with the same statistics)."""
    unknown = sorted(set(basins) - set(scalers.basins))
    if not unknown:
        return scalers.static_values[[scalers.basins.index(basin) for basin in basins]]
    if attributes_path is None:
        # Predicting basins the model never saw (ungauged) is asked for by giving the file.
        raise KeyError(
            f"basin(s) {unknown} are not among the model's basins; to predict them as ungauged "
            "basins give the attribute file of the model's run (attributes_path)"
        )
    if not scalers.static_attributes:
        return np.zeros((len(basins), 0), dtype=np.float32)
    statics = read_static_attributes(attributes_path, basins, scalers.static_attributes)
    if not (
        np.allclose(statics.mean, scalers.static_mean, equal_nan=True)
        and np.allclose(statics.std, scalers.static_std, equal_nan=True)
    ):
        raise ValueError(
            f"{attributes_path}: the static attributes are normalised with other statistics "
            "than the model's; predict with the attribute file of the model's own run"
        )
    return statics.normalised.astype(np.float32)


def simulate_period(
    trained: TrainedModel,
    arrays: PeriodArrays,
    static_values: np.ndarray,
    device: torch.device,
    batch_size: int | None = None,
    mode: str = "windows",
) -> np.ndarray:
    """Simulated streamflow (mm/day, float32) on (basin, day of the period) of ``arrays`` (raw
    inputs of the model's dynamic inputs, with warm-up days; normalised in place here) and the
    basins' normalised ``static_values``; NaN where a day's input window is incomplete. The one
    simulation of a period: the workflow's prediction files and model packages use it. ``mode``:
    a key of :data:`camels_lstm.training.simulate.PREDICTION_MODES` (windows or sequence)."""
    if mode not in PREDICTION_MODES:
        raise ValueError(f"prediction mode {mode!r} is not one of {sorted(PREDICTION_MODES)}")
    trained.model.to(device)
    scalers = dataclasses.replace(trained.scalers, static_values=static_values)
    seq_length = int(trained.experiment["seq_length"])
    tensors = PeriodTensors(arrays, scalers, seq_length, device, require_observed=False)
    # The training batch by default: larger batches are no faster on a CPU and hold the
    # activations of every window at once (batch 2048 at hidden 256: 6.5 GB against 1.7 GB).
    batch = int(batch_size or trained.experiment["batch_size"])
    normalised = PREDICTION_MODES[mode](trained.model, tensors, batch)
    first = arrays.period_start_index
    simulated = np.full((len(arrays.basins), arrays.dates.size - first), np.nan, dtype=np.float32)
    simulated[tensors.basin_index, tensors.day_index - first] = scalers.streamflow_mm_per_day(
        normalised
    )
    return simulated


class PeriodPrediction(NamedTuple):
    """One model's simulation of a period: basins, dates of the period, observed and simulated
    streamflow (mm/day, float32, basin × date)."""

    basins: list[str]
    dates: np.ndarray
    observed: np.ndarray
    simulated: np.ndarray


def simulate(
    trained: TrainedModel,
    store_path: str | Path | StoreSpan,
    start: str,
    end: str,
    basins: Sequence[str] | None = None,
    device: str = "cpu",
    batch_size: int | None = None,
    attributes_path: str | Path | None = None,
    mode: str = "windows",
) -> PeriodPrediction:
    """The simulation of :func:`predict` as arrays (no xarray)."""
    chosen = list(trained.scalers.basins if basins is None else basins)
    static_values = _static_values(trained.scalers, chosen, attributes_path)
    seq_length = int(trained.experiment["seq_length"])
    arrays = load_period(
        store_path,
        chosen,
        trained.scalers.dynamic_inputs,
        {"start": start, "end": end},
        seq_length,
    )
    simulated = simulate_period(
        trained, arrays, static_values, resolve_device(device), batch_size, mode=mode
    )
    first = arrays.period_start_index
    return PeriodPrediction(chosen, arrays.dates[first:], arrays.period_streamflow, simulated)


def predict(
    model: str | Path | TrainedModel,
    store_path: str | Path | StoreSpan,
    start: str,
    end: str,
    basins: Sequence[str] | None = None,
    device: str = "cpu",
    batch_size: int | None = None,
    attributes_path: str | Path | None = None,
    mode: str = "windows",
) -> xr.Dataset:
    """Simulated (``streamflow_sim_mm_per_day``) and observed (``streamflow_obs_mm_per_day``)
    streamflow on (basin, date) for ``start``..``end``, as
    :func:`camels_lstm.evaluation.predictions.prediction_dataset` lays out a prediction file.

    ``batch_size`` defaults to the model's training batch size. ``basins`` defaults to the
    model's basins (a subset may be given). Basins the model was
    not trained on (ungauged evaluation) need ``attributes_path``, the static-attribute file
    whose normalisation the model was trained with (checked), for their attributes. A day is NaN
    in the simulation when its ``seq_length``-day input window (which may reach before ``start``) is
    incomplete. ``mode``: windows or sequence (:mod:`camels_lstm.training.simulate`).
    """
    # Here, not at the top: training jobs import this package without xarray.
    from camels_lstm.evaluation.predictions import prediction_dataset

    trained = (
        model if isinstance(model, TrainedModel) else load_model_file(model, resolve_device(device))
    )
    prediction = simulate(
        trained, store_path, start, end, basins, device, batch_size, attributes_path, mode
    )
    return prediction_dataset(
        prediction.basins,
        prediction.dates,
        prediction.observed,
        prediction.simulated,
        experiment=trained.experiment_name,
        seed=trained.seed,
    )


def write_period_predictions(
    model: str | Path | TrainedModel,
    store_path: str | Path | StoreSpan,
    periods: Mapping[str, Mapping[str, str]],
    outputs: Mapping[str, str | Path],
    device: str = "cpu",
    basins: Sequence[str] | None = None,
    attributes_path: str | Path | None = None,
    mode: str = "windows",
) -> None:
    """Simulate each period of ``outputs`` (name -> prediction file; bounds from ``periods``)
    with one model, loaded once, and write its prediction file (:func:`predict`; ``mode``:
    windows or sequence). The store is read once for all periods (or not at all when
    ``store_path`` is a :class:`~camels_lstm.training.data.StoreSpan` that holds them)."""
    if not isinstance(model, TrainedModel):
        model = load_model_file(model, resolve_device(device))
    if not isinstance(store_path, StoreSpan):
        store_path = read_span(
            store_path,
            list(model.scalers.basins if basins is None else basins),
            model.scalers.dynamic_inputs,
            [periods[period] for period in outputs],
            int(model.experiment["seq_length"]),
        )
    for period, output in outputs.items():
        bounds = periods[period]
        prediction = simulate(
            model,
            store_path,
            bounds["start"],
            bounds["end"],
            basins=basins,
            device=device,
            attributes_path=attributes_path,
            mode=mode,
        )
        logger.info(
            "%s period %s..%s (%s): %d basins x %d days, %d simulated days",
            period,
            bounds["start"],
            bounds["end"],
            mode,
            len(prediction.basins),
            prediction.dates.size,
            int(np.isfinite(prediction.simulated).sum()),
        )
        write_prediction_file(
            output,
            prediction.basins,
            prediction.dates,
            prediction.observed,
            prediction.simulated,
            experiment=model.experiment_name,
            seed=model.seed,
        )
