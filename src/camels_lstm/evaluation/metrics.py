"""Hydrological performance metrics of one simulated daily streamflow series.

Every metric takes ``obs`` and ``sim`` (same length, mm/day, daily steps) and uses only the days on
which both are finite. A metric that is undefined for the data (constant observations, no peaks,
no common days) is NaN; :func:`undefined_reason` says why in words.

Definitions
-----------
- NSE: Nash & Sutcliffe (1970).
- KGE and its components r, α = σ_sim/σ_obs, β = μ_sim/μ_obs: Gupta et al. (2009).
- α-NSE = σ_sim/σ_obs and β-NSE = (μ_sim − μ_obs)/σ_obs: Kratzert et al. (2019, HESS), after the
  NSE decomposition of Gupta et al. (2009). Standard deviations use ``ddof=0``.
- FHV, FLV, FMS: flow-duration-curve signatures of Yilmaz et al. (2008), in percent bias. Obs and
  sim are sorted independently. FHV: the highest 2 % of flows; FLV: the lowest 30 %, log flows
  relative to the minimum; FMS: slope of the log FDC between exceedance probabilities 0.2 and 0.7.
  Before any logarithm, flows below :data:`LOG_FLOW_FLOOR_MM_PER_DAY` (zero flows and negative
  simulations) are raised to it.
- Peak timing: after Kratzert et al. (2021): observed peaks are local maxima at least
  ``min_distance_days`` apart (higher peaks win) whose topographic prominence is at least the
  observed standard deviation; for each, the simulated maximum within ± ``window_days`` is found
  and the absolute offset in days averaged.
"""

from __future__ import annotations

import numpy as np

LOG_FLOW_FLOOR_MM_PER_DAY = 1e-6
HIGH_FLOW_FRACTION = 0.02
LOW_FLOW_FRACTION = 0.3
MID_SEGMENT_EXCEEDANCE = (0.2, 0.7)

METRIC_NAMES = (
    "nse",
    "kge",
    "kge_r",
    "kge_alpha",
    "kge_beta",
    "alpha_nse",
    "beta_nse",
    "fhv",
    "flv",
    "fms",
    "peak_timing",
)

FloatArray = np.ndarray


