"""Aggregation of per-model predictions, metrics table, status rules and summary."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from synthetic_predictions import member_prediction_paths

from camels_lstm.atomic_output import write_csv, write_netcdf
from camels_lstm.evaluation import tables
from camels_lstm.evaluation.metrics import METRIC_NAMES
from camels_lstm.evaluation.prediction_file import write_prediction_file
from camels_lstm.evaluation.predictions import (
    OBS,
    SIM,
    PredictionError,
    aggregate_predictions,
    prediction_dataset,
)

DATES = np.arange(np.datetime64("1990-01-01"), np.datetime64("1991-06-01"))  # 516 days
BASINS = ["01013500", "01022500", "02011400"]


def _observed(n_basins: int) -> np.ndarray:
    days = np.arange(DATES.size)
    return np.stack([2 + np.sin(days / (10.0 + i)) for i in range(n_basins)]).astype(np.float32)


def _write(path: Path, basins: list[str], obs: np.ndarray, sim: np.ndarray, dates=DATES) -> None:
    write_prediction_file(path, basins, dates, obs, sim, experiment="test", seed=0)


def _per_basin_experiment(root: Path, seeds=(0, 1)) -> dict[str, list[Path]]:
    paths = member_prediction_paths(root, "single", "per_basin", BASINS, seeds, "test")
    obs = _observed(len(BASINS))
    for seed, (member, member_paths) in enumerate(paths.items()):
        for row, path in enumerate(member_paths):
            sim = obs[row : row + 1] * (1.0 + 0.1 * seed)
            _write(path, [BASINS[row]], obs[row : row + 1], sim)
        assert member == f"seed{seeds[seed]}"
    return paths


def test_aggregate_per_basin_files_adds_ensemble_mean(tmp_path: Path) -> None:
    paths = _per_basin_experiment(tmp_path)
    predictions = aggregate_predictions(paths)
    assert predictions["member"].values.tolist() == ["seed0", "seed1", "ensemble"]
    assert predictions["basin"].values.tolist() == BASINS
    assert predictions[SIM].dims == ("member", "basin", "date")
    assert predictions[OBS].dims == ("basin", "date")
    obs = _observed(len(BASINS))
    np.testing.assert_allclose(
        predictions[SIM].sel(member="ensemble").values, obs * 1.05, rtol=1e-6
    )
    np.testing.assert_array_equal(predictions[OBS].values, obs)

    target = tmp_path / "results" / "single" / "predictions_test.nc"
    write_netcdf(predictions, target)
    with xr.open_dataset(target) as reread:
        assert reread["basin"].values.tolist() == BASINS
        assert reread[SIM].sizes == {"member": 3, "basin": 3, "date": DATES.size}
    assert sorted(p.name for p in target.parent.iterdir()) == [
        "01013500",
        "01022500",
        "02011400",
        "predictions_test.nc",
    ]


def test_aggregate_regional_seeds_orders_basins(tmp_path: Path) -> None:
    paths = member_prediction_paths(tmp_path, "reg", "regional", BASINS, [0, 1], "test")
    obs = _observed(3)
    reversed_basins = BASINS[::-1]
    for member_paths in paths.values():
        _write(member_paths[0], reversed_basins, obs[::-1], obs[::-1])
    predictions = aggregate_predictions(paths)
    assert predictions["basin"].values.tolist() == BASINS
    np.testing.assert_array_equal(predictions[OBS].values, obs)


def test_missing_prediction_file_stops_with_its_name(tmp_path: Path) -> None:
    paths = _per_basin_experiment(tmp_path)
    missing = paths["seed1"][2]
    missing.unlink()
    with pytest.raises(PredictionError, match="missing prediction file") as error:
        aggregate_predictions(paths)
    assert str(missing) in str(error.value)


def test_inconsistent_dates_name_the_file(tmp_path: Path) -> None:
    paths = _per_basin_experiment(tmp_path)
    odd = paths["seed0"][1]
    obs = _observed(1)[:, :100]
    _write(odd, [BASINS[1]], obs, obs, dates=DATES[:100])
    with pytest.raises(PredictionError, match="dates") as error:
        aggregate_predictions(paths)
    assert str(odd) in str(error.value)


def test_missing_variable_names_file_and_variable(tmp_path: Path) -> None:
    path = tmp_path / "seed0" / "predictions_test.nc"
    dataset = prediction_dataset(
        BASINS, DATES, _observed(3), _observed(3), experiment="test", seed=0
    )
    write_netcdf(dataset.drop_vars(SIM), path)
    with pytest.raises(PredictionError, match=re.escape(f"{path}: variable '{SIM}' missing")):
        aggregate_predictions({"seed0": [path]})


def test_differing_observations_between_seeds_are_rejected(tmp_path: Path) -> None:
    paths = member_prediction_paths(tmp_path, "reg", "regional", BASINS, [0, 1], "test")
    obs = _observed(3)
    _write(paths["seed0"][0], BASINS, obs, obs)
    _write(paths["seed1"][0], BASINS, obs + 1, obs)
    with pytest.raises(PredictionError, match="observed streamflow differs"):
        aggregate_predictions(paths)


def _predictions_with_short_record() -> xr.Dataset:
    obs = _observed(3)
    obs[2, 12:] = np.nan  # third basin: 12 observed days only
    sim = np.stack([obs * 0.9, obs * 1.1])
    sim[np.isnan(sim)] = 1.0
    return xr.Dataset(
        {SIM: (("member", "basin", "date"), sim), OBS: (("basin", "date"), obs)},
        coords={"member": ["seed0", "ensemble"], "basin": BASINS, "date": DATES},
    )


def test_metrics_table_rows_and_too_few_days_status(tmp_path: Path) -> None:
    table = tables.metrics_table(_predictions_with_short_record(), min_observed_days=365)
    assert list(table.columns) == list(tables.METRICS_COLUMNS)
    assert len(table) == 6  # 3 basins × 2 members
    short = table[table["basin"] == "02011400"]
    assert set(short["status"]) == {"too few observed days (12 < 365)"}
    assert short["n_observed_days"].tolist() == [12, 12]
    assert short[list(METRIC_NAMES)].isna().all().all()
    good = table[table["basin"] == "01013500"].set_index("member")
    assert set(good["status"]) == {"ok"}
    assert good.loc["seed0", "n_observed_days"] == DATES.size
    assert good.loc["seed0", "kge_beta"] == pytest.approx(0.9)


def test_metrics_csv_keeps_leading_zeros_and_leaves_metrics_empty(tmp_path: Path) -> None:
    table = tables.metrics_table(_predictions_with_short_record(), min_observed_days=365)
    path = tmp_path / "exp" / "metrics.csv"
    write_csv(table, path)
    lines = path.read_text().splitlines()
    assert lines[0].startswith("basin,member,n_observed_days,status,nse,kge,")
    assert lines[1].startswith("01013500,seed0,")
    short_line = next(line for line in lines if line.startswith("02011400,seed0,"))
    assert short_line.endswith("12,too few observed days (12 < 365)" + "," * len(METRIC_NAMES))
    reread = tables.read_metrics_csv(path)
    assert reread["basin"].tolist()[:2] == ["01013500", "01013500"]
    assert [p.name for p in path.parent.iterdir()] == ["metrics.csv"]  # no temporary left


def test_constant_observation_status(tmp_path: Path) -> None:
    obs = np.full(400, 3.0)
    row = tables.basin_metrics(obs, obs + np.linspace(0, 1, 400), min_observed_days=365)
    assert row["status"].startswith("constant observed streamflow")
    assert np.isnan(row["nse"])


def _table(nse_by_basin: dict[str, float], member: str = "ensemble", status=None) -> pd.DataFrame:
    status = status or {}
    rows = [
        {
            "basin": b,
            "member": member,
            "n_observed_days": 3000,
            "status": status.get(b, "ok"),
            "nse": v,
        }
        for b, v in nse_by_basin.items()
    ]
    return pd.DataFrame(rows).reindex(columns=list(tables.METRICS_COLUMNS))


def test_summary_counts_only_shared_basins() -> None:
    single = pd.concat(
        [
            _table({"01013500": 0.5, "01022500": -0.2, "02011400": 0.8}),
            _table({"01013500": 0.4, "01022500": -0.3, "02011400": 0.7}, member="seed0"),
        ]
    )
    regional = _table(
        {"01013500": 0.7, "01022500": 0.6, "02011400": 0.9, "03011020": -1.0},
        status={"02011400": "too few observed days (12 < 365)"},
    )
    assert tables.shared_basins({"single": single, "regional": regional}) == [
        "01013500",
        "01022500",
    ]
    summary = tables.summarise({"single": single, "regional": regional}).set_index(
        ["experiment", "member"]
    )
    assert list(summary.reset_index().columns) == list(tables.SUMMARY_COLUMNS)
    assert summary.loc[("single", "ensemble"), "basins_compared"] == 2
    assert summary.loc[("single", "ensemble"), "median_nse"] == pytest.approx(0.15)
    assert summary.loc[("single", "ensemble"), "basins_nse_below_0"] == 1
    assert summary.loc[("single", "seed0"), "mean_nse"] == pytest.approx(0.05)
    assert summary.loc[("regional", "ensemble"), "basins_nse_below_0"] == 0
    assert summary.loc[("regional", "ensemble"), "mean_nse"] == pytest.approx(0.65)
