"""The forcing of conceptual models, read from the zarr store: per basin the daily
precipitation, mean temperature and PET over the basin's record, and its observed streamflow.

A basin's record is the span of days on which every forcing variable the model and PET method
need is present; a missing day inside it stops with an error naming basin, variable and dates
(a GR model's stores cannot step over a gap, and filling one would invent water).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import zarr

from camels_lstm.conceptual.model_types import CellGeometry, ModelForcing
from camels_lstm.conceptual.pet import PET_INPUTS, DaymetDays, potential_evapotranspiration
from camels_lstm.conceptual.shyft_models import (
    SHYFT_FORCING,
    daily_mean_radiation_w_per_m2,
    relative_humidity,
)
from camels_lstm.conceptual.snow import mean_annual_snowfall_mm
from camels_lstm.data.store_reader import load_timeseries

STREAMFLOW = "streamflow_mm_per_day"
MODEL_INPUTS = ("prcp", "tmax", "tmin")


class ConceptualInputError(ValueError):
    """Forcing or observations that a conceptual model cannot run or be scored on; the message
    names the basin, variable and dates."""


@dataclass(frozen=True)
class BasinForcing:
    """One basin's model forcing over its record (``first``..``last`` of the store's dates)."""

    basin: str
    store_dates: np.ndarray  # datetime64[D]: the store's whole date axis
    first: int  # index of the record's first day in store_dates
    forcing: ModelForcing  # the record's days
    observed_streamflow_mm_per_day: np.ndarray  # the record's days, NaN where not observed

    @property
    def dates(self) -> np.ndarray:
        return self.store_dates[self.first : self.first + self.forcing.prcp_mm_per_day.size]

    def index_of(self, date: str) -> int:
        """Position of ``date`` (ISO) within the record; raises naming the basin if outside."""
        position = int(np.searchsorted(self.dates, np.datetime64(date, "D")))
        if position >= self.dates.size or self.dates[position] != np.datetime64(date, "D"):
            raise ConceptualInputError(
                f"basin {self.basin}: {date} is outside its forcing record "
                f"({self.dates[0]}..{self.dates[-1]})"
            )
        return position


def _basin_coordinate(group: zarr.Group, name: str, rows: np.ndarray) -> np.ndarray:
    return np.asarray(group[name][:], dtype=np.float64)[rows]


def _record_span(basin: str, series: Mapping[str, np.ndarray]) -> tuple[int, int]:
    """First and one-past-last day on which all ``series`` are finite; refuses inner gaps."""
    complete = np.logical_and.reduce([np.isfinite(values) for values in series.values()])
    days = np.flatnonzero(complete)
    if days.size == 0:
        raise ConceptualInputError(f"basin {basin}: no day with all of {sorted(series)} present")
    first, last = int(days[0]), int(days[-1]) + 1
    for name, values in series.items():
        gaps = np.flatnonzero(~np.isfinite(values[first:last]))
        if gaps.size:
            raise ConceptualInputError(
                f"basin {basin}: forcing variable {name!r} is missing on {gaps.size} day(s) "
                f"inside its record (first at day {first + int(gaps[0])} of the store); a "
                "conceptual model cannot step over a gap (check results/data/data_quality.csv)"
            )
    return first, last


def load_basin_forcings(
    store_path: str | Path,
    basins: Sequence[str],
    pet_method: str,
    snow_period: Mapping[str, str],
    shyft_forcing: bool = False,
) -> list[BasinForcing]:
    """The forcing of ``basins`` over their records, PET by ``pet_method``; the snow routine's
    pack scale (mean annual snowfall) from ``snow_period`` ({start, end}: the training period,
    so no other period's data enters the model). ``shyft_forcing``: also the radiation and
    humidity that Shyft's stacks read (:mod:`camels_lstm.conceptual.shyft_models`)."""
    extra = SHYFT_FORCING if shyft_forcing else ()
    variables = sorted({*MODEL_INPUTS, *PET_INPUTS[pet_method], *extra})
    group = zarr.open_group(store_path, mode="r")
    store_basins = [str(b) for b in np.asarray(group["basin"][:]).tolist()]
    rows = np.array([store_basins.index(basin) for basin in basins], dtype=np.int64)
    latitudes = _basin_coordinate(group, "gauge_lat", rows)
    elevations = _basin_coordinate(group, "gauge_elevation_m", rows)
    areas = _basin_coordinate(group, "area_m2", rows)
    arrays = load_timeseries(
        store_path, basins, [*variables, STREAMFLOW], "0001-01-01", "9999-12-31"
    )
    snow_start = np.datetime64(snow_period["start"], "D")
    snow_end = np.datetime64(snow_period["end"], "D")
    forcings = []
    for row, basin in enumerate(basins):
        series = {name: arrays.values[name][row].astype(np.float64) for name in variables}
        first, last = _record_span(basin, series)
        record = {name: values[first:last] for name, values in series.items()}
        dates = arrays.dates[first:last]
        days = DaymetDays(
            dates=dates,
            tmax_degc=record["tmax"],
            tmin_degc=record["tmin"],
            srad_w_per_m2=record.get("srad", np.full(dates.size, np.nan)),
            dayl_s=record.get("dayl", np.full(dates.size, np.nan)),
            vp_pa=record.get("vp", np.full(dates.size, np.nan)),
            latitude_deg=float(latitudes[row]),
            elevation_m=float(elevations[row]),
        )
        pet = potential_evapotranspiration(pet_method, days)
        if not np.isfinite(pet).all():
            raise ConceptualInputError(
                f"basin {basin}: PET ({pet_method}) is not finite on "
                f"{int((~np.isfinite(pet)).sum())} day(s); check its latitude "
                f"({latitudes[row]}) and elevation ({elevations[row]}) in the store"
            )
        in_snow_period = (dates >= snow_start) & (dates <= snow_end)
        shyft = {}
        if shyft_forcing:
            shyft = {
                "radiation_w_per_m2": daily_mean_radiation_w_per_m2(record["srad"], record["dayl"]),
                "relative_humidity": relative_humidity(
                    record["vp"], record["tmax"], record["tmin"]
                ),
            }
        forcings.append(
            BasinForcing(
                basin=basin,
                store_dates=arrays.dates,
                first=first,
                forcing=ModelForcing(
                    prcp_mm_per_day=record["prcp"],
                    tmean_degc=days.tmean_degc,
                    pet_mm_per_day=pet,
                    mean_annual_snowfall_mm=mean_annual_snowfall_mm(
                        record["prcp"][in_snow_period], days.tmean_degc[in_snow_period]
                    ),
                    start_date=dates[0],
                    cell=CellGeometry(float(areas[row]), float(elevations[row])),
                    **shyft,
                ),
                observed_streamflow_mm_per_day=arrays.values[STREAMFLOW][row][first:last].astype(
                    np.float64
                ),
            )
        )
    return forcings
