"""A saturating curve through median NSE against the number of training basins.

``median_nse(n) = a − b·n^(−c)``: ``a`` is the asymptote (the skill an unlimited number of
basins would give), ``a − b`` the value at one basin, ``c`` how fast the gain saturates. "95 % of
the asymptote" is ill-defined for an NSE near or below 0, so the size reported is the one at
which 95 % of the gain from one basin to the asymptote is reached: ``b·n^(−c) = 0.05·b``, i.e.
``n95 = 20^(1/c)``. Its 5-95 % range comes from a seeded bootstrap: the draws are resampled
within each size and the curve refitted (with one draw, the fit's residuals are resampled).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

GAIN_FRACTION = 0.95
BOOTSTRAP_RESAMPLES = 200
BOOTSTRAP_SEED = 0
MIN_EXPONENT = 1e-3
MAX_EXPONENT = 5.0
GRID_POINTS = 400
# More basins than could ever be gauged: the fitted curve does not level off.
N95_CAP = 1e9


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
    """``20^(1/c)``, at most :data:`N95_CAP` (a c near 0 means no saturation in sight)."""
    exponent = math.log(1.0 / (1.0 - GAIN_FRACTION)) / c
    return N95_CAP if exponent >= math.log(N95_CAP) else math.exp(exponent)


def _linear_part(n: np.ndarray, y: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, ...]:
    """For each exponent of ``c``, the least-squares ``a`` and ``b ≥ 0`` (the curve is linear in
    them once ``c`` is fixed) and the sum of squared residuals."""
    x = np.power(n[None, :], -c[:, None])
    x_mean, y_mean = x.mean(axis=1), y.mean()
    x_var = ((x - x_mean[:, None]) ** 2).sum(axis=1)
    slope = ((x - x_mean[:, None]) * (y - y_mean)).sum(axis=1) / np.where(x_var > 0, x_var, 1)
    b = np.maximum(-slope, 0.0)  # a curve that falls with more basins is fitted as flat
    a = y_mean + b * x_mean
    sse = ((a[:, None] - b[:, None] * x - y) ** 2).sum(axis=1)
    return a, b, sse


def _fit_points(n: np.ndarray, y: np.ndarray) -> tuple[float, float, float] | None:
    """Grid search over ``c`` (log-spaced), then a bounded refinement around the best value;
    among equal fits the largest ``c`` (a flat curve has saturated already)."""
    from scipy.optimize import minimize_scalar

    if len(np.unique(n)) < 3:
        return None
    grid = np.geomspace(MIN_EXPONENT, MAX_EXPONENT, GRID_POINTS)[::-1]
    _, _, sse = _linear_part(n, y, grid)
    if not np.isfinite(sse).any():
        return None
    best = int(np.nanargmin(sse))
    low, high = grid[min(best + 1, len(grid) - 1)], grid[max(best - 1, 0)]
    if high > low:
        refined = minimize_scalar(
            lambda c: float(_linear_part(n, y, np.array([c]))[2][0]),
            bounds=(low, high),
            method="bounded",
            options={"xatol": 1e-6},
        )
        better = refined.success and refined.fun <= sse[best]
        c = float(refined.x) if better else float(grid[best])
    else:
        c = float(grid[best])
    a, b, _ = _linear_part(n, y, np.array([c]))
    fitted = (float(a[0]), float(b[0]), c)
    return fitted if all(math.isfinite(v) for v in fitted) else None


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
    # 5-95 % range of n95: resample the draws within each size (one draw: the residuals) and
    # refit. Fitting each draw on its own would leave as many points as parameters.
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    sizes = np.unique(n)
    by_size = [y[n == size] for size in sizes]
    counts = [len(values) for values in by_size]
    residuals = y - _curve(n, a, b, c)
    spread: list[float] = []
    for _ in range(BOOTSTRAP_RESAMPLES):
        if len(np.unique(draw)) >= 2:
            points_n = np.repeat(sizes, counts)
            points_y = np.concatenate([rng.choice(values, len(values)) for values in by_size])
        else:
            points_n = n
            points_y = _curve(n, a, b, c) + rng.choice(residuals, size=len(residuals))
        result = _fit_points(points_n, points_y)
        if result is not None:
            spread.append(_n95(result[2]))
    n95 = _n95(c)
    low, high = (
        (
            float(np.percentile(spread, 5, method="nearest")),
            float(np.percentile(spread, 95, method="nearest")),
        )
        if spread
        else (n95, n95)
    )
    return SaturatingFit(a, b, c, n95, min(low, n95), max(high, n95), len(n))
