"""The evaluate and plot rules end to end on generated per-model predictions (no training).

A small Snakefile in tmp_path includes rules/common.smk, rules/evaluate.smk and rules/plot.smk
of this repository; the per-model prediction files and static_attributes.nc are generated.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO_ROOT
from conftest import run_snakemake as _snakemake
from synthetic_predictions import (
    synthetic_observed,
    write_experiment,
    write_static_attributes,
)

# Every test here spawns Snakemake (conftest.run_snakemake): not in `make test-fast`.
pytestmark = pytest.mark.workflow

BASINS = ["01022500", "01123000", "02092500", "02296500"]
SNAKEFILE = f"""
import sys
from pathlib import Path
sys.path.insert(0, "{REPO_ROOT / "src"}")
from camels_lstm.config import validate_config

configfile: "config.yaml"
validate_config(config, "{REPO_ROOT / "workflow/schemas/config.schema.yaml"}")

include: "{REPO_ROOT / "rules/common.smk"}"
include: "{REPO_ROOT / "rules/evaluate.smk"}"
include: "{REPO_ROOT / "rules/plot.smk"}"

rule all:
    input:
        PLAN.evaluation_targets(),
"""


def _config() -> dict:
    experiment = {"model": "lstm", "dynamic_inputs": ["prcp"]}
    return {
        "camels": {"dir": "camels"},
        "basins": "basins.txt",
        "periods": {
            "train": {"start": "1999-10-01", "end": "2001-09-30"},
            "validation": {"start": "1987-10-01", "end": "1989-09-30"},
            "test": {"start": "1989-10-01", "end": "1991-09-30"},
        },
        "experiments": {
            "single_basin": {**experiment, "scope": "per_basin", "seeds": [0]},
            "regional": {**experiment, "scope": "regional", "seeds": [0, 1]},
        },
        "evaluation": {"min_observed_days": 365},
    }


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "basins.txt").write_text("\n".join(BASINS) + "\n")
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(_config()))
    (tmp_path / "Snakefile").write_text(SNAKEFILE)
    rng = np.random.default_rng(1)
    dates = np.arange(np.datetime64("1989-10-01"), np.datetime64("1991-10-01"))
    results = tmp_path / "results"
    observed = synthetic_observed(len(BASINS), dates, rng)
    observed[3, 200:] = np.nan  # fourth basin: under 200 observed days, fewer than 365
    for period in ("test", "validation"):
        write_experiment(
            tmp_path, "single_basin", "per_basin", BASINS, [0], period, dates, observed, rng
        )
        write_experiment(
            tmp_path, "regional", "regional", BASINS, [0, 1], period, dates, observed, rng
        )
    (results / "data").mkdir()
    write_static_attributes(results / "data" / "static_attributes.nc", BASINS, rng)
    return tmp_path


def test_evaluation_rules_produce_tables_plots_and_report(workdir: Path) -> None:
    results = workdir / "results"
    # Training keeps the final checkpoint beside a finished model; aggregation removes it.
    finished = results / "regional" / "seed0"
    (finished / "model.pt").write_bytes(b"weights")
    (finished / "checkpoint.pt").write_bytes(b"state")
    result = _snakemake(workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (finished / "checkpoint.pt").exists()
    assert (finished / "model.pt").is_file()
    for name in ("nse_cdf", "nse_scatter", "nse_difference_map", "hydrographs_regional"):
        assert (results / "plots" / f"{name}.png").stat().st_size > 10_000
        assert (results / "plots" / f"{name}.pdf").is_file()
    metrics = pd.read_csv(results / "regional" / "metrics.csv", dtype={"basin": str})
    assert sorted(set(metrics["member"])) == ["ensemble", "seed0", "seed1"]
    assert set(metrics["basin"]) == set(BASINS)
    short = metrics[metrics["basin"] == "02296500"]
    assert len(short) == 3
    assert short["status"].str.fullmatch(r"too few observed days \(\d+ < 365\)").all()
    assert short["nse"].isna().all()
    summary = pd.read_csv(results / "summary.csv")
    assert set(summary["basins_compared"]) == {3}
    assert (results / "regional" / "predictions_validation.nc").is_file() is False

    report = _snakemake(workdir, "--report", "results/report.html")
    assert report.returncode == 0, report.stdout + report.stderr
    assert (results / "report.html").stat().st_size > 100_000


def test_missing_per_model_file_fails_the_aggregate_with_its_name(workdir: Path) -> None:
    missing = workdir / "results" / "regional" / "seed1" / "predictions_test.nc"
    missing.unlink()
    result = _snakemake(workdir, "results/regional/predictions_test.nc")
    assert result.returncode != 0
    assert "results/regional/seed1/predictions_test.nc" in result.stdout + result.stderr
