"""Run a trained model over all samples of a period (no gradients) and score it by basin.

Two ways to simulate a period (the experiment key ``prediction``, :data:`PREDICTION_MODES`):

- ``windows``: each day from its own ``seq_length``-day input window, started from a zero state,
  as in training, in Kratzert et al. (2019) and in neuralhydrology's evaluation. It costs
  ``seq_length`` LSTM steps per simulated day.
- ``sequence``: the model runs once through each basin's record, from a zero state
  ``seq_length - 1`` days before the period (the warm-up of the first window), carrying its state
  from day to day; each day's output is the head on that day's hidden state. One LSTM step per
  day, so about ``seq_length`` times cheaper. The first day of the period is the same as with
  windows (the same inputs from the same zero state); later days have seen a longer history than
  any training window, so they differ (docs/packages.md, "Prediction modes", measures by how much).
  A gap in the inputs restarts the state; the days that are NaN with windows (incomplete window)
  are NaN here too, so both modes score the same days.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from camels_lstm.evaluation.metrics import nse
from camels_lstm.training.data import WindowGatherer

if TYPE_CHECKING:
    from camels_lstm.training.tensors import PeriodTensors

# Values held in memory at once by a sequence simulation (rows x days x hidden units): the pieces
# of the record it runs at a time are as long as this allows.
SEQUENCE_CHUNK_VALUES = 2**24


def simulate_samples(
    model: nn.Module,
    gatherer: WindowGatherer,
    batch_size: int = 2048,
    bf16: bool = False,
) -> np.ndarray:
    """Normalised prediction for every sample of ``gatherer``, in its order (float32)."""
    was_training = model.training
    model.eval()
    # One array for every sample's output, filled batch by batch: no small tensor per batch left
    # between the large transient ones (which kept the heap of a 531-basin prediction growing).
    outputs = np.empty(len(gatherer), dtype=np.float32)
    device = gatherer.device
    autocast = bf16 and device.type == "cuda"
    with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16, enabled=autocast):
        for start in range(0, len(gatherer), batch_size):
            ids = torch.arange(start, min(start + batch_size, len(gatherer)), device=device)
            batch = gatherer.batch(ids)
            outputs[start : start + len(ids)] = (
                model(batch.dynamic, batch.static).float().cpu().numpy()
            )
    model.train(was_training)
    return outputs


def _segments(complete: np.ndarray, min_length: int) -> tuple[np.ndarray, ...]:
    """(basin, first day, length) of every run of complete input days at least ``min_length``
    long, ordered by basin and first day."""
    n_basins, n_dates = complete.shape
    padded = np.zeros((n_basins, n_dates + 2), dtype=np.int8)
    padded[:, 1:-1] = complete
    change = np.diff(padded, axis=1)
    start_basin, start_day = np.nonzero(change == 1)
    _, end_day = np.nonzero(change == -1)  # same order: row-major, one end per start
    length = end_day - start_day
    keep = length >= min_length
    return start_basin[keep], start_day[keep], length[keep]


def simulate_sequences(
    model: nn.Module,
    dynamic: torch.Tensor,
    static: torch.Tensor,
    basin_index: np.ndarray,
    day_index: np.ndarray,
    seq_length: int,
    rows_per_batch: int = 4096,
) -> np.ndarray:
    """Normalised prediction for the samples (``basin_index``, ``day_index``) by running the model
    through each basin's record with its state carried over (``prediction: sequence``, see the
    module docstring). ``dynamic`` (n_basins, n_dates, n_inputs) normalised inputs with NaN where
    missing, ``static`` (n_basins, n_static); every sample must have a complete window."""
    n_dates = dynamic.shape[1]
    if len(basin_index) == 0:
        return np.zeros(0, dtype=np.float32)
    complete = torch.isfinite(dynamic).all(dim=-1).cpu().numpy()
    row_basin, row_start, row_length = _segments(complete, seq_length)
    max_length = int(row_length.max())
    hidden = int(model.hidden_size)
    outputs = np.full((len(row_basin), max_length), np.nan, dtype=np.float32)
    chunk = max(
        16, min(max_length, SEQUENCE_CHUNK_VALUES // (hidden * min(rows_per_batch, len(row_basin))))
    )
    was_training = model.training
    model.eval()
    device = dynamic.device
    with torch.no_grad():
        for first_row in range(0, len(row_basin), rows_per_batch):
            rows = slice(first_row, first_row + rows_per_batch)
            basins = torch.as_tensor(row_basin[rows], device=device, dtype=torch.long)
            starts = torch.as_tensor(row_start[rows], device=device, dtype=torch.long)
            ends = starts + torch.as_tensor(row_length[rows], device=device) - 1
            batch_static = static.index_select(0, basins)
            batch_length = int(row_length[rows].max())
            state = None
            for offset in range(0, batch_length, chunk):
                steps = torch.arange(offset, min(offset + chunk, batch_length), device=device)
                # Past a row's end its last day is repeated: those outputs are never read.
                days = torch.minimum(starts[:, None] + steps[None, :], ends[:, None])
                inputs = dynamic[basins[:, None], days]
                simulated, state = model.forward_sequence(inputs, batch_static, state)
                outputs[rows, offset : offset + len(steps)] = simulated.float().cpu().numpy()
    model.train(was_training)
    # The row of each sample: the last segment of its basin that starts on or before its day.
    row_keys = row_basin.astype(np.int64) * n_dates + row_start
    sample_keys = np.asarray(basin_index, dtype=np.int64) * n_dates + day_index
    row = np.searchsorted(row_keys, sample_keys, side="right") - 1
    return outputs[row, np.asarray(day_index) - row_start[row]]


def _simulate_windows_of(model: nn.Module, tensors: PeriodTensors, batch_size: int) -> np.ndarray:
    return simulate_samples(model, tensors.gatherer, batch_size)


def _simulate_sequences_of(model: nn.Module, tensors: PeriodTensors, batch_size: int) -> np.ndarray:
    return simulate_sequences(
        model,
        tensors.dynamic,
        tensors.static,
        tensors.basin_index,
        tensors.day_index,
        tensors.gatherer.seq_length,
    )


# Experiment key ``prediction`` -> simulation of a period's samples (model, PeriodTensors, batch
# size of the windows) -> normalised prediction per sample.
PREDICTION_MODES: dict[str, Callable[..., np.ndarray]] = {
    "windows": _simulate_windows_of,
    "sequence": _simulate_sequences_of,
}


def nse_per_basin(
    simulated: np.ndarray, observed: np.ndarray, basin_index: np.ndarray, n_basins: int
) -> np.ndarray:
    """NSE of each basin from per-sample arrays (samples of one basin are scored together).

    :func:`camels_lstm.evaluation.metrics.nse` over the samples on which both are finite, the
    NSE the evaluation reports; NaN for a basin without samples or with constant observations.
    """
    scores = np.full(n_basins, np.nan)
    for basin in range(n_basins):
        mine = basin_index == basin
        if mine.any():
            scores[basin] = nse(observed[mine], simulated[mine])
    return scores
