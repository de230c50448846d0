"""Shared fixtures: repository paths and a scratch copy of the workflow for Snakemake runs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_ARCHIVE = REPO_ROOT / "data" / "camels_us_sample.zip"
SCHEMA_PATH = REPO_ROOT / "workflow" / "schemas" / "config.schema.yaml"
WORKFLOW_PARTS = ("Snakefile", "rules", "workflow", "config", "data", "src", "profiles", "envs")


def copy_workflow(destination: Path) -> Path:
    """Copy what a Snakemake run needs into ``destination``; results land there, not in the repo."""
    destination.mkdir(parents=True, exist_ok=True)
    for part in WORKFLOW_PARTS:
        source = REPO_ROOT / part
        if source.is_dir():
            shutil.copytree(
                source,
                destination / part,
                ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
            )
        else:
            shutil.copy2(source, destination / part)
    return destination


def run_snakemake(
    workdir: Path, *arguments: str, timeout: int = 900
) -> subprocess.CompletedProcess[str]:
    """``snakemake --cores 2 <arguments>`` in ``workdir``, output captured, never raising."""
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", *arguments],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def workflow_copy(tmp_path: Path) -> Path:
    return copy_workflow(tmp_path / "workflow_copy")
