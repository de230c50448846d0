"""Each metric against a value computed by hand on a tiny series, plus the edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from camels_lstm.evaluation import metrics

NAN = np.nan
OBS = np.array([1.0, 2.0, 3.0, 4.0, 5.0])  # mean 3, Σ(o − 3)² = 10, σ (ddof 0) = √2


def test_nse_hand_computed() -> None:
    # sim = obs + 1: Σ(s − o)² = 5 → NSE = 1 − 5/10 = 0.5
    assert metrics.nse(OBS, OBS + 1) == pytest.approx(0.5)
    # sim = [2, 1, 4, 3, 5]: errors [1, −1, 1, −1, 0] → Σ = 4 → NSE = 1 − 4/10 = 0.6
    assert metrics.nse(OBS, np.array([2.0, 1, 4, 3, 5])) == pytest.approx(0.6)


def test_nse_uses_only_days_where_both_are_finite() -> None:
    # Dropping day 2 (obs NaN) and day 4 (sim NaN) leaves obs 1..5, sim [2, 1, 4, 3, 5]: 0.6
    obs = np.array([1.0, NAN, 2, 7, 3, 4, 5])
    sim = np.array([2.0, 9, 1, NAN, 4, 3, 5])
    assert metrics.nse(obs, sim) == pytest.approx(0.6)


def test_kge_components_hand_computed() -> None:
    # sim = [2, 1, 4, 3, 5]: deviations sim [−1, −2, 1, 0, 2], obs [−2, −1, 0, 1, 2];
    # Σ products 8, Σ squares 10 each → r = 0.8; α = 1; β = 3/3 = 1 → KGE = 1 − 0.2 = 0.8
    result = metrics.kge_components(OBS, np.array([2.0, 1, 4, 3, 5]))
    assert result["kge_r"] == pytest.approx(0.8)
    assert result["kge_alpha"] == pytest.approx(1.0)
    assert result["kge_beta"] == pytest.approx(1.0)
    assert result["kge"] == pytest.approx(0.8)
    # sim = 2 obs: r = 1, α = 2, β = 2 → KGE = 1 − √(0 + 1 + 1) = 1 − √2
    doubled = metrics.kge_components(OBS, 2 * OBS)
    assert doubled["kge"] == pytest.approx(1 - math.sqrt(2))
    assert (doubled["kge_alpha"], doubled["kge_beta"]) == pytest.approx((2.0, 2.0))


def test_alpha_and_beta_nse_hand_computed() -> None:
    # sim = 2 obs: σ_sim/σ_obs = 2; (μ_sim − μ_obs)/σ_obs = (6 − 3)/√2 = 2.1213
    assert metrics.alpha_nse(OBS, 2 * OBS) == pytest.approx(2.0)
    assert metrics.beta_nse(OBS, 2 * OBS) == pytest.approx(3 / math.sqrt(2))
    # sim = obs + 1: α = 1, β-NSE = 1/√2
    assert metrics.alpha_nse(OBS, OBS + 1) == pytest.approx(1.0)
    assert metrics.beta_nse(OBS, OBS + 1) == pytest.approx(1 / math.sqrt(2))


def test_fhv_hand_computed_and_sorted_independently() -> None:
    # n = 100 → top round(0.02·100) = 2 flows. obs 1..100: 100 + 99 = 199;
    # sim = 1.1 obs: 110 + 108.9 = 218.9 → FHV = 100 · 19.9/199 = 10 %
    obs = np.arange(1.0, 101.0)
    assert metrics.fhv(obs, 1.1 * obs) == pytest.approx(10.0)
    # The FDC ignores timing: the reversed simulation has the same FHV.
    assert metrics.fhv(obs, 1.1 * obs[::-1]) == pytest.approx(10.0)


def test_flv_hand_computed() -> None:
    # n = 10 → lowest round(0.3·10) = 3 flows. obs 1..10 → 1, 2, 3: Σ(log − log 1) = ln 6;
    # sim = obs² → 1, 4, 9: 2 ln 6 → FLV = −100 (2 ln 6 − ln 6)/ln 6 = −100 %
    obs = np.arange(1.0, 11.0)
    assert metrics.flv(obs, obs**2) == pytest.approx(-100.0)


def test_flv_zero_flows_use_the_documented_floor() -> None:
    # Lowest 3 obs 0, 1, 1: 0 → 1e-6, so Σ(log O − log O_min) = 2 · 13.8155 = 27.631.
    # Lowest 3 sim 1e-3, 1, 1: Σ = 2 · 6.9078 = 13.8155 → FLV = −100 (13.8155 − 27.631)/27.631 = 50
    assert metrics.LOG_FLOW_FLOOR_MM_PER_DAY == 1e-6
    obs = np.array([0.0, 1, 1, 5, 6, 7, 8, 9, 10, 11])
    sim = np.array([1e-3, 1, 1, 5, 6, 7, 8, 9, 10, 11])
    assert metrics.flv(obs, sim) == pytest.approx(50.0)


def test_fms_hand_computed() -> None:
    # obs 1..11: flow exceeded 20 % of the time = quantile 0.8 = 9, 70 % → quantile 0.3 = 4;
    # slope ln 9 − ln 4 = ln 2.25. sim = obs²: 81, 16 → 2 ln 2.25 → FMS = 100 (2 − 1)/1 = 100 %
    obs = np.arange(1.0, 12.0)
    assert metrics.fms(obs, obs**2) == pytest.approx(100.0)
    assert metrics.fms(obs, obs) == pytest.approx(0.0)


def _peak_series() -> tuple[np.ndarray, np.ndarray]:
    # 20 days of baseflow 1; obs peaks 10 on day 5 and 8 on day 14; a bump of 1.5 on day 9.
    # σ_obs = 2.415 (mean 1.825), so the bump (prominence 0.5) is no peak; the others are.
    obs = np.ones(20)
    obs[5], obs[14], obs[9] = 10.0, 8.0, 1.5
    # sim peaks 2 days late for the first peak, on time for the second, and has a larger
    # value on day 18, outside the ±3-day window of day 14.
    sim = np.ones(20)
    sim[7], sim[14], sim[18] = 9.0, 6.0, 20.0
    return obs, sim


def test_observed_peaks_prominence_and_distance() -> None:
    obs, _ = _peak_series()
    assert metrics.observed_peaks(obs, min_distance_days=5).tolist() == [5, 14]
    # 9 days apart: with a 10-day minimum distance only the higher peak stays.
    assert metrics.observed_peaks(obs, min_distance_days=10).tolist() == [5]


def test_peak_timing_hand_computed() -> None:
    obs, sim = _peak_series()
    # offsets |7 − 5| = 2 and |14 − 14| = 0 → mean 1 day
    assert metrics.peak_timing(obs, sim, window_days=3, min_distance_days=5) == pytest.approx(1.0)
    assert metrics.peak_timing(obs, sim, window_days=3, min_distance_days=10) == pytest.approx(2.0)


def test_peak_timing_skips_nan_days_in_the_simulation() -> None:
    obs, sim = _peak_series()
    sim[7] = NAN  # the late simulated peak is gone: the window max is the baseflow at day 2
    assert metrics.peak_timing(obs, sim, min_distance_days=5) == pytest.approx((3 + 0) / 2)


def test_constant_observations_give_nan_with_a_reason() -> None:
    obs = np.full(10, 2.0)
    sim = np.linspace(1, 3, 10)
    reason = metrics.undefined_reason(obs, sim)
    assert reason is not None and "constant observed streamflow" in reason
    result = metrics.evaluate_series(obs, sim)
    for name in ("nse", "kge", "kge_r", "kge_alpha", "alpha_nse", "beta_nse", "flv", "fms"):
        assert math.isnan(result[name]), name
    assert math.isnan(result["peak_timing"])  # no peak in a flat series


def test_all_nan_gives_nan_everywhere() -> None:
    obs = np.full(10, NAN)
    sim = np.arange(10.0)
    assert (
        metrics.undefined_reason(obs, sim) == "no day with both observed and simulated streamflow"
    )
    result = metrics.evaluate_series(obs, sim)
    assert list(result) == list(metrics.METRIC_NAMES)
    assert all(math.isnan(value) for value in result.values())


def test_perfect_simulation() -> None:
    obs = np.abs(np.sin(np.arange(400) / 20.0)) * 5 + 0.1
    result = metrics.evaluate_series(obs, obs.copy())
    assert result["nse"] == pytest.approx(1.0)
    assert result["kge"] == pytest.approx(1.0)
    for name in ("fhv", "flv", "fms", "beta_nse", "peak_timing"):
        assert result[name] == pytest.approx(0.0, abs=1e-9), name


def test_mismatched_lengths_are_rejected() -> None:
    with pytest.raises(ValueError, match="equal in length"):
        metrics.nse(np.ones(3), np.ones(4))
