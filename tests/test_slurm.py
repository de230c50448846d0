"""SLURM profiles: a real one-node SLURM runs the sample workflow; 531 basins are grouped.

The cluster test starts SLURM on localhost (tests/slurm_cluster.py), runs the workflow on five
sample basins with one-epoch models through profiles/slurm-test, first with one training job made
to fail by a bad config value, then fixed; it checks each job against what SLURM itself reports.

Nothing here waits for a fixed time: the runs poll files and job states with deadlines meant for
a loaded machine (CAMELS_LSTM_TEST_TIMEOUT_SCALE scales them, see tests/conftest.py). A deadline
that passes, or a cluster that does not come up in time, fails every SLURM test with what was
awaited (job id, name, last state, squeue, the tail of Snakemake's output) instead of erroring in
the fixture.
"""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from conftest import REPO_ROOT, copy_workflow, latest_snakemake_log, run_command, tail, timeout_s
from slurm_cluster import (
    QUERY_TIMEOUT_S,
    START_TIMEOUT_S,
    ClusterError,
    ClusterTimeout,
    LocalSlurm,
    is_root,
    local_slurm,
    missing_programs,
)
from test_workflow_dag import job_counts

SNAKEMAKE = [sys.executable, "-m", "snakemake"]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
BASINS = 5  # of the 13-basin sample: two per-basin group jobs of at most 4 basins
PER_BASIN_GROUP_SIZE = 4
CANDIDATES = 2  # of single_basin_tuned, trained in one tune_per_basin job per basin
TUNING_GROUP_SIZE = 2  # profiles/slurm-test: 5 per-basin searches in 3 group jobs
# A regional model trains and then predicts in one allocation (profiles: groups).
REGIONAL_GROUP = "rule_regional_model"
PER_BASIN_GROUP = "rule_per_basin_training"
# Longer than the sample's whole record (1980-2014, 12784 days): the regional training job
# fails at run time, having found no sample. Its memory estimate grows with seq_length: 20000
# days ask for about 2.7 GB per attempt, which a CI runner's node still has.
BAD_SEQ_LENGTH = 20_000
REGIONAL_EPOCHS = 20
RETRIES = 1
# Deadlines (seconds, scaled by CAMELS_LSTM_TEST_TIMEOUT_SCALE). On 2 idle cores a job reaches
# the awaited state within a minute or two and each run takes a few minutes; a load average of
# 5-9 makes that several times longer.
STATE_TIMEOUT_S = 1800  # one awaited state: a file written by a running job, a job started
RUN_TIMEOUT_S = 3600  # one whole Snakemake run through SLURM
STOP_TIMEOUT_S = 120  # Snakemake cancelling its jobs after SIGTERM
FINAL_STATES = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL"}

Completed = subprocess.CompletedProcess[str]


def profile(name: str) -> dict:
    return yaml.safe_load((REPO_ROOT / "profiles" / name / "config.yaml").read_text())


def workflow_rules() -> set[str]:
    """Names of the rules in Snakefile and rules/*.smk (``rule x:``, ``use rule y as x``)."""
    names: set[str] = set()
    for path in [REPO_ROOT / "Snakefile", *sorted((REPO_ROOT / "rules").glob("*.smk"))]:
        text = path.read_text()
        names.update(re.findall(r"^(?:rule|checkpoint)\s+(\w+)\s*:", text, re.MULTILINE))
        names.update(re.findall(r"^use\s+rule\s+\w+\s+as\s+(\w+)", text, re.MULTILINE))
    return names


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


def test_profiles_name_only_rules_of_the_workflow() -> None:
    rules = workflow_rules()
    assert {"train_per_basin", "train_regional", "predict_regional"} <= rules
    for name in ("slurm", "slurm-test"):
        named = set(profile(name)["set-resources"]) | set(profile(name)["groups"])
        assert not named - rules, f"profiles/{name} names rules the workflow lacks"


TRAINING_RULES = (
    "train_per_basin",
    "train_regional",
    "tune_per_basin",
    "train_candidate_regional",
)
PREDICTION_RULES = ("predict_regional",)


def test_training_jobs_ask_for_a_gpu_and_grow_with_attempt() -> None:
    for name in ("slurm", "slurm-test"):
        resources = profile(name)["set-resources"]
        for rule in (*TRAINING_RULES, *PREDICTION_RULES):
            assert resources[rule]["gpu"] == 1, (name, rule)
            assert resources[rule]["cpus_per_task"] >= 1, (name, rule)
            assert "attempt" in str(resources[rule]["runtime"]), (name, rule)
            # Memory is the rule's own estimate times the attempt, not a profile constant.
            assert "mem_mb" not in resources[rule], (name, rule)
    assert profile("slurm")["retries"] >= 1


