"""The conceptual stage and a hybrid LSTM through Snakemake on two sample basins: the DAG wires
the hybrid's training after the simulation, and a tiny real run evaluates all three."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml
from conftest import run_snakemake, sample_subset_workflow, tail

pytestmark = pytest.mark.workflow
BASINS = ["01022500", "02092500"]


def tiny_config(folder: Path) -> tuple[Path, Path]:
    workdir, config_path, config = sample_subset_workflow(folder, BASINS)
    experiments = config["experiments"]
    hybrid = experiments["hybrid"]
    hybrid.update(hidden_size=8, seq_length=30, epochs=1, validate_every=0, batch_size=512)
    hybrid["learning_rate"] = {0: 0.01}
    experiments["conceptual_per_basin"]["calibration"]["max_runs"] = 60
    experiments["conceptual_regional"]["calibration"]["max_runs"] = 20
    config["experiments"] = {
        name: experiments[name]
        for name in ("conceptual_per_basin", "conceptual_regional", "hybrid")
    }
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
    assert set(ensemble.index) == {"conceptual_per_basin", "conceptual_regional", "hybrid"}
    assert (ensemble["basins_compared"] == 2).all()
    # the per-basin calibration fits Maine and North Carolina: test NSE well above climatology
    assert ensemble.loc["conceptual_per_basin", "median_nse"] > 0.3
    model = torch.load(workdir / "results/hybrid/seed0/model.pt", weights_only=False)
    assert "conceptual_per_basin.swe" in str(model)
    for name in ("nse_cdf.png", "hydrographs_conceptual_regional.png"):
        assert (workdir / "results" / "plots" / name).stat().st_size > 10_000
    parameters = pd.read_csv(workdir / "results/conceptual_per_basin/parameters.csv", dtype=str)
    assert parameters["basin"].tolist() == BASINS
