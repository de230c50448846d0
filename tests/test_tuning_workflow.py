"""The tuning rules in the DAG of the sample config, and the config checks of search spaces."""

from __future__ import annotations

import copy
import filecmp
import shutil
from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml
from conftest import REPO_ROOT, SCHEMA_PATH
from conftest import run_snakemake as _run
from test_workflow_dag import job_counts, snakemake

from camels_lstm.conceptual.spec import is_conceptual
from camels_lstm.config import ConfigError, validate_config
from camels_lstm.tuning.candidates import enumerate_candidates


def _sample_config() -> dict:
    with (REPO_ROOT / "config" / "config.yaml").open() as handle:
        return yaml.safe_load(handle)


@pytest.mark.workflow  # a Snakemake dry run
def test_sample_dry_run_has_one_search_job_per_basin(workflow_copy: Path) -> None:
    config = _sample_config()
    tuned = config["experiments"]["single_basin_tuned"]
    n_candidates = len(enumerate_candidates(tuned["search_space"]))
    n_basins = len((REPO_ROOT / config["basins"]).read_text().split())
    assert 2 <= n_candidates <= 4

    result = snakemake(workflow_copy, "-n")
    assert result.returncode == 0, result.stderr
    counts = job_counts(result.stdout)
    # all candidates of a basin, and the choice among them, in one job
    assert counts["tune_per_basin"] == n_basins
    assert "train_candidate_per_basin" not in counts and "select_per_basin" not in counts
    assert counts["tuning_table"] == 1
    assert counts["plot_tuning_validation_nse"] == 1
    # Final models of tuned and untuned experiments: one training rule per scope.
    lstms = [e for e in config["experiments"].values() if not is_conceptual(e)]
    per_basin = [e for e in lstms if e["scope"] == "per_basin"]
    assert counts["train_per_basin"] == n_basins * sum(len(e["seeds"]) for e in per_basin)
    conceptual = [e for e in config["experiments"].values() if is_conceptual(e)]
    assert counts["calibrate_conceptual_per_basin"] == n_basins * sum(
        e["scope"] == "per_basin" for e in conceptual
    )
    assert counts["compute_metrics"] == len(config["experiments"])


@pytest.mark.workflow  # a Snakemake dry run
def test_a_tuned_final_model_depends_on_the_selection_and_candidates(
    workflow_copy: Path,
) -> None:
    target = "results/single_basin_tuned/01022500/seed0/model.pt"
    result = snakemake(workflow_copy, "-n", target)
    assert result.returncode == 0, result.stderr
    counts = job_counts(result.stdout)
    assert counts["train_per_basin"] == 1
    assert counts["tune_per_basin"] == 1
    # The chosen candidate's model, copied as the final model, is a declared input.
    assert "results/single_basin_tuned/tuning/01022500/chosen_model.pt" in result.stdout


def test_unknown_search_parameter_is_rejected_with_its_experiment() -> None:
    config = _sample_config()
    unknown = copy.deepcopy(config)
    unknown["experiments"]["single_basin_tuned"]["search_space"]["parameters"]["loss"] = ["mse"]
    with pytest.raises(ConfigError, match="single_basin_tuned"):
        validate_config(unknown, SCHEMA_PATH)


@pytest.mark.workflow  # a Snakemake dry run
def test_regional_search_is_one_candidate_job_each_over_all_basins(workflow_copy: Path) -> None:
    config = _sample_config()
    del config["experiments"]["regional_finetuned"]  # finetuning starts from an untuned base
    config["experiments"]["regional"]["search_space"] = {
        "method": "grid",
        "parameters": {"hidden_size": [8, 16], "dropout": [0.0, 0.4]},
    }
    config["learning_curves"] = {}  # a study needs fixed settings (refused for a tuned one)
    path = workflow_copy / "config" / "regional_tuned.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    result = snakemake(workflow_copy, "-n", "--configfile", "config/regional_tuned.yaml")
    assert result.returncode == 0, result.stderr
    counts = job_counts(result.stdout)
    assert counts["train_candidate_regional"] == 4
    assert counts["select_regional"] == 1
    regional_seeds = sum(
        len(e["seeds"])
        for e in config["experiments"].values()
        if e["scope"] == "regional" and not is_conceptual(e)
    )  # the tuned regional experiment's and the (untuned) hybrid's
    assert counts["train_regional"] == regional_seeds
    assert counts["predict_regional"] == regional_seeds
    assert counts["tuning_table"] == 2


# --- a real run: both scopes tuned, tiny models ----------------------------------------------

TINY_BASINS = ["01022500", "03504000", "12040500"]


