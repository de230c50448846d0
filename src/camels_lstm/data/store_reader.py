"""Read periods of the chunked CAMELS zarr store into NumPy arrays.

Reads go straight through zarr (no dask graph): the requested date slice of each variable is read
for the span of basin rows that covers the requested basins, or by orthogonal selection when the
basins are scattered thinly over the store. With the store's chunks of 16 basins × all dates,
the training period of 531 basins loads in well under a second (benchmarks/README.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import zarr

_DAYS_SINCE = re.compile(r"^days since (\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00)?)?$")


@dataclass(frozen=True)
class TimeseriesArrays:
    """Daily series of some basins over one period, in memory.

    ``values[variable]`` is a float32 array of shape (n_basins, n_dates), rows in ``basins`` order.
    """

    basins: tuple[str, ...]
    dates: np.ndarray  # datetime64[D], shape (n_dates,)
    values: dict[str, np.ndarray]


def _store_dates(store_path: str | Path, group: zarr.Group) -> np.ndarray:
    """The ``date`` coordinate as datetime64[D] (CF 'days since' fast path, else xarray)."""
    array = group["date"]
    match = _DAYS_SINCE.match(str(array.attrs.get("units", "")))
    if match and array.attrs.get("calendar", "proleptic_gregorian") in (
        "proleptic_gregorian",
        "standard",
        "gregorian",
    ):
        offsets = np.asarray(array[:]).astype(np.int64)
        return np.datetime64(match.group(1), "D") + offsets.astype("timedelta64[D]")
    import xarray as xr  # fallback only: keeps xarray/pandas out of the training processes

    with xr.open_zarr(store_path, chunks=None) as store:
        return store["date"].to_numpy().astype("datetime64[D]")


def _read_rows(array: zarr.Array, rows: np.ndarray, columns: slice) -> np.ndarray:
    """``array[rows, columns]`` for arbitrary (unsorted) row indices, reading few chunks."""
    low, high = int(rows.min()), int(rows.max()) + 1
    if high - low <= 4 * rows.size:
        return np.asarray(array[low:high, columns])[rows - low]
    order = np.argsort(rows, kind="stable")
    block = np.asarray(array.get_orthogonal_selection((rows[order], columns)))
    result = np.empty_like(block)
    result[order] = block
    return result


def load_timeseries(
    store_path: str | Path,
    basins: Sequence[str],
    variables: Sequence[str],
    start: str,
    end: str,
) -> TimeseriesArrays:
    """Load ``variables`` of ``basins`` for ``start``..``end`` (inclusive, ISO dates).

    Dates of the period that the store does not cover are left out (as with a ``sel`` slice).

    Raises
    ------
    KeyError
        Naming the basin or variable that the store does not hold.
    """
    group = zarr.open_group(store_path, mode="r")
    store_basins = [str(b) for b in np.asarray(group["basin"][:]).tolist()]
    position = {basin: row for row, basin in enumerate(store_basins)}
    missing_basins = sorted(set(basins) - set(position))
    if missing_basins:
        raise KeyError(f"{store_path}: basin(s) {missing_basins} not in the store")
    data_variables = {
        name for name, array in group.arrays() if array.ndim == 2 and name not in ("basin", "date")
    }
    missing_variables = [v for v in variables if v not in data_variables]
    if missing_variables:
        raise KeyError(f"{store_path}: variable(s) {missing_variables} not in the store")
    dates = _store_dates(store_path, group)
    first = int(np.searchsorted(dates, np.datetime64(start, "D"), side="left"))
    last = int(np.searchsorted(dates, np.datetime64(end, "D"), side="right"))
    columns = slice(first, max(first, last))
    rows = np.array([position[b] for b in basins], dtype=np.int64)
    values: dict[str, np.ndarray] = {}
    for name in variables:
        if rows.size == 0:
            values[name] = np.empty((0, columns.stop - columns.start), dtype=np.float32)
            continue
        block = _read_rows(group[name], rows, columns)
        values[name] = np.ascontiguousarray(block, dtype=np.float32)
    return TimeseriesArrays(basins=tuple(basins), dates=dates[columns], values=values)
