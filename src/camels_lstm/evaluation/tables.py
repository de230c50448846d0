"""Metric tables and the summary, from aggregated predictions (see docs/pipeline.md).

- ``results/<experiment>/metrics.csv``: one row per (basin, member), columns
  :data:`METRICS_COLUMNS`; written with :func:`camels_lstm.atomic_output.write_csv`, read with
  :func:`read_metrics_csv`.
- ``results/summary.csv``: per experiment and member, NSE statistics on the shared basins
  (:func:`summarise`, columns :data:`SUMMARY_COLUMNS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from camels_lstm.evaluation.metrics import METRIC_NAMES, evaluate_series, undefined_reason
from camels_lstm.evaluation.predictions import ENSEMBLE, OBS, SIM

STATUS_OK = "ok"
METRICS_COLUMNS = ("basin", "member", "n_observed_days", "status", *METRIC_NAMES)
SUMMARY_COLUMNS = (
    "experiment",
    "member",
    "basins_compared",
    "median_nse",
    "mean_nse",
    "basins_nse_below_0",
    "caveat",
)


def basin_metrics(obs: np.ndarray, sim: np.ndarray, min_observed_days: int) -> dict[str, object]:
    """Metrics row (without basin/member) of one series pair, with its status."""
    n_days = int(np.count_nonzero(np.isfinite(obs) & np.isfinite(sim)))
    row: dict[str, object] = {"n_observed_days": n_days}
    if n_days < min_observed_days:
        row["status"] = f"too few observed days ({n_days} < {min_observed_days})"
        row.update(dict.fromkeys(METRIC_NAMES, np.nan))
        return row
    row["status"] = undefined_reason(obs, sim) or STATUS_OK
    row.update(evaluate_series(obs, sim))
    return row


def metrics_table(predictions: xr.Dataset, min_observed_days: int) -> pd.DataFrame:
    """One row per (basin, member), columns :data:`METRICS_COLUMNS`.

    ``n_observed_days`` counts the days on which both observed and simulated flow are finite.
    """
    obs = predictions[OBS].transpose("basin", "date").values
    sim = predictions[SIM].transpose("member", "basin", "date").values
    rows = []
    for basin_index, basin in enumerate(predictions["basin"].values.tolist()):
        for member_index, member in enumerate(predictions["member"].values.tolist()):
            row = basin_metrics(obs[basin_index], sim[member_index, basin_index], min_observed_days)
            rows.append({"basin": str(basin), "member": str(member), **row})
    return pd.DataFrame(rows, columns=list(METRICS_COLUMNS))


def read_metrics_csv(path: str | Path) -> pd.DataFrame:
    """Read a metrics table (as :func:`camels_lstm.atomic_output.write_csv` writes it), basin
    ids as strings."""
    table = pd.read_csv(path, dtype={"basin": str, "member": str, "status": str})
    missing = [c for c in METRICS_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: metrics table lacks column(s) {missing}")
    return table


def nse_by_basin(table: pd.DataFrame, member: str = ENSEMBLE) -> pd.Series:
    """NSE of one member, indexed by basin, only basins with status ok and finite NSE."""
    rows = table[(table["member"] == member) & (table["status"] == STATUS_OK)]
    nse = rows.set_index("basin")["nse"].astype(float)
    return nse[np.isfinite(nse)]


def shared_basins(tables: Mapping[str, pd.DataFrame], member: str = ENSEMBLE) -> list[str]:
    """Basins with a valid ``member`` NSE in every experiment, sorted."""
    sets = [set(nse_by_basin(table, member).index) for table in tables.values()]
    return sorted(set.intersection(*sets)) if sets else []


def summarise(
    tables: Mapping[str, pd.DataFrame], caveats: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """NSE statistics per experiment and member on the basins all experiments share, with the
    experiment's ``caveats`` (:func:`camels_lstm.evaluation.caveats.experiment_caveat`; "" where
    none).

    Members are the ensemble and each seed; only basins with a valid ensemble NSE in every
    experiment (and a valid NSE for that member) are counted.
    """
    caveats = caveats or {}
    shared = shared_basins(tables)
    rows = []
    for experiment, table in tables.items():
        members = [ENSEMBLE, *sorted(set(table["member"]) - {ENSEMBLE})]
        for member in members:
            nse = nse_by_basin(table, member)
            nse = nse[nse.index.isin(shared)]
            rows.append(
                {
                    "experiment": experiment,
                    "member": member,
                    "basins_compared": int(nse.size),
                    "median_nse": float(nse.median()) if nse.size else np.nan,
                    "mean_nse": float(nse.mean()) if nse.size else np.nan,
                    "basins_nse_below_0": int((nse < 0).sum()),
                    "caveat": caveats.get(experiment, ""),
                }
            )
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
