"""The two training rules: one job per (experiment, basin, seed) or (experiment, seed), each model
file reachable as a target, and a real per-basin job through Snakemake."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import xarray as xr
import yaml
from conftest import run_snakemake as _snakemake

from camels_lstm.training.predict import predict

# Every test here spawns Snakemake (conftest.run_snakemake): not in `make test-fast`.
pytestmark = pytest.mark.workflow

PER_BASIN = "results/single_basin/01022500/seed0/model.pt"
PER_BASIN_TEST = "results/single_basin/01022500/seed0/predictions_test.nc"


def _jobs(output: str, rule: str) -> int:
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == rule and parts[1].isdigit():
            return int(parts[1])
    return 0


def test_one_job_per_basin_and_seed_or_per_seed(workflow_copy: Path) -> None:
    result = _snakemake(workflow_copy, "-n")
    assert result.returncode == 0, result.stderr
    # 13 basins x 1 seed, for single_basin and for the tuned single_basin_tuned
    assert _jobs(result.stdout, "train_per_basin") == 2 * 13
    # regional: 2 seeds; hybrid, regional_snow and hybrid_shyft (regional LSTMs with conceptual
    # inputs): 1 seed each
    assert _jobs(result.stdout, "train_regional") == 5


@pytest.mark.parametrize(
    ("target", "rule"),
    [(PER_BASIN, "train_per_basin"), ("results/regional/seed1/model.pt", "train_regional")],
)
def test_a_single_model_file_is_a_target(workflow_copy: Path, target: str, rule: str) -> None:
    result = _snakemake(workflow_copy, "-n", target)
    assert result.returncode == 0, result.stderr
    assert _jobs(result.stdout, rule) == 1
    assert _jobs(result.stdout, "train_per_basin") + _jobs(result.stdout, "train_regional") == 1


@pytest.mark.parametrize(
    "target",
    [
        "results/regional/01022500/seed0/model.pt",  # regional experiment, per-basin path
        "results/single_basin/seed0/model.pt",  # per-basin experiment, regional path
        "results/single_basin/1022500/seed0/model.pt",  # not an 8-digit gauge id
    ],
)
def test_paths_of_the_wrong_scope_match_no_rule(workflow_copy: Path, target: str) -> None:
    result = _snakemake(workflow_copy, "-n", target)
    assert result.returncode != 0
    assert "MissingRuleException" in result.stderr + result.stdout


@pytest.mark.workflow
def test_per_basin_job_trains_through_snakemake(workflow_copy: Path) -> None:
    result = _snakemake(workflow_copy, PER_BASIN)
    assert result.returncode == 0, result.stderr[-3000:]
    model = torch.load(workflow_copy / PER_BASIN, weights_only=True)
    assert model["basins"] == ["01022500"]
    assert model["experiment_name"] == "single_basin"
    log_path = workflow_copy / "logs/train/single_basin/01022500/seed0.log"
    log = log_path.read_text()
    assert "allocator:" in log and "samples/s" in log and "wrote" in log
    assert (workflow_copy / "logs/benchmarks/train/single_basin/01022500/seed0.tsv").is_file()

    # The same job simulated the validation and test periods, in the same process: the same
    # numbers as predicting from the model file separately (the regional prediction rule).
    assert "validation period" in log and "test period" in log
    config = yaml.safe_load((workflow_copy / "config" / "config.yaml").read_text())
    test = config["periods"]["test"]
    written = xr.open_dataset(workflow_copy / PER_BASIN_TEST).load()
    separate = predict(
        workflow_copy / PER_BASIN, workflow_copy / "results/data/camels_us.zarr", **test
    )
    np.testing.assert_allclose(
        written["streamflow_sim_mm_per_day"].values,
        separate["streamflow_sim_mm_per_day"].values,
        atol=1e-6,
        equal_nan=True,
    )
    assert (workflow_copy / PER_BASIN_TEST.replace("test", "validation")).is_file()

    # Run again as a resubmitted SLURM group job runs its members (--force: Snakemake deletes
    # the model file first): the kept weights give the same model without training.
    forced = _snakemake(workflow_copy, "--force", PER_BASIN)
    assert forced.returncode == 0, forced.stderr[-3000:]
    rerun_log = log_path.read_text().removeprefix(log)  # Snakemake may remove the old log
    assert "are reused" in rerun_log and "samples/s" not in rerun_log
    again = torch.load(workflow_copy / PER_BASIN, weights_only=True)
    for name, tensor in model["state_dict"].items():
        assert torch.equal(again["state_dict"][name], tensor), name


def _edit_config(workdir: Path, edit) -> None:
    path = workdir / "config" / "config.yaml"
    config = yaml.safe_load(path.read_text())
    edit(config)
    path.write_text(yaml.safe_dump(config))


@pytest.mark.workflow
def test_only_weight_settings_retrain_a_model(workflow_copy: Path) -> None:
    """Issue 12: evaluation settings or the thread count rerun nothing; a new test period or
    prediction mode reruns the job (it predicts) but does not train; a new hidden size trains
    again."""
    result = _snakemake(workflow_copy, PER_BASIN)
    assert result.returncode == 0, result.stderr[-3000:]
    trained = torch.load(workflow_copy / PER_BASIN, weights_only=True)

    def unchanged(config: dict) -> None:
        config["evaluation"]["min_observed_days"] = 200
        config["training"]["threads"] = 1
        config["experiments"]["single_basin"]["description"] = "edited"

    _edit_config(workflow_copy, unchanged)
    dry = _snakemake(workflow_copy, "-n", PER_BASIN)
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert _jobs(dry.stdout, "train_per_basin") == 0, dry.stdout
    assert "Nothing to be done" in dry.stdout + dry.stderr

    new_test = {"start": "1990-10-01", "end": "1995-09-30"}
    _edit_config(workflow_copy, lambda c: c["periods"].update(test=new_test))
    rerun = _snakemake(workflow_copy, PER_BASIN)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    log = (workflow_copy / "logs/train/single_basin/01022500/seed0.log").read_text()
    assert "are reused" in log and "samples/s" not in log.split("are reused")[-1]
    again = torch.load(workflow_copy / PER_BASIN, weights_only=True)
    for name, tensor in trained["state_dict"].items():
        assert torch.equal(again["state_dict"][name], tensor), name
    with xr.open_dataset(workflow_copy / PER_BASIN_TEST) as predictions:
        dates = predictions["date"].values
    assert str(dates[0])[:10] == new_test["start"] and str(dates[-1])[:10] == new_test["end"]

    # Another prediction mode reruns the predictions, not the training; the first day is the
    # windowed one, later days differ.
    with xr.open_dataset(workflow_copy / PER_BASIN_TEST) as predictions:
        windows = predictions["streamflow_sim_mm_per_day"].values.ravel()
    _edit_config(
        workflow_copy, lambda c: c["experiments"]["single_basin"].update(prediction="sequence")
    )
    rerun = _snakemake(workflow_copy, PER_BASIN)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    log = (workflow_copy / "logs/train/single_basin/01022500/seed0.log").read_text()
    last_run = log.split("are reused")[-1]
    assert log.count("are reused") == 2 and "samples/s" not in last_run
    assert "(sequence)" in last_run
    with xr.open_dataset(workflow_copy / PER_BASIN_TEST) as predictions:
        sequence = predictions["streamflow_sim_mm_per_day"].values.ravel()
    np.testing.assert_allclose(sequence[0], windows[0], atol=1e-5)
    assert not np.allclose(sequence, windows, atol=1e-4)

    _edit_config(workflow_copy, lambda c: c["experiments"]["single_basin"].update(hidden_size=8))
    dry = _snakemake(workflow_copy, "-n", PER_BASIN)
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert _jobs(dry.stdout, "train_per_basin") == 1, dry.stdout
    assert "Params have changed" in dry.stdout
