"""Shared fixtures: repository paths, a scratch copy of the workflow, and a Snakemake runner.

Markers (pyproject.toml): ``workflow`` for tests that spawn a Snakemake subprocess (dry runs
included), ``slurm`` for tests that need the real one-node SLURM of tests/slurm_cluster.py.
``make test-fast`` deselects both.

Timeouts are generous, for a loaded machine (load average 5-9 on 2 cores), and a timeout fails
the test with what it was waiting for. ``CAMELS_LSTM_TEST_TIMEOUT_SCALE`` (a positive number,
default 1) multiplies every timeout of the suite, e.g. ``CAMELS_LSTM_TEST_TIMEOUT_SCALE=3`` on a
very slow machine (tests/test_slurm.py hands the scaled limits to tests/slurm_cluster.py).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_ARCHIVE = REPO_ROOT / "data" / "camels_us_sample.zip"
SCHEMA_PATH = REPO_ROOT / "workflow" / "schemas" / "config.schema.yaml"
WORKFLOW_PARTS = ("Snakefile", "rules", "workflow", "config", "data", "src", "profiles", "envs")
TIMEOUT_SCALE_VARIABLE = "CAMELS_LSTM_TEST_TIMEOUT_SCALE"
# One Snakemake subprocess of a test: a dry run takes seconds, the longest real run (the tuning
# test, both scopes) about 5 minutes on 2 idle cores.
SNAKEMAKE_TIMEOUT_S = 1800
# Shyft's environment (.venv-shyft of make venv) also serves the workflow copies of the tests,
# whose own folders have none.
os.environ.setdefault("CAMELS_LSTM_SHYFT_ENV", str(REPO_ROOT / ".venv-shyft"))


def timeout_s(seconds: float) -> float:
    """``seconds`` times CAMELS_LSTM_TEST_TIMEOUT_SCALE (default 1)."""
    text = os.environ.get(TIMEOUT_SCALE_VARIABLE, "").strip()
    try:
        scale = float(text) if text else 1.0
    except ValueError:
        scale = 0.0
    if not scale > 0:
        raise ValueError(f"{TIMEOUT_SCALE_VARIABLE}={text!r} is not a positive number")
    return seconds * scale


def tail(text: str | bytes | None, lines: int = 40) -> str:
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def latest_snakemake_log(workdir: Path, lines: int = 40) -> str:
    """The tail of the newest .snakemake/log/*.snakemake.log in ``workdir``, with its name."""
    logs = sorted((workdir / ".snakemake" / "log").glob("*.snakemake.log"))
    if not logs:
        return ""
    newest = max(logs, key=lambda path: path.stat().st_mtime)
    text = newest.read_text(errors="replace")
    return f"--- {newest.relative_to(workdir)} (tail)\n{tail(text, lines)}"


def run_command(
    command: Sequence[str],
    workdir: Path,
    timeout: float,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in ``workdir``, output captured, never raising on its exit status; past
    ``timeout`` seconds (scaled, see ``timeout_s``) the test fails naming the command, its
    workdir and the tail of what it printed (and of Snakemake's own log, if it wrote one).

    The command runs in its own session, so that a timeout (or Ctrl-C) ends its children too:
    they would otherwise hold the output pipes open."""
    limit = timeout_s(timeout)
    with subprocess.Popen(
        list(command),
        cwd=workdir,
        env=None if env is None else dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            _kill_session(process)
            stdout, stderr = process.communicate()
            report = [
                f"`{' '.join(map(str, command))}` did not finish within {limit:.0f} s "
                f"(killed; {TIMEOUT_SCALE_VARIABLE} scales this limit)",
                f"workdir: {workdir}",
                f"--- stdout (tail)\n{tail(stdout)}",
                f"--- stderr (tail)\n{tail(stderr)}",
                latest_snakemake_log(workdir),
            ]
            pytest.fail("\n".join(part for part in report if part), pytrace=False)
        except BaseException:
            _kill_session(process)
            raise
    return subprocess.CompletedProcess(list(command), process.returncode, stdout, stderr)


def _kill_session(process: subprocess.Popen[str]) -> None:
    """SIGKILL ``process`` (a child started with start_new_session) and its descendants."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def run_snakemake(
    workdir: Path, *arguments: str, timeout: float = SNAKEMAKE_TIMEOUT_S
) -> subprocess.CompletedProcess[str]:
    """``snakemake --cores 2 <arguments>`` in ``workdir`` through ``run_command``."""
    return run_command(
        [sys.executable, "-m", "snakemake", "--cores", "2", *arguments], workdir, timeout
    )


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


def sample_subset_workflow(
    folder: Path, basins: Sequence[str]
) -> tuple[Path, Path, dict[str, Any]]:
    """A workflow copy in ``folder`` reading an extracted copy of the sample (``camels.dir``)
    for ``basins`` only: (workdir, its config path, the config to edit and write back). Its
    ungauged experiments get at most one fold per basin."""
    from camels_testdata import extract_sample

    workdir = copy_workflow(folder / "workflow")
    camels = extract_sample(folder / "camels")
    (workdir / "config" / "basins_run.txt").write_text("\n".join(basins) + "\n")
    config_path = workdir / "config" / "config.yaml"
    config = yaml.safe_load(config_path.read_text())
    config["camels"]["dir"] = str(camels)
    config["basins"] = "config/basins_run.txt"
    # ungauged experiments: at most one fold per basin (none with fewer than 2 basins)
    for name, experiment in list(config["experiments"].items()):
        if experiment["scope"] == "ungauged":
            experiment["folds"] = min(experiment["folds"], len(basins))
            if len(basins) < 2:
                del config["experiments"][name]
    return workdir, config_path, config


@pytest.fixture
def workflow_copy(tmp_path: Path) -> Path:
    return copy_workflow(tmp_path / "workflow_copy")