def paired(obs: FloatArray, sim: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The days on which both series are finite, as float64 arrays."""
    obs = np.asarray(obs, dtype=np.float64)
    sim = np.asarray(sim, dtype=np.float64)
    if obs.shape != sim.shape or obs.ndim != 1:
        raise ValueError(
            f"obs and sim must be 1-d and equal in length, got {obs.shape}, {sim.shape}"
        )
    valid = np.isfinite(obs) & np.isfinite(sim)
    return obs[valid], sim[valid]


def undefined_reason(obs: FloatArray, sim: FloatArray) -> str | None:
    """Why the variance-based metrics cannot be computed, or None when they can."""
    obs, _ = paired(obs, sim)
    if obs.size == 0:
        return "no day with both observed and simulated streamflow"
    if obs.size < 2 or np.std(obs) == 0:
        return (
            "constant observed streamflow (standard deviation 0): NSE, KGE, α-NSE, β-NSE undefined"
        )
    return None


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator != 0 else np.nan


def nse(obs: FloatArray, sim: FloatArray) -> float:
    """1 − Σ(sim − obs)² / Σ(obs − mean obs)²."""
    obs, sim = paired(obs, sim)
    if obs.size == 0:
        return np.nan
    denominator = np.sum((obs - obs.mean()) ** 2)
    return 1.0 - _ratio(np.sum((sim - obs) ** 2), denominator)


def kge_components(obs: FloatArray, sim: FloatArray) -> dict[str, float]:
    """KGE with its components r (Pearson), α (σ ratio) and β (mean ratio)."""
    obs, sim = paired(obs, sim)
    if obs.size < 2:
        return {"kge": np.nan, "kge_r": np.nan, "kge_alpha": np.nan, "kge_beta": np.nan}
    obs_std, sim_std = np.std(obs), np.std(sim)
    covariance = np.mean((obs - obs.mean()) * (sim - sim.mean()))
    r = _ratio(covariance, obs_std * sim_std)
    alpha = _ratio(sim_std, obs_std)
    beta = _ratio(sim.mean(), obs.mean())
    kge = 1.0 - np.sqrt((r - 1.0) ** 2 + (alpha - 1.0) ** 2 + (beta - 1.0) ** 2)
    return {"kge": float(kge), "kge_r": r, "kge_alpha": alpha, "kge_beta": beta}


def alpha_nse(obs: FloatArray, sim: FloatArray) -> float:
    """σ_sim / σ_obs."""
    obs, sim = paired(obs, sim)
    return _ratio(np.std(sim), np.std(obs)) if obs.size else np.nan


def beta_nse(obs: FloatArray, sim: FloatArray) -> float:
    """(μ_sim − μ_obs) / σ_obs."""
    obs, sim = paired(obs, sim)
    return _ratio(sim.mean() - obs.mean(), np.std(obs)) if obs.size else np.nan


def _segment_size(n_days: int, fraction: float) -> int:
    return max(1, round(fraction * n_days))


def fhv(obs: FloatArray, sim: FloatArray, fraction: float = HIGH_FLOW_FRACTION) -> float:
    """Percent bias of the FDC high-flow segment: 100 Σ(S_h − O_h)/Σ O_h over the top flows.

    The segment holds ``round(fraction · n)`` (at least 1) of the largest flows of each series.
    """
    obs, sim = paired(obs, sim)
    if obs.size == 0:
        return np.nan
    size = _segment_size(obs.size, fraction)
    obs_high = np.sort(obs)[::-1][:size]
    sim_high = np.sort(sim)[::-1][:size]
    return 100.0 * _ratio(np.sum(sim_high - obs_high), np.sum(obs_high))


def _log_flows(flows: FloatArray) -> FloatArray:
    return np.log(np.maximum(flows, LOG_FLOW_FLOOR_MM_PER_DAY))


def flv(obs: FloatArray, sim: FloatArray, fraction: float = LOW_FLOW_FRACTION) -> float:
    """Percent bias of the FDC low-flow segment (Yilmaz et al. 2008, eq. A3).

    With the ``round(fraction · n)`` lowest flows of each series and their minimum Q_L:
    FLV = −100 [Σ(log S_l − log S_L) − Σ(log O_l − log O_L)] / Σ(log O_l − log O_L).
    """
    obs, sim = paired(obs, sim)
    if obs.size == 0:
        return np.nan
    size = _segment_size(obs.size, fraction)
    obs_low = _log_flows(np.sort(obs)[:size])
    sim_low = _log_flows(np.sort(sim)[:size])
    obs_area = np.sum(obs_low - obs_low[0])
    sim_area = np.sum(sim_low - sim_low[0])
    return -100.0 * _ratio(sim_area - obs_area, obs_area)


def fms(
    obs: FloatArray, sim: FloatArray, exceedance: tuple[float, float] = MID_SEGMENT_EXCEEDANCE
) -> float:
    """Percent bias of the log-FDC slope between two exceedance probabilities (default 0.2, 0.7).

    The flow exceeded with probability p is ``np.quantile(flows, 1 − p)`` (linear interpolation).
    """
    obs, sim = paired(obs, sim)
    if obs.size == 0:
        return np.nan
    quantiles = [1.0 - exceedance[0], 1.0 - exceedance[1]]
    obs_m1, obs_m2 = _log_flows(np.quantile(obs, quantiles))
    sim_m1, sim_m2 = _log_flows(np.quantile(sim, quantiles))
    obs_slope = obs_m1 - obs_m2
    return 100.0 * _ratio((sim_m1 - sim_m2) - obs_slope, obs_slope)


def _local_maxima(values: FloatArray) -> FloatArray:
    """Indices of strict local maxima; a flat top counts once, at its middle (left of two)."""
    if values.size < 3:
        return np.array([], dtype=np.int64)
    change = np.flatnonzero(np.diff(values) != 0)  # last index before each change
    if change.size < 2:
        return np.array([], dtype=np.int64)
    # Plateau runs between consecutive changes: values[change[k] + 1 .. change[k + 1]].
    start, end = change[:-1] + 1, change[1:]
    rises = values[start] > values[start - 1]
    falls = values[end + 1] < values[end]
    keep = rises & falls
    return (start[keep] + end[keep]) // 2


def _select_by_distance(heights: FloatArray, positions: FloatArray, distance: int) -> FloatArray:
    """Mask keeping the highest peaks and dropping any closer than ``distance`` to a kept one."""
    removed = np.zeros(positions.size, dtype=bool)
    for index in np.argsort(heights, kind="stable")[::-1]:
        if removed[index]:
            continue
        close = np.abs(positions - positions[index]) < distance
        close[index] = False
        removed |= close
    return ~removed


def _prominence(values: FloatArray, peak: int) -> float:
    """Height of a peak above the higher of its two bases (scipy's definition)."""
    height = values[peak]
    higher_left = np.flatnonzero(values[:peak] > height)
    left = higher_left[-1] + 1 if higher_left.size else 0
    higher_right = np.flatnonzero(values[peak + 1 :] > height)
    right = peak + 1 + higher_right[0] if higher_right.size else values.size
    base = max(values[left : peak + 1].min(), values[peak:right].min())
    return float(height - base)


def observed_peaks(
    obs: FloatArray, min_distance_days: int = 100, min_prominence: float | None = None
) -> FloatArray:
    """Day indices of the observed peaks used by :func:`peak_timing`.

    NaN days are skipped for finding maxima (neighbours across a gap count as adjacent); distance
    is measured in days. ``min_prominence`` defaults to the standard deviation of ``obs``.
    """
    obs = np.asarray(obs, dtype=np.float64)
    days = np.flatnonzero(np.isfinite(obs))
    values = obs[days]
    if values.size < 3:
        return np.array([], dtype=np.int64)
    threshold = np.std(values) if min_prominence is None else min_prominence
    candidates = _local_maxima(values)
    candidates = candidates[
        _select_by_distance(values[candidates], days[candidates], min_distance_days)
    ]
    if threshold <= 0:
        return np.array([], dtype=np.int64)
    keep = [p for p in candidates if _prominence(values, p) >= threshold]
    return days[np.asarray(keep, dtype=np.int64)]


def peak_timing(
    obs: FloatArray,
    sim: FloatArray,
    window_days: int = 3,
    min_distance_days: int = 100,
    min_prominence: float | None = None,
) -> float:
    """Mean absolute offset (days) between observed peaks and the simulated maximum near each.

    Only days on which both series are finite are used; the series must be on a complete daily
    index (missing days as NaN) so that positions are days.
    """
    obs = np.asarray(obs, dtype=np.float64)
    sim = np.asarray(sim, dtype=np.float64)
    valid = np.isfinite(obs) & np.isfinite(sim)
    obs = np.where(valid, obs, np.nan)
    sim = np.where(valid, sim, -np.inf)
    peaks = observed_peaks(obs, min_distance_days, min_prominence)
    if peaks.size == 0:
        return np.nan
    offsets = []
    for peak in peaks:
        low, high = max(0, peak - window_days), min(obs.size, peak + window_days + 1)
        offsets.append(abs(low + int(np.argmax(sim[low:high])) - peak))
    return float(np.mean(offsets))


def evaluate_series(obs: FloatArray, sim: FloatArray) -> dict[str, float]:
    """All metrics of :data:`METRIC_NAMES` for one series pair."""
    result = {"nse": nse(obs, sim)}
    result.update(kge_components(obs, sim))
    result["alpha_nse"] = alpha_nse(obs, sim)
    result["beta_nse"] = beta_nse(obs, sim)
    result["fhv"] = fhv(obs, sim)
    result["flv"] = flv(obs, sim)
    result["fms"] = fms(obs, sim)
    result["peak_timing"] = peak_timing(obs, sim)
    return {name: float(result[name]) for name in METRIC_NAMES}
