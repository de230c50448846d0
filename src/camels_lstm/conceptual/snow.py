"""A lumped CemaNeige-type degree-day snow routine (after Valéry et al., 2014, J. Hydrol. 517).

One layer per basin (CAMELS forcing is a basin mean; CemaNeige's elevation bands need
hypsometry the CAMELS files do not give). Per day, with mean air temperature ``T`` (°C):

- solid fraction of precipitation: 1 at or below -1 °C, 0 at or above 3 °C, linear between;
- thermal state of the pack: ``eTG = min(CTG * eTG + (1 - CTG) * T, 0)``;
- potential melt, only when the pack is isothermal (``eTG == 0``) and ``T > 0``:
  ``min(Kf * T, snowpack)``;
- actual melt: potential melt times ``0.9 * min(G / G_threshold, 1) + 0.1``, where
  ``G_threshold`` is 90 % of the basin's mean annual solid precipitation (thin packs melt
  slower);
- liquid water to the rainfall-runoff model: rain plus melt.

Compiled with numba (the loop over days is sequential and runs tens of thousands of times per
calibration); the compiled code is cached beside this file.
"""

from __future__ import annotations

import numpy as np
from numba import njit

RAIN_TEMPERATURE_DEGC = 3.0
SNOW_TEMPERATURE_DEGC = -1.0
MELT_TEMPERATURE_DEGC = 0.0
MIN_MELT_SPEED = 0.1
THRESHOLD_FRACTION_OF_ANNUAL_SNOW = 0.9


def solid_fraction(tmean_degc: np.ndarray) -> np.ndarray:
    """Fraction of precipitation that falls as snow, from the daily mean air temperature."""
    span = RAIN_TEMPERATURE_DEGC - SNOW_TEMPERATURE_DEGC
    return np.clip((RAIN_TEMPERATURE_DEGC - tmean_degc) / span, 0.0, 1.0)


def mean_annual_snowfall_mm(prcp_mm_per_day: np.ndarray, tmean_degc: np.ndarray) -> float:
    """Mean annual solid precipitation (mm/year) of the given days, CemaNeige's pack scale."""
    days = np.isfinite(prcp_mm_per_day) & np.isfinite(tmean_degc)
    if not days.any():
        return 0.0
    snowfall = prcp_mm_per_day[days] * solid_fraction(tmean_degc[days])
    return float(snowfall.mean() * 365.25)


@njit(cache=True)
def _run_snow(prcp, tmean, thermal_coefficient, melt_factor, threshold_mm, pack_mm, thermal):
    n_days = prcp.size
    liquid_water = np.empty(n_days)
    swe = np.empty(n_days)
    thermal_state = np.empty(n_days)
    span = RAIN_TEMPERATURE_DEGC - SNOW_TEMPERATURE_DEGC
    for day in range(n_days):
        temperature = tmean[day]
        solid = min(max((RAIN_TEMPERATURE_DEGC - temperature) / span, 0.0), 1.0) * prcp[day]
        pack_mm += solid
        thermal = min(
            thermal_coefficient * thermal + (1.0 - thermal_coefficient) * temperature, 0.0
        )
        melt = 0.0
        if thermal == 0.0 and temperature > MELT_TEMPERATURE_DEGC:
            potential = min(melt_factor * (temperature - MELT_TEMPERATURE_DEGC), pack_mm)
            ratio = min(pack_mm / threshold_mm, 1.0) if threshold_mm > 0.0 else 1.0
            melt = ((1.0 - MIN_MELT_SPEED) * ratio + MIN_MELT_SPEED) * potential
            pack_mm -= melt
        liquid_water[day] = prcp[day] - solid + melt
        swe[day] = pack_mm
        thermal_state[day] = thermal
    return liquid_water, swe, thermal_state


def run_snow(
    prcp_mm_per_day: np.ndarray,
    tmean_degc: np.ndarray,
    thermal_coefficient: float,
    melt_factor_mm_per_degc_day: float,
    mean_annual_snowfall: float,
    initial_swe_mm: float = 0.0,
    initial_thermal_state_degc: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Liquid water (rain + melt, mm/day), SWE (mm) and thermal state (°C) per day.

    ``thermal_coefficient`` (CTG, 0..1) weighs yesterday's thermal state; the melt factor
    (Kf) is in mm per °C and day. Inputs must be finite (checked by the caller).
    """
    return _run_snow(
        np.ascontiguousarray(prcp_mm_per_day, dtype=np.float64),
        np.ascontiguousarray(tmean_degc, dtype=np.float64),
        float(thermal_coefficient),
        float(melt_factor_mm_per_degc_day),
        THRESHOLD_FRACTION_OF_ANNUAL_SNOW * float(mean_annual_snowfall),
        float(initial_swe_mm),
        float(initial_thermal_state_degc),
    )
