"""Read periods of the chunked CAMELS zarr store into NumPy arrays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr


@dataclass(frozen=True)
class TimeseriesArrays:
    """Daily series of some basins over one period, in memory.

    ``values[variable]`` is a float32 array of shape (n_basins, n_dates), rows in ``basins`` order.
    """

    basins: tuple[str, ...]
    dates: np.ndarray  # datetime64[D], shape (n_dates,)
    values: dict[str, np.ndarray]


def load_timeseries(
    store_path: str | Path,
    basins: Sequence[str],
    variables: Sequence[str],
    start: str,
    end: str,
) -> TimeseriesArrays:
    """Load ``variables`` of ``basins`` for ``start``..``end`` (inclusive, ISO dates).

    Raises
    ------
    KeyError
        Naming the basin or variable that the store does not hold.
    """
    with xr.open_zarr(store_path) as store:
        missing_basins = sorted(set(basins) - set(store["basin"].values.tolist()))
        if missing_basins:
            raise KeyError(f"{store_path}: basin(s) {missing_basins} not in the store")
        missing_variables = [v for v in variables if v not in store.data_vars]
        if missing_variables:
            raise KeyError(f"{store_path}: variable(s) {missing_variables} not in the store")
        subset = store[list(variables)].sel(basin=list(basins), date=slice(start, end)).load()
    return TimeseriesArrays(
        basins=tuple(basins),
        dates=subset["date"].values.astype("datetime64[D]"),
        values={v: np.ascontiguousarray(subset[v].values, dtype=np.float32) for v in variables},
    )
