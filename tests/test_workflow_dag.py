"""Snakemake builds the DAG for both shipped configs and stops on a bad config, naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from camels_testdata import extract_sample
from conftest import run_snakemake as snakemake

# Every test here spawns Snakemake (conftest.run_snakemake): not in `make test-fast`.
pytestmark = pytest.mark.workflow


def job_counts(output: str) -> dict[str, int]:
    """Parse the 'Job stats' table of a dry run into {rule: count}."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Job stats:"))
    counts: dict[str, int] = {}
    for line in lines[start + 3 :]:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            break
        counts[parts[0]] = int(parts[1])
    return counts


def test_sample_config_dry_run_builds_the_whole_dag(workflow_copy: Path) -> None:
    result = snakemake(workflow_copy, "-n")
    assert result.returncode == 0, result.stderr
    counts = job_counts(result.stdout)
    assert counts["download_archive"] == 1
    assert counts["extract_camels"] == 1
    assert counts["build_timeseries_store"] == 1
    assert counts["normalise_static_attributes"] == 1


def test_paper_config_dry_run_downloads_both_official_archives(workflow_copy: Path) -> None:
    result = snakemake(workflow_copy, "-n", "--configfile", "config/camels_us_531.yaml")
    assert result.returncode == 0, result.stderr
    counts = job_counts(result.stdout)
    assert counts["download_archive"] == 2
    assert "basin_timeseries_v1p2_metForcing_obsFlow.zip" in result.stdout
    assert "camels_attributes_v2.0.zip" in result.stdout


def test_user_copy_skips_the_download(workflow_copy: Path, tmp_path: Path) -> None:
    # a copy as users have it (the rules list its files while the DAG is built)
    camels_copy = extract_sample(tmp_path / "my_camels")
    result = snakemake(workflow_copy, "-n", "--config", f"camels={{'dir': '{camels_copy}'}}")
    assert result.returncode == 0, result.stderr
    counts = job_counts(result.stdout)
    assert "download_archive" not in counts
    assert "extract_camels" not in counts
    assert counts["build_timeseries_store"] == 1


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda c: c.update(epochs=3), "'epochs' was unexpected"),
        (
            lambda c: c["periods"].update(test={"start": "1999-09-30", "end": "1989-10-01"}),
            "'periods.test': end 1989-10-01 is before start 1999-09-30",
        ),
        (
            lambda c: c["experiments"]["regional"].update(hidden_size="big"),
            "config key 'experiments.regional.hidden_size'",
        ),
        (  # the test period overlaps the training period (1999-10-01..2008-09-30)
            lambda c: c["periods"].update(test={"start": "2005-10-01", "end": "2010-09-30"}),
            "'periods.train' (1999-10-01..2008-09-30) and 'periods.test' (2005-10-01..2010-09-30)",
        ),
        (  # validation inside training: tuning would score on training days
            lambda c: c["periods"].update(validation={"start": "2001-10-01", "end": "2003-09-30"}),
            "the validation period lies inside the train period",
        ),
    ],
)
def test_bad_config_stops_snakemake_with_the_key_named(
    workflow_copy: Path, edit, expected: str
) -> None:
    config_path = workflow_copy / "config" / "config.yaml"
    config = yaml.safe_load(config_path.read_text())
    edit(config)
    config_path.write_text(yaml.safe_dump(config))
    result = snakemake(workflow_copy, "-n")
    assert result.returncode != 0
    assert expected in result.stdout + result.stderr
