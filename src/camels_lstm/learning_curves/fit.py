"""A saturating curve through median NSE against the number of training basins.

``median_nse(n) = a − b·n^(−c)``: ``a`` is the asymptote (the skill an unlimited number of
basins would give), ``a − b`` the value at one basin, ``c`` how fast the gain saturates. "95 % of
the asymptote" is ill-defined for an NSE near or below 0, so the size reported is the one at
which 95 % of the gain from one basin to the asymptote is reached: ``b·n^(−c) = 0.05·b``, i.e.
``n95 = 20^(1/c)``. Its spread comes from the draws (each draw fitted on its own) or, with one
draw, from a seeded residual bootstrap.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence

import numpy as np

GAIN_FRACTION = 0.95
BOOTSTRAP_RESAMPLES = 200
BOOTSTRAP_SEED = 0
MAX_EXPONENT = 5.0


@dataclasses.dataclass(frozen=True)
class SaturatingFit:
    a: float
    b: float
    c: float
    n95: float
    n95_low: float
    n95_high: float
    n_points: int

    def __call__(self, n_basins: np.ndarray | float) -> np.ndarray:
        return self.a - self.b * np.power(np.asarray(n_basins, dtype=float), -self.c)


def _curve(n: np.ndarray, a: float, b: float, c: float) -> np.ndarray:
    return a - b * np.power(n, -c)


def _n95(c: float) -> float:
    return (1.0 / (1.0 - GAIN_FRACTION)) ** (1.0 / c)


def _fit_points(n: np.ndarray, y: np.ndarray) -> tuple[float, float, float] | None:
    from scipy.optimize import curve_fit

    if len(np.unique(n)) < 3:
        return None
    start = (float(y.max()) + 0.05, max(float(y.max() - y.min()), 0.05) * 2, 0.5)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parameters, _ = curve_fit(
                _curve,
                n,
                y,
                p0=start,
                bounds=([-np.inf, 0.0, 1e-3], [np.inf, np.inf, MAX_EXPONENT]),
                maxfev=20000,
            )
    except (RuntimeError, ValueError):
        return None
    a, b, c = (float(value) for value in parameters)
    return (a, b, c) if all(math.isfinite(v) for v in (a, b, c)) else None


def fit_saturating_curve(
    n_basins: Sequence[float],
    median_nse: Sequence[float],
    draws: Sequence[int] | None = None,
) -> SaturatingFit | None:
    """Least-squares fit of ``a − b·n^(−c)`` (b ≥ 0, 0 < c ≤ 5) to the points; None when fewer
    than 3 distinct sizes remain after dropping non-finite points or the fit fails."""
    n = np.asarray(n_basins, dtype=float)
    y = np.asarray(median_nse, dtype=float)
    draw = np.zeros(len(n), dtype=int) if draws is None else np.asarray(draws, dtype=int)
    keep = np.isfinite(n) & np.isfinite(y) & (n > 0)
    n, y, draw = n[keep], y[keep], draw[keep]
    fitted = _fit_points(n, y)
    if fitted is None:
        return None
    a, b, c = fitted
    spread: list[float] = []
    per_draw = [d for d in np.unique(draw) if len(np.unique(n[draw == d])) >= 3]
    if len(per_draw) >= 2:
        for one in per_draw:
            result = _fit_points(n[draw == one], y[draw == one])
            if result is not None:
                spread.append(_n95(result[2]))
    else:
        rng = np.random.default_rng(BOOTSTRAP_SEED)
        residuals = y - _curve(n, a, b, c)
        for _ in range(BOOTSTRAP_RESAMPLES):
            resampled = _curve(n, a, b, c) + rng.choice(residuals, size=len(residuals))
            result = _fit_points(n, resampled)
            if result is not None:
                spread.append(_n95(result[2]))
    n95 = _n95(c)
    low, high = (
        (float(np.percentile(spread, 5)), float(np.percentile(spread, 95)))
        if spread
        else (n95, n95)
    )
    return SaturatingFit(a, b, c, n95, min(low, n95), max(high, n95), len(n))
