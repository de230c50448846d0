"""The writer of per-model prediction files (layout: :mod:`camels_lstm.evaluation.predictions`).

It uses netCDF4 and NumPy only: a per-basin training job writes its two prediction files without
importing xarray and pandas (about a second of start-up per job on a small CPU, issue 16). The
file is what :func:`camels_lstm.evaluation.predictions.prediction_dataset` holds, encoded as
xarray encodes it (tested): dims basin × date, ``basin`` strings, ``date`` as days since
1970-01-01 (proleptic Gregorian), float32 series with NaN fill values, attributes ``experiment``
and ``seed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import netCDF4
import numpy as np

from camels_lstm.atomic_output import atomic_path

OBS = "streamflow_obs_mm_per_day"
SIM = "streamflow_sim_mm_per_day"
DATE_UNITS = "days since 1970-01-01"
CALENDAR = "proleptic_gregorian"


def write_prediction_file(
    path: str | Path,
    basins: Sequence[str],
    dates: np.ndarray,
    obs: np.ndarray,
    sim: np.ndarray,
    *,
    experiment: str,
    seed: int,
) -> None:
    """Write the per-model prediction file of ``experiment``'s model trained with ``seed``:
    observed and simulated streamflow (mm/day) on basin × date, atomically."""
    days = np.asarray(dates, dtype="datetime64[D]").astype(np.int64)
    series = {
        OBS: (np.asarray(obs, np.float32), "observed"),
        SIM: (np.asarray(sim, np.float32), "simulated"),
    }
    for name, (values, _) in series.items():
        if values.shape != (len(basins), days.size):
            raise ValueError(
                f"{path}: {name} has shape {values.shape}, not (basins, dates) = "
                f"({len(basins)}, {days.size})"
            )
    with (
        atomic_path(path) as temporary,
        netCDF4.Dataset(temporary, "w", format="NETCDF4") as dataset,
    ):
        dataset.createDimension("basin", len(basins))
        dataset.createDimension("date", days.size)
        for name, (values, long_name) in series.items():
            variable = dataset.createVariable(
                name, "f4", ("basin", "date"), fill_value=np.float32(np.nan)
            )
            variable.units = "mm/day"
            variable.long_name = long_name
            variable[:] = values
        basin = dataset.createVariable("basin", str, ("basin",))
        basin[:] = np.asarray([str(one) for one in basins], dtype=object)
        date = dataset.createVariable("date", "i8", ("date",))
        date.units = DATE_UNITS
        date.calendar = CALENDAR
        date[:] = days
        dataset.setncattr("experiment", str(experiment))
        dataset.setncattr("seed", np.int64(seed))
