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


def forcing_variables(pet_method: str, shyft_forcing: bool = False) -> list[str]:
    """The store (and CAMELS forcing file) variables a model run with ``pet_method`` reads."""
    extra = SHYFT_FORCING if shyft_forcing else ()
    return sorted({*MODEL_INPUTS, *PET_INPUTS[pet_method], *extra})


@dataclass(frozen=True)
class BasinSite:
    """Where a basin's lumped cell is: gauge latitude and elevation (forcing file header) and
    the basin area of the streamflow conversion (m²)."""

    latitude_deg: float
    elevation_m: float
    area_m2: float


def basin_forcing(
    basin: str,
    dates: np.ndarray,
    series: Mapping[str, np.ndarray],
    site: BasinSite,
    pet_method: str,
    snow_period: Mapping[str, str],
    shyft_forcing: bool,
    observed_streamflow_mm_per_day: np.ndarray,
) -> BasinForcing:
    """One basin's model forcing from its daily ``series`` (float64 on ``dates``; NaN outside
    its record), as :func:`load_basin_forcings` builds it from the store and a model package
    from the CAMELS files (:mod:`camels_lstm.packages.conceptual_inputs`)."""
    first, last = _record_span(basin, series)
    record = {name: values[first:last] for name, values in series.items()}
    record_dates = dates[first:last]
    days = DaymetDays(
        dates=record_dates,
        tmax_degc=record["tmax"],
        tmin_degc=record["tmin"],
        srad_w_per_m2=record.get("srad", np.full(record_dates.size, np.nan)),
        dayl_s=record.get("dayl", np.full(record_dates.size, np.nan)),
        vp_pa=record.get("vp", np.full(record_dates.size, np.nan)),
        latitude_deg=site.latitude_deg,
        elevation_m=site.elevation_m,
    )
    pet = potential_evapotranspiration(pet_method, days)
    if not np.isfinite(pet).all():
        raise ConceptualInputError(
            f"basin {basin}: PET ({pet_method}) is not finite on "
            f"{int((~np.isfinite(pet)).sum())} day(s); check its latitude "
            f"({site.latitude_deg}) and elevation ({site.elevation_m})"
        )
    snow_start = np.datetime64(snow_period["start"], "D")
    snow_end = np.datetime64(snow_period["end"], "D")
    in_snow_period = (record_dates >= snow_start) & (record_dates <= snow_end)
    shyft = {}
    if shyft_forcing:
        shyft = {
            "radiation_w_per_m2": daily_mean_radiation_w_per_m2(record["srad"], record["dayl"]),
            "relative_humidity": relative_humidity(record["vp"], record["tmax"], record["tmin"]),
        }
    return BasinForcing(
        basin=basin,
        store_dates=dates,
        first=first,
        forcing=ModelForcing(
            prcp_mm_per_day=record["prcp"],
            tmean_degc=days.tmean_degc,
            pet_mm_per_day=pet,
            mean_annual_snowfall_mm=mean_annual_snowfall_mm(
                record["prcp"][in_snow_period], days.tmean_degc[in_snow_period]
            ),
            start_date=record_dates[0],
            cell=CellGeometry(site.area_m2, site.elevation_m),
            **shyft,
        ),
        observed_streamflow_mm_per_day=np.asarray(
            observed_streamflow_mm_per_day[first:last], dtype=np.float64
        ),
    )


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
    variables = forcing_variables(pet_method, shyft_forcing)
    group = zarr.open_group(store_path, mode="r")
    store_basins = [str(b) for b in np.asarray(group["basin"][:]).tolist()]
    rows = np.array([store_basins.index(basin) for basin in basins], dtype=np.int64)
    latitudes = _basin_coordinate(group, "gauge_lat", rows)
    elevations = _basin_coordinate(group, "gauge_elevation_m", rows)
    areas = _basin_coordinate(group, "area_m2", rows)
    arrays = load_timeseries(
        store_path, basins, [*variables, STREAMFLOW], "0001-01-01", "9999-12-31"
    )
    return [
        basin_forcing(
            basin,
            arrays.dates,
            {name: arrays.values[name][row].astype(np.float64) for name in variables},
            BasinSite(float(latitudes[row]), float(elevations[row]), float(areas[row])),
            pet_method,
            snow_period,
            shyft_forcing,
            arrays.values[STREAMFLOW][row],
        )
        for row, basin in enumerate(basins)
    ]