def _tiny_tuning_config(workdir: Path) -> Path:
    config = _sample_config()
    (workdir / "config" / "basins_tuning_test.txt").write_text("\n".join(TINY_BASINS) + "\n")
    config["basins"] = "config/basins_tuning_test.txt"
    tiny = {"epochs": 1, "validate_every": 0, "seq_length": 30, "hidden_size": 8}
    experiments = config["experiments"]
    for experiment in experiments.values():
        if not is_conceptual(experiment):  # calibration settings, no LSTM keys
            experiment.update(tiny)
    experiments["single_basin_tuned"]["seeds"] = [0, 1]
    experiments["single_basin_tuned"]["search_space"] = {
        "method": "grid",
        "parameters": {"hidden_size": [4, 8]},
    }
    experiments["regional"]["seeds"] = [0]
    del experiments["regional_finetuned"]  # finetuning starts from an untuned base
    experiments["regional"]["search_space"] = {
        "method": "grid",
        "parameters": {"hidden_size": [4, 8]},
    }
    config["training"]["threads"] = 1
    config["learning_curves"] = {}  # 3 basins; and a study needs fixed settings
    path = workdir / "config" / "tuning_test.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@pytest.mark.workflow
def test_tuning_runs_end_to_end_for_both_scopes(workflow_copy: Path) -> None:
    configfile = str(_tiny_tuning_config(workflow_copy).relative_to(workflow_copy))
    targets = [
        "results/single_basin_tuned/metrics.csv",
        "results/regional/metrics.csv",
        "results/plots/tuning_validation_nse_single_basin_tuned.png",
        "results/plots/tuning_validation_nse_regional.png",
    ]
    result = _run(workflow_copy, *targets, "--configfile", configfile)
    assert result.returncode == 0, result.stderr[-4000:]
    results = workflow_copy / "results"

    # Per basin: every basin has both candidates, and its chosen one has the best score.
    table = pd.read_csv(results / "single_basin_tuned" / "tuning.csv", dtype={"basin": str})
    assert sorted(table["basin"].unique()) == TINY_BASINS
    assert (table.groupby("basin")["candidate"].nunique() == 2).all()
    assert (table.groupby("basin")["chosen"].sum() == 1).all()
    for basin, rows in table.groupby("basin"):
        chosen = rows[rows["chosen"]].iloc[0]
        assert chosen["validation_nse"] == rows["validation_nse"].max()
        tuning = results / "single_basin_tuned" / "tuning" / basin
        # Seed 0 (the candidates' seed) is the chosen candidate's model; seed 1 is retrained
        # with the chosen hidden size.
        final = results / "single_basin_tuned" / basin
        assert filecmp.cmp(final / "seed0" / "model.pt", tuning / chosen["candidate"] / "model.pt")
        retrained = torch.load(final / "seed1" / "model.pt", weights_only=True)
        assert retrained["experiment"]["hidden_size"] == chosen["hidden_size"]

    # Regional: one search over all basins, chosen by the median validation NSE.
    regional = pd.read_csv(results / "regional" / "tuning.csv", dtype={"basin": str})
    assert len(regional) == len(TINY_BASINS) * 2
    chosen_ids = set(regional.loc[regional["chosen"], "candidate"])
    medians = regional.groupby("candidate")["validation_nse"].median()
    assert chosen_ids == {medians.idxmax()}
    assert filecmp.cmp(
        results / "regional" / "seed0" / "model.pt",
        results / "regional" / "tuning" / chosen_ids.pop() / "model.pt",
    )
    metrics = pd.read_csv(results / "regional" / "metrics.csv", dtype={"basin": str})
    assert set(metrics["basin"]) == set(TINY_BASINS)
    # Kept training checkpoints are gone once the candidates are selected and the final
    # models' predictions aggregated.
    assert not list(results.rglob("checkpoint.pt"))

    # A rerun does only what is missing: after a run stopped between one basin's candidates
    # (one candidate, the selection and the table missing), the basin's search runs again and
    # trains only that candidate; the other's kept weights are reused.
    rerun = ["-n", "results/single_basin_tuned/tuning.csv", "--configfile", configfile]
    assert "Nothing to be done" in _run(workflow_copy, *rerun).stdout
    (results / "single_basin_tuned" / "tuning.csv").unlink()
    basin_tuning = results / "single_basin_tuned" / "tuning" / "03504000"
    shutil.rmtree(basin_tuning / "c01")
    (basin_tuning / "best.json").unlink()
    again = job_counts(_run(workflow_copy, *rerun).stdout)
    assert again == {"tune_per_basin": 1, "tuning_table": 1, "total": 2}
    rerun_real = _run(workflow_copy, *rerun[1:])
    assert rerun_real.returncode == 0, rerun_real.stderr[-3000:]
    log = (workflow_copy / "logs/tune/single_basin_tuned/03504000.log").read_text()
    after = log.split("candidate c01")[1]
    assert "are reused" in log.split("candidate c01")[0]  # c00: not trained again
    assert "epoch 1/" in after  # c01 trained
