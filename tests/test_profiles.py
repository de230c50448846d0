"""Which settings reach which run: `snakemake --cores N` on a workstation, `snakemake --profile
slurm` on a cluster (the SLURM run itself: tests/test_slurm.py).

Snakemake loads profiles/default as the workflow profile beside any --profile, and a workflow
profile's keys win; so profiles/default may hold only what the cluster profiles hold too, with the
same values. The workstation's memory budget is set by the Snakefile for local runs only.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from conftest import REPO_ROOT, copy_workflow, run_snakemake, tail

from camels_lstm.workflow.resources import (
    needs_memory_budget,
    workstation_memory_budget_mb,
)

CLUSTER_PROFILES = ("slurm", "slurm-test")
# What a workstation run needs and a cluster run must not get.
WORKSTATION_ONLY_KEYS = {"cores", "resources", "default-resources", "set-resources", "jobs"}


def profile(name: str) -> dict:
    return yaml.safe_load((REPO_ROOT / "profiles" / name / "config.yaml").read_text())


@pytest.mark.parametrize("cluster", CLUSTER_PROFILES)
def test_default_profile_only_repeats_what_the_cluster_profile_sets(cluster: str) -> None:
    default, cluster_settings = profile("default"), profile(cluster)
    differing = {
        key: (value, cluster_settings.get(key, "(not set)"))
        for key, value in default.items()
        if cluster_settings.get(key) != value
    }
    assert not differing, f"profiles/default would override profiles/{cluster}: {differing}"
    assert not WORKSTATION_ONLY_KEYS & set(default)


def test_profile_name_slurm_in_the_repository_root_is_the_workflows_profile(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from snakemake.cli import get_profile_dir

    # Snakemake's own lookup, with a user `slurm` profile of the site present as well
    (tmp_path / "snakemake" / "slurm").mkdir(parents=True)
    (tmp_path / "snakemake" / "slurm" / "config.yaml").write_text("executor: local\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.chdir(REPO_ROOT)
    found = get_profile_dir("slurm")
    assert found is not None
    _, config_file = found
    assert config_file.resolve() == (REPO_ROOT / "profiles/slurm/config.yaml").resolve()
    assert (REPO_ROOT / "slurm").readlink() == Path("profiles/slurm")  # relative: survives a clone


def test_memory_budget_is_two_thirds_of_the_machine_for_local_runs_only() -> None:
    assert workstation_memory_budget_mb(24 * 10**9) == 16_000
    assert workstation_memory_budget_mb(10**8) == 1024  # never below one job's default
    assert workstation_memory_budget_mb() > 0  # read from this machine
    assert needs_memory_budget(True, ["_cores", "_nodes"])
    for given in ("mem_mb", "mem", "mem_mib", "mem_gb"):
        assert not needs_memory_budget(True, ["_cores", given]), given
    assert not needs_memory_budget(False, ["_cores"])  # SLURM: each job asks for its own


def provided_memory_mb(output: str) -> int | None:
    """The memory budget in Snakemake's "Provided resources: ..." line, None without one."""
    line = re.search(r"^Provided resources: (.*)$", output, re.MULTILINE)
    budget = line and re.search(r"mem_mb=(?:Resource\(\"mem_mb\", )?(\d+)", line.group(1))
    return int(budget.group(1)) if budget else None


@pytest.mark.workflow
def test_a_local_run_shares_the_machines_memory_or_the_users_budget(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path / "workflow")
    target = "results/data/static_attributes.nc"
    default = run_snakemake(workdir, target)
    assert default.returncode == 0, tail(default.stderr)
    assert provided_memory_mb(default.stderr) == workstation_memory_budget_mb()
    given = run_snakemake(workdir, "--resources", "mem_mb=2500", "--force", target)
    assert given.returncode == 0, tail(given.stderr)
    assert provided_memory_mb(given.stderr) == 2500
