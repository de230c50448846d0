"""In-memory period arrays, sample selection and vectorised batch gathering.

A sample is a (basin, last day) pair: the model reads the ``seq_length`` days ending on that day
and predicts its streamflow. Training samples need an observed target and a complete input window;
the window of the first days of a period reaches back before the period (warm-up).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

from camels_lstm.data.store_reader import load_timeseries
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


class Batch(NamedTuple):
    dynamic: torch.Tensor  # (batch, seq_length, n_inputs)
    static: torch.Tensor  # (batch, n_static)
    target: torch.Tensor  # (batch,) normalised streamflow (NaN where not observed)
    basin_index: torch.Tensor  # (batch,)


class WindowGatherer:
    """Gathers batches of input windows from one contiguous tensor by index arithmetic.

    ``dynamic`` (n_basins, n_dates, n_inputs) normalised inputs, ``static`` (n_basins, n_static),
    ``target`` (n_basins, n_dates) normalised streamflow; all on the training device.
    """

    def __init__(
        self,
        dynamic: torch.Tensor,
        static: torch.Tensor,
        target: torch.Tensor,
        basin_index: np.ndarray,
        day_index: np.ndarray,
        seq_length: int,
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
        self._window = torch.arange(1 - seq_length, 1, device=device)
        self.seq_length = seq_length
        self.n_inputs = n_inputs
        self.device = device

    def __len__(self) -> int:
        return int(self._basin_index.shape[0])

    def subset(self, sample_ids: np.ndarray) -> WindowGatherer:
        """A gatherer over some of this one's samples (same tensors, no copy of the data)."""
        chosen = copy.copy(self)
        chosen.basin_index = self.basin_index[sample_ids]
        chosen.day_index = self.day_index[sample_ids]
        chosen._basin_index = torch.as_tensor(chosen.basin_index, device=self.device)
        chosen._day_index = torch.as_tensor(chosen.day_index, device=self.device)
        return chosen

    def batch(self, sample_ids: torch.Tensor) -> Batch:
        basins = self._basin_index[sample_ids]
        last_rows = basins.long() * self._n_dates + self._day_index[sample_ids]
        rows = (last_rows[:, None] + self._window[None, :]).reshape(-1)
        dynamic = self._flat_dynamic.index_select(0, rows)
        return Batch(
            dynamic=dynamic.view(len(sample_ids), self.seq_length, self.n_inputs),
            static=self._static.index_select(0, basins),
            target=self._flat_target.index_select(0, last_rows),
            basin_index=basins,
        )
