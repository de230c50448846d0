"""SLURM profiles: a real one-node SLURM runs the sample workflow; 531 basins are grouped.

The cluster test starts SLURM on localhost (tests/slurm_cluster.py), runs the workflow on five
sample basins with one-epoch models through profiles/slurm-test, first with one training job made
to fail by a bad config value, then fixed; it checks each job against what SLURM itself reports.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from conftest import REPO_ROOT, copy_workflow
from slurm_cluster import ClusterError, LocalSlurm, is_root, local_slurm, missing_programs

from camels_lstm.tuning import enumerate_candidates

SNAKEMAKE = [sys.executable, "-m", "snakemake"]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
BASINS = 5  # of the 13-basin sample: two per-basin group jobs of at most 4 basins
PER_BASIN_GROUP_SIZE = 4
CANDIDATES = 2  # of single_basin_tuned: 10 (basin, candidate) jobs in 3 group jobs
# A regional model trains and then predicts in one allocation (profiles: groups).
REGIONAL_GROUP = "rule_regional_model"
PER_BASIN_GROUP = "rule_per_basin_training"
# Longer than the whole training period: the regional training job fails at run time.
BAD_SEQ_LENGTH = 100_000
REGIONAL_EPOCHS = 20
RETRIES = 1

Completed = subprocess.CompletedProcess[str]


def profile(name: str) -> dict:
    return yaml.safe_load((REPO_ROOT / "profiles" / name / "config.yaml").read_text())


# --- the profiles, no cluster needed ---------------------------------------------------------


def test_test_profile_keeps_the_keys_of_the_real_profile() -> None:
    real, test = profile("slurm"), profile("slurm-test")
    test_only = {
        "slurm-status-command",
        "slurm-init-seconds-before-status-checks",
        "slurm-keep-successful-logs",
    }
    assert set(test) - test_only == set(real)
    sized = {"default-resources", "set-resources", "group-components", "jobs", "latency-wait"}
    for key in set(real) - sized:
        assert test[key] == real[key], key
    assert set(test["set-resources"]) == set(real["set-resources"])
    for rule, resources in real["set-resources"].items():
        assert set(test["set-resources"][rule]) == set(resources), rule
    assert set(test["group-components"]) == set(real["group-components"])


TRAINING_RULES = (
    "train_per_basin",
    "train_regional",
    "train_candidate_per_basin",
    "train_candidate_regional",
    "train_tuned_per_basin",
    "train_tuned_regional",
)


def test_training_jobs_ask_for_a_gpu_and_grow_with_attempt() -> None:
    resources = profile("slurm")["set-resources"]
    for rule in TRAINING_RULES:
        assert resources[rule]["gpu"] == 1
        assert resources[rule]["cpus_per_task"] >= 1
        assert "attempt" in resources[rule]["mem_mb"]
        assert "attempt" in resources[rule]["runtime"]
    assert profile("slurm")["retries"] >= 1


def test_paper_config_dry_run_bundles_per_basin_training(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path / "workflow")
    result = subprocess.run(
        [
            *SNAKEMAKE,
            "-n",
            "--workflow-profile",
            "profiles/slurm",
            "--configfile",
            "config/camels_us_531.yaml",
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    experiments = yaml.safe_load((REPO_ROOT / "config/camels_us_531.yaml").read_text())[
        "experiments"
    ]
    n_candidates = len(enumerate_candidates(experiments["single_basin_tuned"]["search_space"]))
    group_size = profile("slurm")["group-components"]
    # One component per basin (train + predict) or per (basin, candidate).
    expected = {
        "per_basin_training": 531,
        "per_basin_tuning": 531 * n_candidates,
        "per_basin_tuned": 531,
    }
    for group, components in expected.items():
        group_jobs = re.findall(rf"Group job {group} ", log)
        assert len(group_jobs) == math.ceil(components / group_size[group]), group
    assert re.search(r"^train_regional\s+16$", log, re.MULTILINE)
    assert len(re.findall(r"Group job regional_model ", log)) == 16


# --- a real SLURM -----------------------------------------------------------------------------


@dataclass
class SlurmJob:
    job_id: str
    state: str
    comment: str
    memory: str
    time_limit: str
    tres_per_job: str


@dataclass
class Runs:
    workdir: Path
    failing: subprocess.CompletedProcess[str]
    fixed: subprocess.CompletedProcess[str]
    jobs: list[SlurmJob]


def skip_or_fail(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI=true but the SLURM test cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalSlurm]:
    if not is_root():
        skip_or_fail("needs root to start munged, slurmctld and slurmd on localhost")
    if missing_programs() and not IN_CI and os.environ.get("CAMELS_INSTALL_SLURM") != "1":
        skip_or_fail(
            f"SLURM not installed ({', '.join(missing_programs())}); the test installs it with "
            "apt-get under CI=true or CAMELS_INSTALL_SLURM=1"
        )
    try:
        with local_slurm(install=True) as running:
            yield running
    except ClusterError as error:
        skip_or_fail(f"local SLURM did not start: {error}")


def write_tiny_config(workdir: Path, regional_seq_length: int) -> Path:
    """The sample config on five basins, with one-epoch models (and one regional seed)."""
    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text())
    basins = (workdir / "config" / "basins_sample.txt").read_text().split()[:BASINS]
    (workdir / "config" / "basins_slurm_test.txt").write_text("\n".join(basins) + "\n")
    config["basins"] = "config/basins_slurm_test.txt"
    tiny = {"epochs": 1, "validate_every": 0, "hidden_size": 8, "seq_length": 30, "seeds": [0]}
    for experiment in config["experiments"].values():
        experiment.update(tiny)
        experiment["learning_rate"] = {0: 0.01}
    config["experiments"]["single_basin_tuned"]["search_space"] = {
        "method": "grid",
        "parameters": {"hidden_size": [4, 8][:CANDIDATES]},
    }
    config["experiments"]["regional"]["seq_length"] = regional_seq_length
    # Enough epochs (a checkpoint after each) for the test to cancel the job half-way.
    config["experiments"]["regional"]["epochs"] = REGIONAL_EPOCHS
    config["training"] = {"device": "cpu", "bf16": False, "threads": 1}
    path = workdir / "config" / "slurm_test.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def snakemake_command(workdir: Path, configfile: Path, *extra: str) -> list[str]:
    return [
        *SNAKEMAKE,
        "--workflow-profile",
        "profiles/slurm-test",
        "--configfile",
        str(configfile.relative_to(workdir)),
        *extra,
    ]


def run_snakemake(cluster: LocalSlurm, workdir: Path, configfile: Path, *extra: str) -> Completed:
    return subprocess.run(
        snakemake_command(workdir, configfile, *extra),
        cwd=workdir,
        env=cluster.env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def run_and_cancel(
    cluster: LocalSlurm,
    workdir: Path,
    configfile: Path,
    appeared: list[Path],
    comment_prefix: str,
    *extra: str,
) -> Completed:
    """Run snakemake; once one of the ``appeared`` files exists, cancel the running SLURM jobs
    whose comment starts with ``comment_prefix`` (as a preemption or time limit would), so that
    snakemake resubmits them."""
    with subprocess.Popen(
        snakemake_command(workdir, configfile, *extra),
        cwd=workdir,
        env=cluster.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        deadline = time.monotonic() + 300
        while not any(path.exists() for path in appeared) and process.poll() is None:
            assert time.monotonic() < deadline, f"none of {appeared} was written"
            time.sleep(0.1)
        running = [
            job
            for job in slurm_jobs(cluster)
            if job.comment.startswith(comment_prefix) and job.state == "RUNNING"
        ]
        for job in running:
            subprocess.run(["scancel", job.job_id], env=cluster.env, check=True)
        output, _ = process.communicate(timeout=600)
    return subprocess.CompletedProcess(process.args, process.returncode, output, "")


def slurm_jobs(cluster: LocalSlurm) -> list[SlurmJob]:
    """Every job SLURM knows of (finished ones included: MinJobAge is 10 minutes)."""
    listing = subprocess.run(
        ["scontrol", "--oneliner", "show", "job"],
        env=cluster.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    jobs = []
    for line in listing.splitlines():
        fields = dict(re.findall(r"([\w/:]+)=(\S*)", line))
        if "JobId" in fields:
            jobs.append(
                SlurmJob(
                    job_id=fields["JobId"],
                    state=fields["JobState"],
                    comment=fields.get("Comment", ""),
                    memory=fields.get("MinMemoryNode", ""),
                    time_limit=fields.get("TimeLimit", ""),
                    tres_per_job=fields.get("TresPerJob", ""),
                )
            )
    return jobs


@pytest.fixture(scope="module")
def runs(cluster: LocalSlurm, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    workdir = copy_workflow(tmp_path_factory.mktemp("slurm") / "workflow")
    bad_config = write_tiny_config(workdir, BAD_SEQ_LENGTH)
    basins = (workdir / "config" / "basins_slurm_test.txt").read_text().split()
    per_basin_models = [
        workdir / "results" / "single_basin" / basin / "seed0" / "model.pt" for basin in basins
    ]
    # The regional model fails (bad config value); a per-basin group job is cancelled once one
    # of its basins is trained. One retry instead of the profile's two: enough to see the memory
    # grow, 30 s faster.
    failing = run_and_cancel(
        cluster,
        workdir,
        bad_config,
        per_basin_models,
        PER_BASIN_GROUP,
        "--retries",
        str(RETRIES),
    )
    regional_checkpoint = workdir / "results" / "regional" / "seed0" / "checkpoint.pt"
    fixed = run_and_cancel(
        cluster, workdir, write_tiny_config(workdir, 30), [regional_checkpoint], REGIONAL_GROUP
    )
    return Runs(workdir, failing, fixed, slurm_jobs(cluster))


def jobs_of(runs: Runs, comment_prefix: str, state: str | None = None) -> list[SlurmJob]:
    return [
        job
        for job in runs.jobs
        if job.comment.startswith(comment_prefix) and state in (None, job.state)
    ]


@pytest.mark.slurm
def test_fixed_rerun_completes_every_output(runs: Runs) -> None:
    assert runs.fixed.returncode == 0, runs.fixed.stdout[-5000:]
    basins = (runs.workdir / "config" / "basins_slurm_test.txt").read_text().split()
    expected = [
        "results/data/camels_us.zarr",
        "results/data/static_attributes.nc",
        "results/regional/seed0/model.pt",
        *(f"results/single_basin/{basin}/seed0/model.pt" for basin in basins),
        *(f"results/single_basin/{basin}/seed0/predictions_test.nc" for basin in basins),
        *(f"results/single_basin_tuned/{basin}/seed0/predictions_test.nc" for basin in basins),
        "results/single_basin_tuned/tuning.csv",
        "results/regional/seed0/predictions_test.nc",
        "results/regional/metrics.csv",
        "results/summary.csv",
        "results/plots/nse_cdf.png",
    ]
    missing = [path for path in expected if not (runs.workdir / path).exists()]
    assert not missing


@pytest.mark.slurm
def test_every_job_ran_as_a_slurm_job_with_its_log(runs: Runs) -> None:
    completed = {job.job_id: job for job in runs.jobs if job.state == "COMPLETED"}
    for rule in ("extract_camels", "build_timeseries_store", "normalise_static_attributes"):
        assert len(jobs_of(runs, f"rule_{rule}", "COMPLETED")) == 1, rule
    assert len(jobs_of(runs, REGIONAL_GROUP, "COMPLETED")) == 1
    groups = jobs_of(runs, PER_BASIN_GROUP, "COMPLETED")
    assert len(groups) == math.ceil(BASINS / PER_BASIN_GROUP_SIZE)
    # Tuning: one component per (basin, candidate), then one per basin for the final model.
    candidate_groups = jobs_of(runs, "rule_per_basin_tuning", "COMPLETED")
    assert len(candidate_groups) == math.ceil(BASINS * CANDIDATES / PER_BASIN_GROUP_SIZE)
    tuned_groups = jobs_of(runs, "rule_per_basin_tuned", "COMPLETED")
    assert len(tuned_groups) == math.ceil(BASINS / PER_BASIN_GROUP_SIZE)
    assert len(completed) == 4 + len(groups) + len(candidate_groups) + len(tuned_groups)
    # The download is a local rule: it never reaches SLURM.
    assert not jobs_of(runs, "rule_download_archive")
    logs = {path.stem: path for path in (runs.workdir / ".snakemake/slurm_logs").rglob("*.log")}
    assert set(completed) <= set(logs)
    for job_id in completed:
        assert "Finished jobid" in logs[job_id].read_text(errors="replace")


@pytest.mark.slurm
def test_training_jobs_get_a_gpu_and_groups_add_up_their_runtime(runs: Runs) -> None:
    training = [
        job
        for group in ("per_basin_training", "per_basin_tuning", "per_basin_tuned", "regional_model")
        for job in jobs_of(runs, f"rule_{group}")
    ]
    assert len(training) >= 4
    assert all(job.tres_per_job == "gres:gpu:1" for job in training)
    # profiles/slurm-test: train_candidate_per_basin runtime 5 * attempt; 4 per group job.
    full_group = max(jobs_of(runs, "rule_per_basin_tuning"), key=lambda job: job.time_limit)
    assert full_group.time_limit == f"00:{PER_BASIN_GROUP_SIZE * 5}:00"


@pytest.mark.slurm
def test_failing_job_is_reported_and_retried_with_more_memory(runs: Runs) -> None:
    assert runs.failing.returncode != 0
    log = runs.failing.stdout + runs.failing.stderr
    assert "Error in rule train_regional" in log
    failed = jobs_of(runs, REGIONAL_GROUP, "FAILED")
    assert len(failed) == 1 + RETRIES
    # profiles/slurm-test: train_regional mem_mb 2000 * attempt, runtime 20 * attempt, plus
    # predict_regional (same group job, after it) runtime 5 * attempt
    memory = sorted(int(job.memory.rstrip("M")) for job in failed)
    assert memory == [2000 * attempt for attempt in range(1, RETRIES + 2)]
    limits = sorted(job.time_limit for job in failed)
    assert limits == [f"00:{25 * attempt}:00" for attempt in range(1, RETRIES + 2)]
    # keep-going: the rest of the workflow finished in the failing run already.
    assert not re.search(r"^train_per_basin\s+\d+$", runs.fixed.stdout, re.MULTILINE)
    assert not re.search(r"^train_candidate_per_basin\s+\d+$", runs.fixed.stdout, re.MULTILINE)


@pytest.mark.slurm
def test_resubmitted_group_job_does_not_train_its_finished_basins_again(runs: Runs) -> None:
    # Snakemake runs every member of a resubmitted group job again (after deleting its
    # outputs); a basin trained before the cancellation resumes from its kept final checkpoint.
    assert jobs_of(runs, PER_BASIN_GROUP, "CANCELLED")
    basins = (runs.workdir / "config" / "basins_slurm_test.txt").read_text().split()
    logs = [
        (runs.workdir / "logs" / "train" / "single_basin" / basin / "seed0.log").read_text()
        for basin in basins
    ]
    resumed = [log for log in logs if re.search(r"resuming from \S+ after epoch 1\b", log)]
    assert resumed, "no basin of the cancelled group job resumed from its final checkpoint"
    assert all("samples/s" not in log.split("resuming from")[-1] for log in resumed)
    # Aggregation removed the kept checkpoints once the predictions were collected.
    assert not list((runs.workdir / "results" / "single_basin").rglob("checkpoint.pt"))


@pytest.mark.slurm
def test_cancelled_training_job_is_resubmitted_and_resumes_from_its_checkpoint(
    runs: Runs,
) -> None:
    cancelled = jobs_of(runs, REGIONAL_GROUP, "CANCELLED")
    assert len(cancelled) == 1
    completed = jobs_of(runs, REGIONAL_GROUP, "COMPLETED")
    assert int(completed[0].job_id) > int(cancelled[0].job_id)
    training_log = (runs.workdir / "logs/train/regional/seed0.log").read_text()
    resumed = re.search(r"resuming from \S+ after epoch (\d+)", training_log)
    assert resumed, training_log[-3000:]
    assert 1 <= int(resumed.group(1)) < REGIONAL_EPOCHS
    assert f"epoch {REGIONAL_EPOCHS}/{REGIONAL_EPOCHS}" in training_log
    assert not (runs.workdir / "results/regional/seed0/checkpoint.pt").exists()
