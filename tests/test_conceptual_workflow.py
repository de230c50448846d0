"""The conceptual stage and a hybrid LSTM through Snakemake on two sample basins: the DAG wires
the hybrid's training after the simulation, a tiny real run evaluates all three, and the hybrid
packages predict what the workflow predicted (1e-5) from the CAMELS files alone."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import xarray as xr
import yaml
from conftest import run_command, run_snakemake, sample_subset_workflow, tail

pytestmark = pytest.mark.workflow
BASINS = ["01022500", "02092500"]
EXPERIMENTS = (
    "conceptual_per_basin", "conceptual_regional", "hybrid", "shyft_per_basin", "hybrid_shyft",
)  # fmt: skip


def tiny_config(folder: Path) -> tuple[Path, Path]:
    workdir, config_path, config = sample_subset_workflow(folder, BASINS)
    experiments = config["experiments"]
    hybrid = experiments["hybrid"]
    hybrid.update(hidden_size=8, seq_length=30, epochs=1, validate_every=0, batch_size=512)
    hybrid["learning_rate"] = {0: 0.01}
    experiments["conceptual_per_basin"]["calibration"]["max_runs"] = 60
    experiments["conceptual_regional"]["calibration"]["max_runs"] = 20
    experiments["shyft_per_basin"]["calibration"]["max_runs"] = 40
    hybrid_shyft = experiments["hybrid_shyft"]
    hybrid_shyft.update({key: hybrid[key] for key in ("hidden_size", "seq_length", "epochs")})
    hybrid_shyft.update(validate_every=0, batch_size=512, learning_rate={0: 0.01})
    config["experiments"] = {name: experiments[name] for name in EXPERIMENTS}
    config["learning_curves"] = {}
    config["inference"] = {}  # it predicts with the package of `regional`, left out here
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    return workdir, config_path


def test_hybrid_training_waits_for_the_per_basin_simulation(tmp_path) -> None:
    workdir, _ = tiny_config(tmp_path)
    result = run_snakemake(workdir, "-n", "results/hybrid/seed0/model.pt")
    assert result.returncode == 0, tail(result.stderr)
    planned = result.stdout
    assert planned.count("rule calibrate_conceptual_per_basin:") == len(BASINS)
    assert "rule simulate_conceptual:" in planned
    assert "results/conceptual_per_basin/simulation.zarr" in planned
    assert "calibrate_conceptual_regional" not in planned  # the hybrid reads the per-basin one


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole tiny run (rule all: the hybrids' packages included)."""
    workdir, _ = tiny_config(tmp_path_factory.mktemp("conceptual"))
    result = run_snakemake(workdir)
    assert result.returncode == 0, tail(result.stderr, 60)
    return workdir


def test_tiny_run_evaluates_conceptual_and_hybrid_experiments(tiny_run) -> None:
    workdir = tiny_run
    summary = pd.read_csv(workdir / "results" / "summary.csv")
    ensemble = summary[summary["member"] == "ensemble"].set_index("experiment")
    assert set(ensemble.index) == set(EXPERIMENTS)
    assert (ensemble["basins_compared"] == 2).all()
    # the per-basin calibrations fit Maine and North Carolina: test NSE well above climatology
    assert ensemble.loc["conceptual_per_basin", "median_nse"] > 0.3
    assert ensemble.loc["shyft_per_basin", "median_nse"] > 0.3
    model = torch.load(workdir / "results/hybrid/seed0/model.pt", weights_only=False)
    assert "conceptual_per_basin.swe" in str(model)
    model = torch.load(workdir / "results/hybrid_shyft/seed0/model.pt", weights_only=False)
    assert "shyft_per_basin.streamflow" in str(model)
    log = (workdir / "logs/conceptual/calibrate/shyft_per_basin/01022500.log").read_text()
    assert "in the Shyft environment" in log and "[shyft]" in log and "Shyft 13.0.3" in log
    for name in ("nse_cdf.png", "hydrographs_conceptual_regional.png"):
        assert (workdir / "results" / "plots" / name).stat().st_size > 10_000
    parameters = pd.read_csv(workdir / "results/conceptual_per_basin/parameters.csv", dtype=str)
    assert parameters["basin"].tolist() == BASINS


