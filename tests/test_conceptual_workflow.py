"""The conceptual stage and a hybrid LSTM through Snakemake on two sample basins: the DAG wires
the hybrid's training after the simulation, and a tiny real run evaluates all three."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch
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


def test_tiny_run_evaluates_conceptual_and_hybrid_experiments(tmp_path) -> None:
    workdir, _ = tiny_config(tmp_path)
    result = run_snakemake(workdir)
    assert result.returncode == 0, tail(result.stderr, 60)
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
