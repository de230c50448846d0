"""The prediction file format: per-model files and their aggregate over seed members.

File layout (see docs/pipeline.md):

- per model: ``results/<experiment>/<basin>/seed<seed>/predictions_<period>.nc`` (per-basin
  experiments) or ``results/<experiment>/seed<seed>/predictions_<period>.nc`` (regional); dims
  basin × date, float32 ``streamflow_obs_mm_per_day`` and ``streamflow_sim_mm_per_day``; attributes
  ``experiment`` and ``seed``. :func:`prediction_dataset` builds it in memory (``predict``);
  :func:`camels_lstm.evaluation.prediction_file.write_prediction_file` writes it (production
  jobs and the tests' synthetic files alike).
- aggregate: ``results/<experiment>/predictions_<period>.nc``; ``streamflow_sim_mm_per_day`` on
  member × basin × date (members ``seed<k>`` and ``ensemble``, the mean over seeds),
  ``streamflow_obs_mm_per_day`` on basin × date.

Metric tables and the summary are in :mod:`camels_lstm.evaluation.tables`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import netCDF4
import numpy as np
import pandas as pd
import xarray as xr

from camels_lstm.evaluation.prediction_file import OBS, SIM

ENSEMBLE = "ensemble"


class PredictionError(ValueError):
    """A per-model prediction file is missing or inconsistent; the message names it."""


def prediction_dataset(
    basins: Sequence[str],
    dates: np.ndarray,
    obs: np.ndarray,
    sim: np.ndarray,
    *,
    experiment: str,
    seed: int,
) -> xr.Dataset:
    """A per-model prediction dataset in the contract's layout (basin × date, float32, mm/day),
    of the model of ``experiment`` trained with ``seed``."""
    units = {"units": "mm/day"}
    return xr.Dataset(
        {
            OBS: (
                ("basin", "date"),
                np.asarray(obs, np.float32),
                {**units, "long_name": "observed"},
            ),
            SIM: (
                ("basin", "date"),
                np.asarray(sim, np.float32),
                {**units, "long_name": "simulated"},
            ),
        },
        coords={
            "basin": [str(basin) for basin in basins],
            "date": np.asarray(dates, dtype="datetime64[ns]"),
        },
        attrs={"experiment": str(experiment), "seed": int(seed)},
    )


_TIME_UNITS = {"days": "D", "hours": "h", "minutes": "m", "seconds": "s"}


def _decode_dates(variable: netCDF4.Variable, path: Path) -> np.ndarray:
    """CF time values (``<unit> since <date>``, Gregorian calendars) as datetime64[D]."""
    unit, _, reference = str(getattr(variable, "units", "")).partition(" since ")
    calendar = getattr(variable, "calendar", "standard")
    if unit not in _TIME_UNITS or calendar not in ("standard", "gregorian", "proleptic_gregorian"):
        raise PredictionError(f"{path}: cannot decode date units {variable.units!r} ({calendar})")
    offsets = np.asarray(variable[:], dtype=np.int64).astype(f"timedelta64[{_TIME_UNITS[unit]}]")
    return (np.datetime64(pd.Timestamp(reference).to_datetime64()) + offsets).astype(
        "datetime64[D]"
    )


def _read_prediction_file(path: Path) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Basins, dates (datetime64[D]), obs and sim (float32, basin × date) of one file."""
    try:
        with netCDF4.Dataset(path) as dataset:
            for name in (OBS, SIM, "basin", "date"):
                if name not in dataset.variables:
                    raise PredictionError(f"{path}: variable {name!r} missing")
            for name in (OBS, SIM):
                if dataset.variables[name].dimensions != ("basin", "date"):
                    raise PredictionError(
                        f"{path}: {name} has dims {dataset.variables[name].dimensions}, "
                        "expected ('basin', 'date')"
                    )
            dataset.set_auto_mask(False)
            basins = [
                b.decode() if isinstance(b, bytes) else str(b)
                for b in np.atleast_1d(dataset.variables["basin"][:])
            ]
            dates = _decode_dates(dataset.variables["date"], path)
            obs = np.asarray(dataset.variables[OBS][:], dtype=np.float32)
            sim = np.asarray(dataset.variables[SIM][:], dtype=np.float32)
    except FileNotFoundError:
        raise PredictionError(f"prediction file {path} does not exist") from None
    except OSError as error:
        raise PredictionError(f"{path}: cannot read netCDF ({error})") from None
    return basins, dates, obs, sim


