"""What every conceptual model of the registry shares: its parameters with calibration bounds,
and the forcing one run reads. Imports nothing model-specific, so the registry, the forcing
loader and the calibration import in either environment (the workflow's and Shyft's,
:mod:`camels_lstm.conceptual.shyft_env`)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class Parameter:
    name: str
    low: float
    high: float
    units: str
    description: str
    log: bool = False


def parameter_space(parameters: tuple[Parameter, ...]) -> list[dict[str, object]]:
    """What a calibration searches: each parameter's name, bounds and scale, in the model's
    order. Part of a calibration job's params, so that changed bounds rerun the calibrations
    made with the old ones instead of leaving them standing."""
    return [
        {"name": one.name, "low": float(one.low), "high": float(one.high), "log": one.log}
        for one in parameters
    ]


@dataclass(frozen=True)
class CellGeometry:
    """Where a basin sits, for models that need it (Shyft): area and elevation of the store."""

    area_m2: float
    elevation_m: float


@dataclass(frozen=True)
class ModelForcing:
    """What a model run reads: finite daily series of one basin (float64, same length). The
    GR models read precipitation, mean temperature, PET and the snowfall scale; Shyft also the
    radiation, humidity, first date and cell (None where the loader was not asked for them)."""

    prcp_mm_per_day: np.ndarray
    tmean_degc: np.ndarray
    pet_mm_per_day: np.ndarray
    mean_annual_snowfall_mm: float
    radiation_w_per_m2: np.ndarray | None = None  # 24-hour mean global radiation
    relative_humidity: np.ndarray | None = None  # fraction
    start_date: np.datetime64 | None = None  # the first day's date
    cell: CellGeometry | None = None

    def days(self, first: int, last: int | None = None) -> ModelForcing:
        """The days ``first`` to ``last`` (exclusive) of this forcing."""
        chosen = slice(first, last)

        def cut(values: np.ndarray | None) -> np.ndarray | None:
            return None if values is None else values[chosen]

        start = None
        if self.start_date is not None:
            start = self.start_date + np.timedelta64(
                range(self.prcp_mm_per_day.size)[chosen].start, "D"
            )
        return replace(
            self,
            prcp_mm_per_day=self.prcp_mm_per_day[chosen],
            tmean_degc=self.tmean_degc[chosen],
            pet_mm_per_day=self.pet_mm_per_day[chosen],
            radiation_w_per_m2=cut(self.radiation_w_per_m2),
            relative_humidity=cut(self.relative_humidity),
            start_date=start,
        )
