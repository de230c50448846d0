"""Packages, inference and ungauged cross-validation through Snakemake: a tiny real run of a
regional and an ungauged experiment and an `inference` entry; the package predicts what the
workflow predicted (1e-5), also from the console command in an empty folder, the `inference` job
what the command predicts, and no basin is predicted by a fold model that trained on it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import xarray as xr
import yaml
from conftest import run_command, sample_subset_workflow, tail
from conftest import run_snakemake as snakemake

pytestmark = pytest.mark.workflow

RUN_BASINS = ("01022500", "01123000", "02092500", "03504000", "06280300", "08194200")
NEW_BASIN = "12040500"  # not in the run
# windows: each day's prediction is then independent of which other basins share its batch, so
# the inference job and the console command agree to the bit (sequence mode: to float rounding)
TINY = {"hidden_size": 8, "seq_length": 30, "epochs": 1, "validate_every": 0, "seeds": [0, 1]}
TINY |= {"prediction": "windows"}


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    tmp_path = tmp_path_factory.mktemp("packages")
    workdir, config_path, config = sample_subset_workflow(tmp_path, RUN_BASINS)
    experiments = config["experiments"]
    config["experiments"] = {
        "regional": {**experiments["regional"], **TINY},
        "regional_ungauged": {**experiments["regional_ungauged"], **TINY, "seeds": [0]},
    }
    config["learning_curves"] = {}
    # the config section `inference`: this run's package, a basin outside the run
    config["inference"] = {
        "new_basins": {
            "package": "results/packages/regional/ensemble.zip",
            "basins": [NEW_BASIN, RUN_BASINS[0]],
            "periods": {"test": config["periods"]["test"]},
        }
    }
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    targets = [
        "results/packages/regional/ensemble.zip",
        "results/packages/regional/seed0.zip",
        "results/regional/metrics.csv",
        "results/regional_ungauged/metrics.csv",
        "results/regional_ungauged/folds.csv",
        "results/inference/new_basins/test.nc",
    ]
    result = snakemake(workdir, *targets)
    assert result.returncode == 0, tail(result.stderr, 80)
    return workdir, config


def test_each_basin_is_predicted_by_the_fold_model_that_never_saw_it(tiny_run) -> None:
    workdir, _ = tiny_run
    folds = pd.read_csv(workdir / "results/regional_ungauged/folds.csv", dtype={"basin": str})
    assert sorted(folds["basin"]) == sorted(RUN_BASINS)
    assert sorted(folds["fold"].unique()) == [0, 1, 2]
    for fold, members in folds.groupby("fold"):
        folder = workdir / f"results/regional_ungauged/fold{fold}/seed0"
        trained_on = set(torch.load(folder / "model.pt", weights_only=True)["basins"])
        with xr.open_dataset(folder / "predictions_test.nc") as predictions:
            predicted = {str(b) for b in predictions["basin"].values}
        assert predicted == set(members["basin"])
        assert not predicted & trained_on
        assert trained_on == set(RUN_BASINS) - predicted
    metrics = pd.read_csv(workdir / "results/regional_ungauged/metrics.csv", dtype={"basin": str})
    assert sorted(metrics["basin"].unique()) == sorted(RUN_BASINS)
    assert metrics["nse"].notna().all()


def test_package_predicts_what_the_workflow_predicted(tiny_run, tmp_path) -> None:
    workdir, config = tiny_run
    periods = config["periods"]["test"]
    empty = tmp_path / "empty"
    empty.mkdir()
    output = empty / "prediction.nc"
    command = [
        str(Path(sys.executable).with_name("camels-lstm")),
        "predict",
        "--package", str(workdir / "results/packages/regional/ensemble.zip"),
        "--camels-dir", config["camels"]["dir"],
        "--basins", *RUN_BASINS, NEW_BASIN,
        "--start", periods["start"],
        "--end", periods["end"],
        "--output", "prediction.nc",
    ]  # fmt: skip
    result = run_command(command, empty, timeout=600)
    assert result.returncode == 0, tail(result.stderr)
    with (
        xr.open_dataset(output) as package,
        xr.open_dataset(workdir / "results/regional/predictions_test.nc") as workflow,
    ):
        ensemble = workflow["streamflow_sim_mm_per_day"].sel(member="ensemble")
        np.testing.assert_allclose(
            package["streamflow_sim_mm_per_day"].sel(basin=list(RUN_BASINS)).values,
            ensemble.sel(basin=list(RUN_BASINS)).values,
            rtol=0,
            atol=1e-5,
        )
        assert np.isfinite(package["streamflow_sim_mm_per_day"].sel(basin=NEW_BASIN)).all()
        assert package["streamflow_obs_mm_per_day"].sel(basin=NEW_BASIN).notnull().any()
        assert np.isfinite(package["nse"].values).all()
    assert sorted(p.name for p in empty.iterdir()) == ["prediction.nc"]
    # the workflow's `inference` job predicts what the console command predicts
    basins = [NEW_BASIN, RUN_BASINS[0]]
    with (
        xr.open_dataset(output) as package,
        xr.open_dataset(workdir / "results/inference/new_basins/test.nc") as inference,
    ):
        np.testing.assert_array_equal(
            inference["streamflow_sim_m3_per_s"].values,
            package["streamflow_sim_m3_per_s"].sel(basin=basins).values,
        )


def test_console_command_is_installed() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).with_name("camels-lstm")), "predict", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "--camels-dir" in result.stdout