def _check_all_exist(paths_by_member: Mapping[str, Sequence[Path]]) -> None:
    missing = [str(p) for paths in paths_by_member.values() for p in paths if not Path(p).is_file()]
    if missing:
        listed = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        raise PredictionError(f"missing prediction file(s): {listed}")


def aggregate_predictions(paths_by_member: Mapping[str, Sequence[str | Path]]) -> xr.Dataset:
    """Stack the per-model predictions into one dataset with an ``ensemble`` member.

    ``paths_by_member`` maps member names (``seed0``, …) to their files; the files of a member
    together hold each basin once. All members must cover the same basins and dates, and agree on
    the observations.

    Raises
    ------
    PredictionError
        Naming the file that is missing, unreadable or inconsistent.
    """
    paths_by_member = {m: [Path(p) for p in paths] for m, paths in paths_by_member.items()}
    if not paths_by_member:
        raise PredictionError("no prediction members given")
    _check_all_exist(paths_by_member)
    basins: list[str] | None = None
    dates: np.ndarray | None = None
    obs: np.ndarray | None = None
    sims: list[np.ndarray] = []
    for member, paths in paths_by_member.items():
        member_basins: list[str] = []
        member_obs, member_sim = [], []
        for path in paths:
            file_basins, file_dates, file_obs, file_sim = _read_prediction_file(path)
            if dates is None:
                dates = file_dates
            elif not np.array_equal(file_dates, dates):
                raise PredictionError(
                    f"{path}: dates {file_dates[0]}..{file_dates[-1]} "
                    f"({file_dates.size} days) differ "
                    f"from {paths_by_member[next(iter(paths_by_member))][0]} "
                    f"({dates[0]}..{dates[-1]}, {dates.size} days)"
                )
            member_basins += file_basins
            member_obs.append(file_obs)
            member_sim.append(file_sim)
        order = np.argsort(member_basins, kind="stable")
        sorted_basins = [member_basins[i] for i in order]
        if len(set(sorted_basins)) != len(sorted_basins):
            raise PredictionError(f"member {member}: a basin appears twice in {paths}")
        stacked_obs = np.concatenate(member_obs)[order]
        if basins is None:
            basins, obs = sorted_basins, stacked_obs
        elif sorted_basins != basins:
            extra = sorted(set(sorted_basins) ^ set(basins))
            raise PredictionError(
                f"member {member} ({paths[0]}, …): basins {extra} not in all members"
            )
        elif not np.array_equal(stacked_obs, obs, equal_nan=True):
            raise PredictionError(f"member {member} ({paths[0]}, …): observed streamflow differs")
        sims.append(np.concatenate(member_sim)[order])
    members = [*paths_by_member, ENSEMBLE]
    simulated = np.stack([*sims, np.mean(sims, axis=0, dtype=np.float64).astype(np.float32)])
    units = {"units": "mm/day"}
    return xr.Dataset(
        {
            SIM: (
                ("member", "basin", "date"),
                simulated,
                {**units, "long_name": "simulated streamflow"},
            ),
            OBS: (("basin", "date"), obs, {**units, "long_name": "observed streamflow"}),
        },
        coords={"member": members, "basin": basins, "date": dates.astype("datetime64[ns]")},
        attrs={"ensemble": "arithmetic mean of the seed members' simulated streamflow"},
    )
