"""Potential evapotranspiration (mm/day) from the Daymet inputs of one basin, with ``pyet``.

Registry :data:`PET_METHODS` (config key ``experiments.<name>.pet``):

- ``priestley_taylor``: Priestley & Taylor (1972), alpha 1.26, net radiation from Daymet's
  shortwave radiation (``srad`` x ``dayl``), ``tmax``/``tmin``, vapour pressure (``vp``), the
  gauge latitude and elevation (FAO-56 net long-wave radiation, albedo 0.23); the method the
  CAMELS benchmark models were run with (Newman et al., 2015);
- ``oudin``: Oudin et al. (2005), from mean temperature and extraterrestrial radiation only,
  the formula GR models were developed with;
- ``hargreaves``: Hargreaves & Samani (1985), from ``tmax``/``tmin`` and latitude.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class DaymetDays:
    """One basin's daily Daymet series (finite, same length) and its location."""

    dates: np.ndarray  # datetime64[D]
    tmax_degc: np.ndarray
    tmin_degc: np.ndarray
    srad_w_per_m2: np.ndarray  # average over the daylight hours
    dayl_s: np.ndarray
    vp_pa: np.ndarray
    latitude_deg: float
    elevation_m: float

    @property
    def tmean_degc(self) -> np.ndarray:
        return 0.5 * (self.tmax_degc + self.tmin_degc)


def _series(days: DaymetDays, values: np.ndarray) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=np.float64), index=pd.DatetimeIndex(days.dates))


def _priestley_taylor(days: DaymetDays) -> np.ndarray:
    import pyet

    tmean = _series(days, days.tmean_degc)
    shortwave_mj = _series(days, days.srad_w_per_m2 * days.dayl_s / 1e6)
    net_radiation = pyet.calc_rad_net(
        tmean,
        rs=shortwave_mj,
        lat=np.deg2rad(days.latitude_deg),
        tmax=_series(days, days.tmax_degc),
        tmin=_series(days, days.tmin_degc),
        elevation=days.elevation_m,
        ea=_series(days, np.maximum(days.vp_pa, 0.0) / 1000.0),
    )
    pet = pyet.priestley_taylor(tmean, rn=net_radiation, elevation=days.elevation_m)
    return np.asarray(pet, dtype=np.float64)


def _oudin(days: DaymetDays) -> np.ndarray:
    import pyet

    pet = pyet.oudin(_series(days, days.tmean_degc), lat=np.deg2rad(days.latitude_deg))
    return np.asarray(pet, dtype=np.float64)


def _hargreaves(days: DaymetDays) -> np.ndarray:
    import pyet

    pet = pyet.hargreaves(
        _series(days, days.tmean_degc),
        _series(days, days.tmax_degc),
        _series(days, days.tmin_degc),
        lat=np.deg2rad(days.latitude_deg),
    )
    return np.asarray(pet, dtype=np.float64)


PET_METHODS: Mapping[str, Callable[[DaymetDays], np.ndarray]] = {
    "priestley_taylor": _priestley_taylor,
    "oudin": _oudin,
    "hargreaves": _hargreaves,
}
# The Daymet variables each method reads (besides latitude and elevation).
PET_INPUTS: Mapping[str, tuple[str, ...]] = {
    "priestley_taylor": ("tmax", "tmin", "srad", "dayl", "vp"),
    "oudin": ("tmax", "tmin"),
    "hargreaves": ("tmax", "tmin"),
}


def potential_evapotranspiration(method: str, days: DaymetDays) -> np.ndarray:
    """PET (mm/day, not negative) of ``method`` (:data:`PET_METHODS`)."""
    if method not in PET_METHODS:
        raise KeyError(f"unknown PET method {method!r}; valid: {sorted(PET_METHODS)}")
    return np.maximum(PET_METHODS[method](days), 0.0)