@pytest.mark.workflow
def test_paper_config_dry_run_bundles_per_basin_training(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path / "workflow")
    (workdir / "slurm").symlink_to("profiles/slurm")  # as in the repository root
    result = run_command(
        [
            *SNAKEMAKE,
            "-n",
            "--profile",
            "slurm",
            "--configfile",
            "config/camels_us_531.yaml",
        ],
        workdir,
        timeout=1800,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    paper = yaml.safe_load((REPO_ROOT / "config/camels_us_531.yaml").read_text())
    study = paper["learning_curves"]["learning_curve"]
    group_size = profile("slurm")["group-components"]
    counts = job_counts(log)
    # One component per (experiment, basin, seed) (training and prediction in one job; tuned
    # experiments' final models included, as far as the dry run knows them) or per basin of a
    # search.
    experiments = paper["experiments"]
    per_basin_conceptual = [
        name
        for name, settings in experiments.items()
        if "calibration" in settings and settings["scope"] == "per_basin"
    ]
    per_basin_models = counts["train_per_basin"]
    assert per_basin_models >= 531 and per_basin_models % 531 == 0
    # the learning-curve study: per evaluation basin and training length one reference model
    references = study["evaluation_basins"] * len(study["train_years"])
    assert counts["train_learning_curve_reference"] == references
    expected = {
        "per_basin_training": per_basin_models,
        "per_basin_tuning": 531,  # one search per basin, all its candidates in one job
        "learning_curve_reference": references,
        # one calibration per basin of each per-basin conceptual experiment (GR4J, Shyft's two)
        "conceptual_calibration": 531 * len(per_basin_conceptual),
    }
    assert set(group_size) == set(expected)
    for group, components in expected.items():
        group_jobs = re.findall(rf"Group job {group} ", log)
        assert len(group_jobs) == math.ceil(components / group_size[group]), group
    # 8 seeds each of regional, ealstm, hybrid, regional_snow and hybrid_shyft; 12 folds x 8
    # seeds of regional_ungauged, each fold model training and predicting its fold in one
    # allocation
    assert counts["train_regional"] == 5 * 8
    ungauged = experiments["regional_ungauged"]
    fold_models = ungauged["folds"] * len(ungauged["seeds"])
    assert counts["train_ungauged"] == counts["predict_ungauged"] == fold_models
    assert len(re.findall(r"Group job regional_model ", log)) == 5 * 8 + fold_models
    assert counts["calibrate_conceptual_regional"] == 3  # GR4J's, PT-GS-K's and PT-ST-HBV's
    conceptual = [name for name, settings in experiments.items() if "calibration" in settings]
    assert counts["simulate_conceptual"] == len(conceptual) == 6
    # each cell trains and predicts in one job
    cells = len(study["n_basins"]) * len(study["train_years"]) * study["draws"]
    assert counts["train_learning_curve_cell"] == cells
    assert "predict_learning_curve_cell" not in counts


# --- a real SLURM -----------------------------------------------------------------------------


@dataclass
class SlurmJob:
    job_id: str
    state: str
    comment: str
    memory: str
    time_limit: str
    tres_per_job: str
    reason: str = ""

    def describe(self) -> str:
        why = f", reason {self.reason}" if self.reason and self.reason != "None" else ""
        return f"job {self.job_id} ({self.comment or 'no comment'}) {self.state}{why}"


@dataclass
class Runs:
    workdir: Path
    failing: Completed | None = None
    fixed: Completed | None = None
    jobs: list[SlurmJob] = field(default_factory=list)
    problem: str = ""  # why the runs did not finish; every SLURM test fails with it


class RunTimeout(Exception):
    """A deadline of the SLURM runs passed; the message says what was awaited."""


def skip_or_fail(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI=true but the SLURM test cannot run: {reason}")
    pytest.skip(reason)


def megabytes(memory: str) -> int:
    """scontrol's MinMemoryNode (``2000M``, ``3G``) in MB."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGT]?)", memory)
    assert match, f"unexpected memory value {memory!r}"
    factor = {"K": 1 / 1024, "": 1, "M": 1, "G": 1024, "T": 1024**2}[match.group(2)]
    return round(float(match.group(1)) * factor)


def logged_mem_mb(log: str, rule: str) -> list[int]:
    """mem_mb of each ``rule`` job in the order Snakemake submitted them (a resubmission is
    logged again, with the resources of its attempt)."""
    blocks = re.findall(
        rf"^[ \t]*rule {rule}:\n((?:[ \t]+\w+: .*\n)+)", log + "\n", flags=re.MULTILINE
    )
    memory = []
    for block in blocks:
        resources = re.search(r"^[ \t]+resources: (.*)$", block, re.MULTILINE)
        if resources is None:
            # The member list of an "Error in group ..." report: no resources, not a submission.
            assert "check log file(s)" in block, f"no resources logged for a {rule} job:\n{block}"
            continue
        mem_mb = re.search(r"\bmem_mb=(\d+)", resources.group(1))
        assert mem_mb, f"no mem_mb among the resources of a {rule} job: {resources.group(1)}"
        memory.append(int(mem_mb.group(1)))
    return memory


def write_tiny_config(workdir: Path, regional_seq_length: int) -> Path:
    """The sample config on five basins, with one-epoch models (and one regional seed)."""
    config = yaml.safe_load((workdir / "config" / "config.yaml").read_text())
    basins = (workdir / "config" / "basins_sample.txt").read_text().split()[:BASINS]
    (workdir / "config" / "basins_slurm_test.txt").write_text("\n".join(basins) + "\n")
    config["basins"] = "config/basins_slurm_test.txt"
    # Sequence-to-one training (the sample's predict_last_n 365 makes an epoch of five basins a
    # few steps: the cancelled job would finish before it is cancelled).
    tiny = {"epochs": 1, "validate_every": 0, "hidden_size": 8, "seq_length": 30, "seeds": [0]}
    tiny |= {"predict_last_n": 1, "window_stride": None, "batch_size": 256}
    # The plain LSTM experiments only: the conceptual stage's and the ungauged folds' grouping is
    # checked by the paper config's dry run, their jobs by tests/test_conceptual_workflow.py and
    # tests/test_package_workflow.py; a finetuned experiment would have to follow regional's
    # failing seq_length, and the inference entry predicts with regional's package.
    for name in (
        "conceptual_per_basin",
        "conceptual_regional",
        "hybrid",
        "shyft_per_basin",
        "shyft_regional",
        "regional_snow",
        "hybrid_shyft",
        "regional_ungauged",
        "regional_finetuned",
    ):
        del config["experiments"][name]
    config["inference"] = {}
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
    config["learning_curves"] = {}  # the sample study needs all 13 basins
    path = workdir / "config" / "slurm_test.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def snakemake_command(workdir: Path, configfile: Path, *extra: str) -> list[str]:
    """`snakemake --profile slurm ...` as a cluster user types it: in the test's copy of the
    workflow the name `slurm` links to profiles/slurm-test, the test cluster's profile."""
    return [
        *SNAKEMAKE,
        "--profile",
        "slurm",
        "--configfile",
        str(configfile.relative_to(workdir)),
        *extra,
    ]


def slurm_jobs(cluster: LocalSlurm) -> list[SlurmJob]:
    """Every job SLURM knows of (finished ones included: MinJobAge is 12 hours)."""
    try:
        listing = subprocess.run(
            ["scontrol", "--oneliner", "show", "job"],
            env=cluster.env,
            capture_output=True,
            text=True,
            timeout=QUERY_TIMEOUT_S,
            check=True,
        ).stdout
    except (subprocess.TimeoutExpired, subprocess.CalledProcessError) as error:
        raise RunTimeout(f"`scontrol show job` did not answer: {error}\n{cluster.logs()}") from None
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
                    reason=fields.get("Reason", ""),
                )
            )
    return jobs


