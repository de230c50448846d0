"""In-memory period arrays, sample selection and vectorised batch gathering.

A sample is a (basin, last day) pair: the model reads the ``seq_length`` days ending on that day
and predicts its streamflow. Training samples need an observed target and a complete input window;
the window of the first days of a period reaches back before the period (warm-up).

Sequence-to-sequence training (experiment key ``predict_last_n`` N > 1, :func:`select_windows`):
a training sample is a window of ``seq_length - 1 + N`` days whose last N days are its targets
(each of them with a full ``seq_length``-day history inside the window), taken every
``window_stride`` days.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

from camels_lstm.training.input_stores import InputStores, input_stores

STREAMFLOW = "streamflow_mm_per_day"


@dataclass(frozen=True)
class PeriodArrays:
    """Raw daily series of some basins: ``dynamic`` (n_basins, n_dates, n_inputs) and
    ``streamflow_mm_per_day`` (n_basins, n_dates), float32. ``dates`` starts with up to
    ``seq_length - 1`` warm-up days; ``period_start_index`` is the first day of the period."""

    basins: tuple[str, ...]
    dynamic_inputs: tuple[str, ...]
    dates: np.ndarray
    period_start_index: int
    dynamic: np.ndarray
    streamflow_mm_per_day: np.ndarray

    @property
    def period_dynamic(self) -> np.ndarray:
        return self.dynamic[:, self.period_start_index :]

    @property
    def period_streamflow(self) -> np.ndarray:
        return self.streamflow_mm_per_day[:, self.period_start_index :]


@dataclass(frozen=True)
class StoreSpan:
    """The series of some basins and inputs over one span of days, read from the stores once
    (:func:`read_span`). Passed to :func:`load_period` in place of the store, it gives each period
    inside the span (with its warm-up) as a copy, without reading the store again: a per-basin
    job reads its training, validation and test periods in one read."""

    stores: InputStores
    arrays: PeriodArrays
    # True when the span's first day is the store's first day (its warm-up was cut short there).
    starts_with_store: bool

    def period(
        self,
        basins: Sequence[str],
        dynamic_inputs: Sequence[str],
        period: Mapping[str, str],
        seq_length: int,
    ) -> PeriodArrays | None:
        """``period`` as :func:`load_period` reads it from the store; None when the span does not
        hold it (other basins or inputs, or days outside the span)."""
        arrays = self.arrays
        if tuple(basins) != arrays.basins or tuple(dynamic_inputs) != arrays.dynamic_inputs:
            return None
        dates = arrays.dates
        start = np.datetime64(period["start"], "D")
        end = np.datetime64(period["end"], "D")
        warm_up_start = start - np.timedelta64(seq_length - 1, "D")
        if start < dates[0] or end > dates[-1]:
            return None
        if warm_up_start < dates[0] and not self.starts_with_store:
            return None
        first = int(np.searchsorted(dates, max(warm_up_start, dates[0])))
        last = int(np.searchsorted(dates, end, side="right"))
        return PeriodArrays(
            basins=arrays.basins,
            dynamic_inputs=arrays.dynamic_inputs,
            dates=dates[first:last].copy(),
            period_start_index=int(np.searchsorted(dates, start)) - first,
            dynamic=arrays.dynamic[:, first:last].copy(),  # its user normalises it in place
            streamflow_mm_per_day=arrays.streamflow_mm_per_day[:, first:last].copy(),
        )


def read_span(
    store_path: str | Path | InputStores,
    basins: Sequence[str],
    dynamic_inputs: Sequence[str],
    periods: Iterable[Mapping[str, str]],
    seq_length: int,
) -> StoreSpan:
    """Read ``basins``' inputs and streamflow once, from ``seq_length - 1`` days before the
    earliest of ``periods`` to the end of the latest (:class:`StoreSpan`)."""
    periods = list(periods)
    start = min(np.datetime64(period["start"], "D") for period in periods)
    end = max(np.datetime64(period["end"], "D") for period in periods)
    stores = input_stores(store_path)
    arrays = load_period(
        stores, basins, dynamic_inputs, {"start": str(start), "end": str(end)}, seq_length
    )
    return StoreSpan(
        stores=stores, arrays=arrays, starts_with_store=arrays.period_start_index < seq_length - 1
    )


def load_period(
    store_path: str | Path | InputStores | StoreSpan,
    basins: Sequence[str],
    dynamic_inputs: Sequence[str],
    period: Mapping[str, str],
    seq_length: int,
) -> PeriodArrays:
    """Read ``period`` ({start, end}) plus ``seq_length - 1`` warm-up days before it (as far as
    the store reaches) from the zarr store (and, for hybrid inputs, the simulation stores), or
    take it from a :class:`StoreSpan` read before (the store is read when the span lacks it)."""
    if isinstance(store_path, StoreSpan):
        found = store_path.period(basins, dynamic_inputs, period, seq_length)
        if found is not None:
            return found
        store_path = store_path.stores
    from camels_lstm.data.store_reader import load_timeseries  # zarr: only where stores are read

    stores = input_stores(store_path)
    store_path = stores.store
    start = np.datetime64(period["start"], "D")
    warm_up_start = start - np.timedelta64(seq_length - 1, "D")
    streamflow = load_timeseries(
        store_path, basins, [STREAMFLOW], str(warm_up_start), period["end"]
    )
    dates = streamflow.dates
    start_index = int(np.searchsorted(dates, start))
    if start_index >= len(dates) or dates[start_index] != start:
        raise ValueError(f"{store_path}: period {period['start']}..{period['end']} not in store")
    # One variable at a time into the (basin, date, input) array: no second full copy in memory.
    dynamic = np.empty((len(basins), len(dates), len(dynamic_inputs)), dtype=np.float32)
    for position, name in enumerate(dynamic_inputs):
        source, variable = stores.source(name)
        series = load_timeseries(source, basins, [variable], str(dates[0]), str(dates[-1]))
        if series.dates.size != dates.size:
            raise ValueError(
                f"{source}: input {name!r} covers {series.dates.size} of the {dates.size} days "
                f"{dates[0]}..{dates[-1]} of {store_path}"
            )
        dynamic[..., position] = series.values[variable]
    return PeriodArrays(
        basins=tuple(basins),
        dynamic_inputs=tuple(dynamic_inputs),
        dates=dates,
        period_start_index=start_index,
        dynamic=dynamic,
        streamflow_mm_per_day=streamflow.values[STREAMFLOW],
    )


def select_samples(
    dynamic: np.ndarray,
    streamflow: np.ndarray,
    seq_length: int,
    first_day_index: int = 0,
    require_observed: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """(basin index, day index) of every valid sample, basin-major.

    Valid: day index >= ``first_day_index``, all inputs of the ``seq_length`` days ending on it
    present, and (``require_observed``) its streamflow observed.
    """
    n_basins, n_dates = streamflow.shape
    complete = np.isfinite(dynamic).all(axis=-1)
    missing_before = np.zeros((n_basins, n_dates + 1), dtype=np.int32)
    np.cumsum(~complete, axis=1, out=missing_before[:, 1:])
    del complete
    last = np.arange(n_dates)
    first = last - seq_length + 1
    in_range = (first >= 0) & (last >= first_day_index)
    valid = missing_before[:, last + 1] == missing_before[:, np.maximum(first, 0)]
    del missing_before
    valid &= in_range[None, :]
    if require_observed:
        valid &= np.isfinite(streamflow)
    basin_index, day_index = np.nonzero(valid)
    return basin_index.astype(np.int32), day_index.astype(np.int32)


def select_windows(
    dynamic: np.ndarray,
    streamflow: np.ndarray,
    seq_length: int,
    first_day_index: int = 0,
    predict_last_n: int = 1,
    window_stride: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """(basin index, last day index) of every training window, basin-major.

    A window is ``seq_length - 1 + predict_last_n`` days with complete inputs, its last
    ``predict_last_n`` days (the targets) on or after ``first_day_index`` (inside the period), and
    at least one of its targets observed. Within each run of consecutive valid last days (a run
    ends at a gap in the inputs or the observations, or at the period's end) every
    ``window_stride``-th one is kept, from the first, and the run's last one, so that every target
    day of the run is in some window when ``window_stride <= predict_last_n``. With
    ``predict_last_n = window_stride = 1`` these are exactly the samples of
    :func:`select_samples`.
    """
    if predict_last_n < 1 or window_stride < 1:
        raise ValueError(
            f"predict_last_n ({predict_last_n}) and window_stride ({window_stride}) must be >= 1"
        )
    basin_index, day_index = select_samples(
        dynamic,
        streamflow,
        seq_length - 1 + predict_last_n,
        first_day_index + predict_last_n - 1,
        require_observed=False,
    )
    observed = observed_target_days(streamflow, basin_index, day_index, predict_last_n)
    basin_index, day_index = basin_index[observed > 0], day_index[observed > 0]
    if window_stride == 1 or len(day_index) == 0:
        return basin_index, day_index
    new_run = np.ones(len(day_index), dtype=bool)
    new_run[1:] = (basin_index[1:] != basin_index[:-1]) | (day_index[1:] != day_index[:-1] + 1)
    run_first = np.maximum.accumulate(np.where(new_run, np.arange(len(day_index)), 0))
    run_last = np.ones(len(day_index), dtype=bool)
    run_last[:-1] = new_run[1:]
    keep = ((np.arange(len(day_index)) - run_first) % window_stride == 0) | run_last
    return basin_index[keep], day_index[keep]


def observed_target_days(
    streamflow: np.ndarray, basin_index: np.ndarray, day_index: np.ndarray, predict_last_n: int
) -> np.ndarray:
    """Number of observed days among the last ``predict_last_n`` days of each window."""
    observed_before = np.zeros((streamflow.shape[0], streamflow.shape[1] + 1), dtype=np.int32)
    np.cumsum(np.isfinite(streamflow), axis=1, out=observed_before[:, 1:])
    basin_index = np.asarray(basin_index, dtype=np.int64)
    day_index = np.asarray(day_index, dtype=np.int64)
    first = np.maximum(day_index + 1 - predict_last_n, 0)
    return observed_before[basin_index, day_index + 1] - observed_before[basin_index, first]


class Batch(NamedTuple):
    dynamic: torch.Tensor  # (batch, window_days, n_inputs)
    static: torch.Tensor  # (batch, n_static)
    # (batch,) normalised streamflow of the last day, or (batch, target_days) of the last
    # target_days days in sequence-to-sequence training; NaN where not observed.
    target: torch.Tensor
    basin_index: torch.Tensor  # (batch,)


class WindowGatherer:
    """Gathers batches of input windows from one contiguous tensor by index arithmetic.

    ``dynamic`` (n_basins, n_dates, n_inputs) normalised inputs, ``static`` (n_basins, n_static),
    ``target`` (n_basins, n_dates) normalised streamflow; all on the training device. A window
    ends on its day of ``day_index`` and is ``seq_length - 1 + target_days`` days long; its last
    ``target_days`` days are its targets (1: sequence-to-one, the target is the last day's).
    """

    def __init__(
        self,
        dynamic: torch.Tensor,
        static: torch.Tensor,
        target: torch.Tensor,
        basin_index: np.ndarray,
        day_index: np.ndarray,
        seq_length: int,
        target_days: int = 1,
    ) -> None:
        n_basins, n_dates, n_inputs = dynamic.shape
        device = dynamic.device
        self._flat_dynamic = dynamic.reshape(n_basins * n_dates, n_inputs)
        self._flat_target = target.reshape(n_basins * n_dates)
        self._static = static
        self._n_dates = n_dates
        # The sample index stays in the caller's compact (int32) arrays, shared with torch on
        # the CPU; the flat rows of a batch are computed per batch.
        self.basin_index = np.asarray(basin_index)
        self.day_index = np.asarray(day_index)
        self._basin_index = torch.as_tensor(self.basin_index, device=device)
        self._day_index = torch.as_tensor(self.day_index, device=device)
        self.seq_length = seq_length
        self.target_days = target_days
        self.window_days = seq_length - 1 + target_days
        self._window = torch.arange(1 - self.window_days, 1, device=device)
        self._targets = torch.arange(1 - target_days, 1, device=device)
        self.n_inputs = n_inputs
        self.device = device
        # Observed targets per window (None: one each, as sequence-to-one samples always have).
        self.observed_targets = None
        if target_days > 1:
            self.observed_targets = observed_target_days(
                np.asarray(target.cpu()), self.basin_index, self.day_index, target_days
            )

    def __len__(self) -> int:
        return int(self._basin_index.shape[0])

    @property
    def n_target_days(self) -> int:
        """Observed target days over all windows: what one epoch trains on (the number of
        windows in sequence-to-one training, where each window has one observed target)."""
        if self.observed_targets is None:
            return len(self)
        return int(self.observed_targets.sum())

    def subset(self, sample_ids: np.ndarray) -> WindowGatherer:
        """A gatherer over some of this one's samples (same tensors, no copy of the data)."""
        chosen = copy.copy(self)
        chosen.basin_index = self.basin_index[sample_ids]
        chosen.day_index = self.day_index[sample_ids]
        chosen._basin_index = torch.as_tensor(chosen.basin_index, device=self.device)
        chosen._day_index = torch.as_tensor(chosen.day_index, device=self.device)
        if self.observed_targets is not None:
            chosen.observed_targets = self.observed_targets[sample_ids]
        return chosen

    def batch(self, sample_ids: torch.Tensor) -> Batch:
        basins = self._basin_index[sample_ids]
        last_rows = basins.long() * self._n_dates + self._day_index[sample_ids]
        rows = (last_rows[:, None] + self._window[None, :]).reshape(-1)
        dynamic = self._flat_dynamic.index_select(0, rows)
        if self.target_days == 1:
            target = self._flat_target.index_select(0, last_rows)
        else:
            target_rows = (last_rows[:, None] + self._targets[None, :]).reshape(-1)
            target = self._flat_target.index_select(0, target_rows).view(-1, self.target_days)
        return Batch(
            dynamic=dynamic.view(len(sample_ids), self.window_days, self.n_inputs),
            static=self._static.index_select(0, basins),
            target=target,
            basin_index=basins,
        )
