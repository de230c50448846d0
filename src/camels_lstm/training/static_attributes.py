"""Read the normalised static attributes (and their scaler) of some basins from the attribute
file that ``data.attributes.write_static_attributes`` writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class StaticAttributes:
    names: tuple[str, ...]
    normalised: np.ndarray  # (n_basins, n_attributes)
    mean: np.ndarray
    std: np.ndarray


def read_static_attributes(
    path: str | Path | None, basins: Sequence[str], names: Sequence[str]
) -> StaticAttributes:
    """``normalised`` values (and scaler) of ``names`` for ``basins`` from the attribute file.

    Read with netCDF4 directly: a training job needs four small variables, not xarray.
    """
    if not names:
        empty = np.zeros(0)
        return StaticAttributes((), np.zeros((len(basins), 0), np.float32), empty, empty)
    if path is None:
        raise ValueError(f"static attributes {list(names)} requested but no attribute file given")
    import netCDF4  # only jobs with static attributes need it

    def values(variable: netCDF4.Variable) -> np.ndarray:  # fill values (missing) -> NaN
        return np.ma.filled(np.ma.asarray(variable[:], dtype=np.float64), np.nan)

    with netCDF4.Dataset(path) as attributes:
        file_basins = [str(basin) for basin in attributes["basin"][:].tolist()]
        file_names = [str(name) for name in attributes["attribute"][:].tolist()]
        row_of = {basin: row for row, basin in enumerate(file_basins)}
        column_of = {name: column for column, name in enumerate(file_names)}
        missing_basins = sorted(set(basins) - set(row_of))
        missing_names = sorted(set(names) - set(column_of))
        if missing_basins or missing_names:
            raise KeyError(
                f"{path}: missing basin(s) {missing_basins} / attribute(s) {missing_names}"
            )
        rows = [row_of[basin] for basin in basins]
        columns = [column_of[name] for name in names]
        dimensions = attributes["normalised"].dimensions
        table = values(attributes["normalised"])
        mean = values(attributes["mean"])[columns]
        std = values(attributes["std"])[columns]
    if dimensions == ("attribute", "basin"):
        table = table.T
    normalised = table[np.ix_(rows, columns)].astype(np.float32)
    bad = ~np.isfinite(normalised)
    if bad.any():
        bad_rows, bad_columns = np.nonzero(bad)
        pairs = [f"{basins[r]}:{names[c]}" for r, c in zip(bad_rows, bad_columns, strict=True)]
        raise ValueError(f"{path}: non-finite normalised attribute values for {pairs[:10]}")
    return StaticAttributes(tuple(names), normalised, mean, std)