NEW_BASIN = "03504000"  # in the sample, not in this run


@pytest.mark.parametrize("hybrid", ["hybrid", "hybrid_shyft"])
def test_hybrid_package_predicts_what_the_workflow_predicted(tiny_run, hybrid) -> None:
    """The package rebuilds the conceptual inputs from the CAMELS files (GR4J here, Shyft
    PT-GS-K in Shyft's environment) and predicts the workflow's test period to 1e-5; a basin
    outside the run gets the regional set where the run has one (GR4J), else is refused."""
    from camels_lstm.packages.conceptual_inputs import ConceptualPackageError
    from camels_lstm.packages.package import read_package
    from camels_lstm.packages.predict import predict_package

    workdir = tiny_run
    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text())
    test = config["periods"]["test"]
    package = read_package(workdir / f"results/packages/{hybrid}/seed0.zip")
    source = "conceptual_per_basin" if hybrid == "hybrid" else "shyft_per_basin"
    carried = package.conceptual["sources"][source]
    for basin in BASINS:  # the parameters are the calibration's, to the bit
        record = json.loads((workdir / f"results/{source}/{basin}/calibration.json").read_text())
        assert carried["basins"][basin] == list(record["parameters"].values())
    camels = config["camels"]["dir"]
    predicted = predict_package(package, camels, BASINS, test["start"], test["end"])
    with xr.open_dataset(workdir / f"results/{hybrid}/predictions_test.nc") as workflow:
        expected = workflow["streamflow_sim_mm_per_day"].sel(member="seed0", basin=BASINS)
        np.testing.assert_allclose(
            predicted["streamflow_sim_mm_per_day"].values, expected.values, rtol=0, atol=1e-5
        )
    assert np.isfinite(predicted["streamflow_sim_mm_per_day"].values).mean() > 0.99
    if hybrid == "hybrid":
        assert carried["regional"]["experiment"] == "conceptual_regional"
        new = predict_package(package, camels, [NEW_BASIN], test["start"], test["end"])
        assert np.isfinite(new["streamflow_sim_mm_per_day"].values).mean() > 0.99
    else:
        assert carried["regional"] is None  # shyft_regional is not in this run
        with pytest.raises(ConceptualPackageError, match=rf"basin\(s\) \['{NEW_BASIN}'\]"):
            predict_package(package, camels, [NEW_BASIN], test["start"], test["end"])


def test_shyft_experiments_are_refused_at_the_dry_run_without_shyft(tmp_path) -> None:
    workdir, config_path = tiny_config(tmp_path)
    missing = tmp_path / "no-shyft-here"
    environment = {**os.environ, "CAMELS_LSTM_SHYFT_ENV": str(missing)}
    command = [sys.executable, "-m", "snakemake", "--cores", "2", "-n"]
    result = run_command(command, workdir, 300, env=environment)
    assert result.returncode != 0
    assert (
        f"the Shyft experiment(s) shyft_per_basin cannot run: the Shyft environment {missing} "
        "does not exist; make it with make venv"
    ) in result.stdout + result.stderr
    assert "Remove them and the experiments that read them (hybrid_shyft)" in result.stdout
    # nothing else of the run changes: without its Shyft experiments the same run plans
    config = yaml.safe_load(config_path.read_text())
    for name in ("shyft_per_basin", "hybrid_shyft"):
        del config["experiments"][name]
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    result = run_command(command, workdir, 300, env=environment)
    assert result.returncode == 0, tail(result.stderr)
    assert "rule calibrate_conceptual_per_basin:" in result.stdout