def squeue(cluster: LocalSlurm) -> str:
    try:
        return subprocess.run(
            ["squeue", "--all", "--format=%i %j %k %T %r %M"],
            env=cluster.env,
            capture_output=True,
            text=True,
            timeout=QUERY_TIMEOUT_S,
            check=False,
        ).stdout
    except subprocess.TimeoutExpired:
        return f"(squeue gave no answer within {QUERY_TIMEOUT_S:.0f} s)"


class SnakemakeRun:
    """Snakemake through profiles/slurm-test in the background, its output in a file (a pipe
    would block it once full while the test polls)."""

    def __init__(self, cluster: LocalSlurm, workdir: Path, label: str, command: list[str]):
        self.cluster, self.workdir, self.label, self.command = cluster, workdir, label, command
        self.output_path = workdir.parent / f"snakemake-{label}.out"
        with self.output_path.open("w") as output:
            self.process = subprocess.Popen(
                command,
                cwd=workdir,
                env=cluster.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.output_path.read_text(errors="replace")

    def wait_until(self, done: Callable[[], bool], what: str, jobs: str, limit_s: float) -> None:
        """Poll ``done`` until it holds or Snakemake exits; past ``limit_s`` (scaled) stop
        Snakemake and raise RunTimeout naming ``what`` and the state of the ``jobs`` (a comment
        prefix, "" for all) that were to get there."""
        limit = timeout_s(limit_s)
        deadline = time.monotonic() + limit
        while not done() and self.process.poll() is None:
            if time.monotonic() >= deadline:
                raise RunTimeout(self.stop_and_describe(what, jobs, limit))
            # Often: the cancellation should hit the job soon after its file appears.
            time.sleep(0.2)

    def finish(self) -> Completed:
        self.wait_until(lambda: False, "Snakemake to finish", "", RUN_TIMEOUT_S)
        return subprocess.CompletedProcess(self.command, self.process.returncode, self.output(), "")

    def stop(self) -> None:
        """SIGTERM (Snakemake then cancels its SLURM jobs), SIGKILL if it does not end in time;
        a no-op once it has exited. Snakemake is this test's child, in its own session."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout_s(STOP_TIMEOUT_S))
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop_and_describe(self, what: str, prefix: str, limit: float) -> str:
        """Stop Snakemake; say what was awaited and where the ``prefix`` jobs were then."""
        try:
            jobs = [job for job in slurm_jobs(self.cluster) if job.comment.startswith(prefix)]
        except RunTimeout as silent:
            jobs, silence = [], str(silent)
        else:
            silence = ""
        waiting = [job for job in jobs if job.state not in FINAL_STATES]
        if waiting:
            states = "; ".join(job.describe() for job in waiting)
            summary = f"{states}; still so after {limit:.0f} s"
        else:
            which = f" {prefix}*" if prefix else ""
            summary = f"no unfinished SLURM job{which} after {limit:.0f} s {silence}".rstrip()
        queue = squeue(self.cluster)
        self.stop()
        return "\n".join(
            part
            for part in [
                f"{self.label} run: waited for {what}: {summary} "
                "(CAMELS_LSTM_TEST_TIMEOUT_SCALE scales the limit)",
                f"command: {' '.join(self.command)}",
                f"workdir: {self.workdir}",
                f"--- squeue\n{queue.strip()}",
                f"--- snakemake output (tail, all of it in {self.output_path})\n"
                f"{tail(self.output(), 60)}",
                latest_snakemake_log(self.workdir),
            ]
            if part
        )


def run_and_cancel(
    cluster: LocalSlurm,
    workdir: Path,
    configfile: Path,
    label: str,
    appeared: list[Path],
    comment_prefix: str,
    *extra: str,
) -> Completed:
    """Run snakemake; once one of the ``appeared`` files exists, cancel the running SLURM jobs
    whose comment starts with ``comment_prefix`` (as a preemption or time limit would), so that
    snakemake resubmits them."""
    run = SnakemakeRun(cluster, workdir, label, snakemake_command(workdir, configfile, *extra))
    names = ", ".join(str(path.relative_to(workdir)) for path in appeared)
    try:
        run.wait_until(
            lambda: any(path.exists() for path in appeared),
            f"one of {names} to be written by a RUNNING {comment_prefix} job",
            comment_prefix,
            STATE_TIMEOUT_S,
        )
        for job in slurm_jobs(cluster):
            if job.comment.startswith(comment_prefix) and job.state == "RUNNING":
                # No check: the job may have ended since; the tests then miss a CANCELLED job.
                subprocess.run(
                    ["scancel", job.job_id],
                    env=cluster.env,
                    capture_output=True,
                    timeout=QUERY_TIMEOUT_S,
                    check=False,
                )
        return run.finish()
    finally:
        run.stop()


def merged(*snapshots: list[SlurmJob]) -> list[SlurmJob]:
    """Jobs of several ``slurm_jobs`` snapshots, the latest state of each."""
    jobs = {job.job_id: job for snapshot in snapshots for job in snapshot}
    return sorted(jobs.values(), key=lambda job: int(job.job_id))


def run_the_workflow(cluster: LocalSlurm, workdir: Path) -> Runs:
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
        "failing",
        per_basin_models,
        PER_BASIN_GROUP,
        "--retries",
        str(RETRIES),
    )
    after_failing = slurm_jobs(cluster)
    regional_checkpoint = workdir / "results" / "regional" / "seed0" / "checkpoint.pt"
    fixed = run_and_cancel(
        cluster,
        workdir,
        write_tiny_config(workdir, 30),
        "fixed",
        [regional_checkpoint],
        REGIONAL_GROUP,
    )
    return Runs(workdir, failing, fixed, merged(after_failing, slurm_jobs(cluster)))


@pytest.fixture(scope="module")
def slurm_runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """Both runs, done once for the module; the cluster is stopped before the tests look."""
    if not is_root():
        skip_or_fail("needs root to start munged, slurmctld and slurmd on localhost")
    if missing_programs() and not IN_CI and os.environ.get("CAMELS_INSTALL_SLURM") != "1":
        skip_or_fail(
            f"SLURM not installed ({', '.join(missing_programs())}); the test installs it with "
            "apt-get under CI=true or CAMELS_INSTALL_SLURM=1"
        )
    workdir = copy_workflow(tmp_path_factory.mktemp("slurm") / "workflow")
    (workdir / "slurm").symlink_to("profiles/slurm-test")  # the repository's: profiles/slurm
    try:
        with local_slurm(install=True, start_timeout_s=timeout_s(START_TIMEOUT_S)) as cluster:
            return run_the_workflow(cluster, workdir)
    except ClusterTimeout as slow:
        return Runs(workdir, problem=f"local SLURM did not come up in time: {slow}")
    except RunTimeout as timeout:
        return Runs(workdir, problem=str(timeout))
    except ClusterError as error:
        skip_or_fail(f"local SLURM did not start: {error}")
        raise


def finished(runs: Runs) -> Runs:
    """``runs`` if both runs ended, else fail the calling test with what was still awaited."""
    if runs.problem:
        pytest.fail(runs.problem, pytrace=False)
    assert runs.failing is not None and runs.fixed is not None
    return runs


def jobs_of(runs: Runs, comment_prefix: str, state: str | None = None) -> list[SlurmJob]:
    return [
        job
        for job in runs.jobs
        if job.comment.startswith(comment_prefix) and state in (None, job.state)
    ]


@pytest.mark.slurm
def test_fixed_rerun_completes_every_output(slurm_runs: Runs) -> None:
    runs = finished(slurm_runs)
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
def test_every_job_ran_as_a_slurm_job_with_its_log(slurm_runs: Runs) -> None:
    runs = finished(slurm_runs)
    completed = {job.job_id: job for job in runs.jobs if job.state == "COMPLETED"}
    for rule in ("extract_camels", "build_timeseries_store", "normalise_static_attributes"):
        assert len(jobs_of(runs, f"rule_{rule}", "COMPLETED")) == 1, rule
    assert len(jobs_of(runs, REGIONAL_GROUP, "COMPLETED")) == 1
    # Per-basin models of both per-basin experiments (the tuned one's final models train with
    # the same rule, in the same group): 2 * BASINS components, at most 4 per group job; the
    # tuned ones can join only once their selection is known, so they may form groups of their
    # own.
    groups = jobs_of(runs, PER_BASIN_GROUP, "COMPLETED")
    per_basin_components = 2 * BASINS
    fewest = math.ceil(per_basin_components / PER_BASIN_GROUP_SIZE)
    assert fewest <= len(groups) <= 2 * math.ceil(BASINS / PER_BASIN_GROUP_SIZE)
    # Tuning: one component per basin (all its candidates in one job).
    candidate_groups = jobs_of(runs, "rule_per_basin_tuning", "COMPLETED")
    assert len(candidate_groups) == math.ceil(BASINS / TUNING_GROUP_SIZE)
    assert len(completed) == 4 + len(groups) + len(candidate_groups), [
        job.describe() for job in runs.jobs
    ]
    # The download is a local rule: it never reaches SLURM.
    assert not jobs_of(runs, "rule_download_archive")
    logs = {path.stem: path for path in (runs.workdir / ".snakemake/slurm_logs").rglob("*.log")}
    assert set(completed) <= set(logs)
    for job_id in completed:
        assert "Finished jobid" in logs[job_id].read_text(errors="replace")


@pytest.mark.slurm
def test_no_workstation_setting_reaches_the_cluster_run(slurm_runs: Runs) -> None:
    runs = finished(slurm_runs)
    output = runs.fixed.stdout
    # (Snakemake writes "profiles" for one --profile beside the workflow profile)
    using = r"Using profiles? slurm and workflow specific profile profiles/default"
    assert re.search(using, output), tail(output, 40)
    # no memory budget (a local run's 2/3 of RAM) and the cluster profile's job limit
    resources = re.search(r"^Provided resources: (.*)$", output, re.MULTILINE)
    assert resources is None or "mem" not in resources.group(1), resources.group(0)
    assert re.search(r"^Provided remote nodes: 8$", output, re.MULTILINE), tail(output, 40)
    # a job without a runtime of its own gets the cluster profile's default-resources
    # (profiles/slurm-test: runtime 10 * attempt), not a workstation default
    (attributes,) = jobs_of(runs, "rule_normalise_static_attributes", "COMPLETED")
    assert attributes.time_limit == "00:10:00"
    assert megabytes(attributes.memory) == 500


@pytest.mark.slurm
def test_training_jobs_get_a_gpu_and_groups_add_up_their_runtime(slurm_runs: Runs) -> None:
    runs = finished(slurm_runs)
    training = [
        job
        for group in ("per_basin_training", "per_basin_tuning", "regional_model")
        for job in jobs_of(runs, f"rule_{group}")
    ]
    assert len(training) >= 4
    assert all(job.tres_per_job == "gres:gpu:1" for job in training)
    # profiles/slurm-test: tune_per_basin runtime 10 * attempt; 2 per group job.
    full_group = max(jobs_of(runs, "rule_per_basin_tuning"), key=lambda job: job.time_limit)
    assert full_group.time_limit == f"00:{TUNING_GROUP_SIZE * 10}:00"


@pytest.mark.slurm
def test_failing_job_is_reported_and_retried_with_more_memory(slurm_runs: Runs) -> None:
    runs = finished(slurm_runs)
    assert runs.failing.returncode != 0
    log = runs.failing.stdout + runs.failing.stderr
    assert "Error in rule train_regional" in log
    failed = jobs_of(runs, REGIONAL_GROUP, "FAILED")
    assert len(failed) == 1 + RETRIES
    # No profile sets their memory: each attempt asks for the rules' own estimate times the
    # attempt, as Snakemake logged it at submission; the group job (training, then prediction)
    # asks for the larger of its two members.
    # (A job may be listed more than once per attempt, e.g. also in its group's block.)
    training = sorted(set(logged_mem_mb(log, "train_regional")))
    prediction = sorted(set(logged_mem_mb(log, "predict_regional")))
    assert len(training) == len(prediction) == 1 + RETRIES, (training, prediction)
    assert training == [training[0] * attempt for attempt in range(1, RETRIES + 2)]
    memory = sorted(megabytes(job.memory) for job in failed)
    assert memory == [max(pair) for pair in zip(training, prediction, strict=True)]
    # profiles/slurm-test: train_regional runtime 20 * attempt, plus predict_regional (same
    # group job, after it) runtime 5 * attempt
    limits = sorted(job.time_limit for job in failed)
    assert limits == [f"00:{25 * attempt}:00" for attempt in range(1, RETRIES + 2)]
    # keep-going: the rest of the workflow finished in the failing run already.
    assert not re.search(r"^train_per_basin\s+\d+$", runs.fixed.stdout, re.MULTILINE)
    assert not re.search(r"^tune_per_basin\s+\d+$", runs.fixed.stdout, re.MULTILINE)


@pytest.mark.slurm
def test_resubmitted_group_job_does_not_train_its_finished_basins_again(slurm_runs: Runs) -> None:
    runs = finished(slurm_runs)
    # Snakemake runs every member of a resubmitted group job again (after deleting its
    # outputs); a basin trained before the cancellation reuses its kept weights.
    assert jobs_of(runs, PER_BASIN_GROUP, "CANCELLED")
    basins = (runs.workdir / "config" / "basins_slurm_test.txt").read_text().split()
    logs = [
        (runs.workdir / "logs" / "train" / "single_basin" / basin / "seed0.log").read_text()
        for basin in basins
    ]
    resumed = [log for log in logs if "are reused" in log]
    assert resumed, "no basin of the cancelled group job reused its trained weights"
    assert all("samples/s" not in log.split("are reused")[-1] for log in resumed)
    # Aggregation removed the kept checkpoints once the predictions were collected.
    assert not list((runs.workdir / "results" / "single_basin").rglob("checkpoint.pt"))


@pytest.mark.slurm
def test_cancelled_training_job_is_resubmitted_and_resumes_from_its_checkpoint(
    slurm_runs: Runs,
) -> None:
    runs = finished(slurm_runs)
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
