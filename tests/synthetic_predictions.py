"""Synthetic per-model prediction files, for tests and the aggregation benchmark.

Observed flow is a linear reservoir fed by gamma-distributed rain with a seasonal cycle; simulated
flow is the observed flow lagged, biased and perturbed with a basin-specific error level, so that
NSE spreads from about −0.5 to 0.95 over basins. No real data is involved.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from camels_lstm.atomic_output import write_netcdf
from camels_lstm.evaluation.prediction_file import write_prediction_file
from camels_lstm.workflow import paths as workflow_paths


def synthetic_observed(
    n_basins: int, dates: np.ndarray, rng: np.random.Generator, missing_share: float = 0.02
) -> np.ndarray:
    """Observed streamflow (mm/day, float32, basin × date) with a share of NaN days."""
    n_days = len(dates)
    day_of_year = (np.asarray(dates, dtype="datetime64[D]") - np.datetime64("2000-01-01")).astype(
        int
    ) % 365
    season = 1.0 + 0.6 * np.sin(2 * np.pi * day_of_year / 365.0)
    rain = rng.gamma(0.3, 8.0, (n_basins, n_days)) * season
    recession = rng.uniform(0.80, 0.97, n_basins)
    flow = np.empty((n_basins, n_days))
    state = np.full(n_basins, 1.0)
    for day in range(n_days):
        state = recession * state + (1 - recession) * rain[:, day]
        flow[:, day] = state
    flow *= rng.uniform(0.2, 2.0, (n_basins, 1))
    flow[rng.random(flow.shape) < missing_share] = np.nan
    return flow.astype(np.float32)


def synthetic_simulated(
    observed: np.ndarray, rng: np.random.Generator, skill_shift: float = 0.0
) -> np.ndarray:
    """A plausible model of ``observed``: lagged 0–2 days, biased and noisy per basin."""
    n_basins = observed.shape[0]
    filled = np.where(np.isfinite(observed), observed, np.nanmean(observed, axis=1, keepdims=True))
    lag = rng.integers(0, 3, n_basins)
    lagged = np.stack([np.roll(row, shift) for row, shift in zip(filled, lag, strict=True)])
    bias = rng.normal(1.0, 0.15, (n_basins, 1))
    noise_level = np.clip(rng.gamma(2.0, 0.25, (n_basins, 1)) - skill_shift, 0.05, None)
    noise = (
        rng.normal(0, 1, observed.shape) * noise_level * np.nanstd(filled, axis=1, keepdims=True)
    )
    return np.maximum(lagged * bias + noise, 0).astype(np.float32)


def member_prediction_paths(
    workdir: str | Path,
    experiment: str,
    scope: str,
    basins: Sequence[str],
    seeds: Sequence[int],
    period: str,
) -> dict[str, list[Path]]:
    """Per-model prediction files of one experiment in the workflow's layout under ``workdir``
    (``camels_lstm.workflow.paths.MODEL_PREDICTIONS``), by member name (``seed<k>``)."""
    template = workflow_paths.MODEL_PREDICTIONS[scope]
    models = basins if scope == "per_basin" else [None]
    return {
        f"seed{seed}": [
            Path(workdir)
            / template.format(experiment=experiment, basin=basin, seed=seed, period=period)
            for basin in models
        ]
        for seed in seeds
    }


def write_experiment(
    workdir: str | Path,
    experiment: str,
    scope: str,
    basins: Sequence[str],
    seeds: Sequence[int],
    period: str,
    dates: np.ndarray,
    observed: np.ndarray,
    rng: np.random.Generator,
    skill_shift: float = 0.0,
) -> dict[str, list[Path]]:
    """Write one experiment's per-model prediction files; return them by member.

    Written as production writes them (``write_prediction_file``).
    """
    paths = member_prediction_paths(workdir, experiment, scope, basins, seeds, period)
    for seed, member_paths in zip(seeds, paths.values(), strict=True):
        simulated = synthetic_simulated(observed, rng, skill_shift)
        if scope == "regional":
            groups = [(member_paths[0], slice(None))]
        else:
            groups = [(path, slice(i, i + 1)) for i, path in enumerate(member_paths)]
        for path, rows in groups:
            write_prediction_file(
                path,
                list(np.asarray(basins)[rows]),
                dates,
                observed[rows],
                simulated[rows],
                experiment=experiment,
                seed=seed,
            )
    return paths


def write_static_attributes(
    path: str | Path, basins: Sequence[str], rng: np.random.Generator
) -> None:
    """A minimal static_attributes.nc: coordinates gauge_lat, gauge_lon, gauge_name on basin."""
    n = len(basins)
    dataset = xr.Dataset(
        {"raw": (("basin", "attribute"), rng.random((n, 1)))},
        coords={
            "basin": list(basins),
            "attribute": ["p_mean"],
            "gauge_lat": ("basin", rng.uniform(26, 49, n)),
            "gauge_lon": ("basin", rng.uniform(-124, -68, n)),
            "gauge_name": ("basin", [f"Synthetic Creek {i} near Nowhere, XX" for i in range(n)]),
        },
    )
    write_netcdf(dataset, path)
