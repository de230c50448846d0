"""Learning-curve studies through Snakemake: the DAG of the sample study (dry run) and a tiny
real run of a gauged and an ungauged study (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import torch
import xarray as xr
import yaml
from conftest import run_snakemake as snakemake
from conftest import sample_subset_workflow, tail
from test_workflow_dag import job_counts

from camels_lstm.learning_curves.table import COLUMNS

pytestmark = pytest.mark.workflow

RUN_BASINS = ("01022500", "01123000", "02092500", "03504000", "06280300")


def test_sample_study_dag(workflow_copy: Path) -> None:
    result = snakemake(workflow_copy, "-n", "results/learning_curve/learning_curve.csv")
    assert result.returncode == 0, tail(result.stderr)
    counts = job_counts(result.stdout)
    # 2 sizes x 2 lengths x 1 draw; 3 evaluation basins x 2 lengths of per-basin references
    assert counts["train_learning_curve_cell"] == 4  # each also predicts
    assert counts["train_learning_curve_reference"] == 6
    assert counts["learning_curve_table"] == 1
    # the study trains its own models: none of the configured experiments' jobs
    assert "train_regional" not in counts and "train_per_basin" not in counts
    whole = snakemake(workflow_copy, "-n")
    assert whole.returncode == 0, tail(whole.stderr)
    assert job_counts(whole.stdout)["learning_curve_table"] == 1  # part of `rule all`


def _tiny_study(evaluation: str) -> dict:
    return {
        "experiment": "regional",
        "overrides": {"hidden_size": 8, "seq_length": 30, "epochs": 1, "validate_every": 0},
        "n_basins": [2, 3] if evaluation == "ungauged" else [2, 4],
        "train_years": [1, 2],
        "draws": 1,
        "evaluation_basins": 2,
        "evaluation": evaluation,
    }


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp_path = tmp_path_factory.mktemp("learning_curve")
    workdir, config_path, config = sample_subset_workflow(tmp_path, RUN_BASINS)
    config["experiments"]["single_basin"].update(epochs=1, seq_length=30, validate_every=0)
    config["learning_curves"] = {
        "curve_gauged": _tiny_study("gauged"),
        "curve_ungauged": _tiny_study("ungauged"),
    }
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    targets = [f"results/{study}/{study}.csv" for study in config["learning_curves"]]
    result = snakemake(workdir, *targets)
    assert result.returncode == 0, tail(result.stderr, 80)
    return workdir


def _evaluation_basins(workdir: Path, study: str) -> set[str]:
    files = sorted((workdir / "results" / study).glob("cells/*/predictions_test.nc"))
    assert files, f"no cell predictions of {study}"
    basins = set()
    for path in files:
        with xr.open_dataset(path) as predictions:
            basins.add(tuple(sorted(str(b) for b in predictions["basin"].values)))
    assert len(basins) == 1, f"cells of {study} scored on different basins: {basins}"
    return set(basins.pop())


def _training_basins(workdir: Path, study: str) -> dict[str, set[str]]:
    models = sorted((workdir / "results" / study).glob("cells/*/model.pt"))
    return {path.parent.name: set(torch.load(path, weights_only=True)["basins"]) for path in models}


@pytest.mark.parametrize("study", ["curve_gauged", "curve_ungauged"])
def test_tiny_study_trains_every_cell_and_writes_table_and_figure(tiny_run, study) -> None:
    table = pd.read_csv(tiny_run / "results" / study / f"{study}.csv")
    assert list(table.columns) == COLUMNS  # the columns: tests/test_learning_curve_fit.py
    regional = table[table["model"] == "regional"]
    sizes = [2, 3] if study == "curve_ungauged" else [2, 4]
    assert sorted(zip(regional["n_basins"], regional["train_years"], strict=True)) == sorted(
        (n, y) for n in sizes for y in (1, 2)
    )
    assert (table["n_evaluation_basins"] == 2).all()
    assert table["median_nse"].notna().all()
    reference = table[table["model"] == "per_basin"]
    assert sorted(reference["train_years"]) == [1, 2]
    sentence = (tiny_run / "results" / study / "convergence.txt").read_text()
    assert sentence.startswith("With 2 training years the median test NSE goes from")
    for suffix in ("png", "pdf"):
        assert (tiny_run / "results" / "plots" / f"{study}.{suffix}").stat().st_size > 0
    # finished models keep their weights but lose their training checkpoints
    assert not list((tiny_run / "results" / study).rglob("checkpoint*"))


def test_subsets_are_nested_and_hold_the_evaluation_basins_or_none(tiny_run) -> None:
    for study in ("curve_gauged", "curve_ungauged"):
        evaluation = _evaluation_basins(tiny_run, study)
        subsets = _training_basins(tiny_run, study)
        assert len(subsets) == 4
        for cell, basins in subsets.items():
            assert len(basins) == int(cell[1:5])
            if study == "curve_gauged":
                assert evaluation <= basins, cell
            else:
                assert not evaluation & basins, f"{cell} trained on an evaluation basin"
        for years in ("y01", "y02"):
            small, large = (b for c, b in sorted(subsets.items()) if years in c)
            assert small < large


def test_report_caption_gives_the_answer_of_the_run(tiny_run) -> None:
    # the report of the studies' targets (the rest of the sample was not run here)
    targets = [f"results/{s}/{s}.csv" for s in ("curve_gauged", "curve_ungauged")]
    report = snakemake(tiny_run, "--report", "results/report.html", *targets)
    assert report.returncode == 0, tail(report.stderr)
    html = (tiny_run / "results" / "report.html").read_text()
    for study in ("curve_gauged", "curve_ungauged"):
        answer = (tiny_run / "results" / study / "convergence.txt").read_text().strip()
        # the caption holds the study's own sentence, not a placeholder
        assert answer.split(";")[0] in html, study
    assert "not written yet" not in html
