"""Running test code in Shyft's environment (.venv-shyft: NumPy 1, where ``shyft`` imports)
from the suite's interpreter (NumPy 2, where it cannot): a snippet that prints one JSON line."""

from __future__ import annotations

import json
import subprocess
import textwrap
from typing import Any

import pytest
from conftest import tail, timeout_s

from camels_lstm.conceptual import shyft_env


def require_shyft() -> None:
    """Fail (not skip: CI makes the environment with `make venv`) where Shyft cannot run."""
    reason = shyft_env.problem()
    if reason:
        pytest.fail(f"Shyft's environment is not ready ({reason}); run `make venv`")


def run_in_shyft(code: str, timeout: float = 300) -> Any:
    """Run ``code`` in the Shyft environment; its last line of stdout, parsed as JSON."""
    require_shyft()
    environment = shyft_env.environment_dir()
    try:
        result = subprocess.run(
            [str(shyft_env.python_of(environment)), "-c", textwrap.dedent(code)],
            env=shyft_env.job_environment(environment),
            capture_output=True,
            text=True,
            timeout=timeout_s(timeout),
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"a snippet in Shyft's environment ran past {timeout_s(timeout):.0f} s")
    if result.returncode != 0:
        pytest.fail(f"the snippet failed in Shyft's environment:\n{tail(result.stderr)}")
    return json.loads(result.stdout.strip().splitlines()[-1])
