"""Shyft's own environment: where it is, what it lacks, and how a job runs in it.

``shyft`` 13.0.3 (the newest wheel for Python 3.11) is compiled against NumPy 1: under the
workflow's NumPy 2 its first model run crashes the interpreter (a segmentation fault, measured
here). It therefore lives in a second virtual environment, ``.venv-shyft`` beside the
workflow's ``.venv`` (or the folder that ``CAMELS_LSTM_SHYFT_ENV`` names), made by
:mod:`camels_lstm.conceptual.shyft_setup` (``make venv``), with NumPy 1.26 and the libraries the
conceptual jobs need. It also needs shared libraries that Debian 12 does not ship or may not
have installed:

- OpenSSL 1.1 (``libssl.so.1.1``, ``libcrypto.so.1.1``), taken from the manylinux wheel of
  ``psycopg2-binary`` 2.9.5 into ``.venv-shyft/shyft-libs``;
- ``libcblas.so.3`` (a link there to Debian's ``libblas.so.3``, which has the cblas symbols),
  ``liblapack.so.3`` and ``libsnappy.so.1`` (Debian: libblas3, liblapack3, libsnappy1v5).

A conceptual job of a Shyft model is the same job as a GR model's (same calibration, same
files), run by that environment's Python (:func:`run_job`): the two exchange data only through
the files of the job, the zarr store it reads and the files it writes. Only those jobs get
``shyft-libs`` on their ``LD_LIBRARY_PATH``.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

ENVIRONMENT_VARIABLE = "CAMELS_LSTM_SHYFT_ENV"
INSIDE_VARIABLE = "CAMELS_LSTM_IN_SHYFT_ENV"
LIBRARY_FOLDER = "shyft-libs"
BUNDLED_LIBRARIES = ("libssl.so.1.1", "libcrypto.so.1.1", "libcblas.so.3")
SYSTEM_LIBRARIES = {"liblapack.so.3": "liblapack3", "libsnappy.so.1": "libsnappy1v5"}
APT_PACKAGES = ("libblas3", "liblapack3", "libsnappy1v5")
INSTALL_HINT = (
    "make venv (which makes .venv-shyft; as root it installs the Debian libraries, otherwise "
    f"run: sudo apt-get install {' '.join(APT_PACKAGES)})"
)
PROBE = (
    "import importlib.metadata, numpy, zarr, shyft.hydrology, shyft.hydrology.pt_gs_k, "
    "shyft.hydrology.pt_st_hbv; print(importlib.metadata.version('shyft'), numpy.__version__)"
)


class ShyftUnavailable(RuntimeError):
    """Shyft cannot run here; the message names what is missing and how to install it."""


class ShyftJobError(RuntimeError):
    """A job that failed inside the Shyft environment; names the job and its exit status."""


def workflow_root() -> Path:
    """The folder holding ``src/camels_lstm`` (the clone, or a deployed workflow's copy)."""
    return Path(__file__).resolve().parents[3]


def environment_dir() -> Path:
    """The Shyft environment's folder: ``$CAMELS_LSTM_SHYFT_ENV`` or ``<workflow>/.venv-shyft``."""
    named = os.environ.get(ENVIRONMENT_VARIABLE)
    return Path(named).resolve() if named else workflow_root() / ".venv-shyft"


def python_of(environment: Path) -> Path:
    return environment / "bin" / "python"


def job_environment(environment: Path) -> dict[str, str]:
    """The variables of a process in the Shyft environment: its libraries first on the
    library path, this package importable, one thread per job."""
    variables = dict(os.environ)
    libraries = str(environment / LIBRARY_FOLDER)
    earlier = variables.get("LD_LIBRARY_PATH")
    variables["LD_LIBRARY_PATH"] = f"{libraries}:{earlier}" if earlier else libraries
    source = str(Path(__file__).resolve().parents[2])
    earlier_path = variables.get("PYTHONPATH")
    variables["PYTHONPATH"] = f"{source}:{earlier_path}" if earlier_path else source
    variables[INSIDE_VARIABLE] = "1"
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
        variables.setdefault(name, "1")
    return variables


def missing_libraries(environment: Path) -> list[str]:
    """What of the shared libraries Shyft links is absent (static check, no import)."""
    missing = []
    folder = environment / LIBRARY_FOLDER
    for name in BUNDLED_LIBRARIES:
        if not (folder / name).exists():  # a broken link (no libblas.so.3) counts as missing
            missing.append(f"{name} (in {folder})")
    for name, package in SYSTEM_LIBRARIES.items():
        if not system_library_present(name):
            missing.append(f"{name} (Debian package {package})")
    return missing


def system_library_present(name: str) -> bool:
    """Whether the dynamic linker finds ``name`` on this machine."""
    import ctypes

    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def problem(environment: Path | None = None) -> str | None:
    """Why Shyft cannot run (one sentence naming what is missing and how to install it), or
    None. Imports Shyft in its environment, so it finds what a static check cannot."""
    environment = environment or environment_dir()
    python = python_of(environment)
    if not python.exists():
        return f"the Shyft environment {environment} does not exist; make it with {INSTALL_HINT}"
    missing = missing_libraries(environment)
    if missing:
        return (
            f"Shyft's environment {environment} lacks the shared libraries "
            f"{', '.join(missing)}; install them with {INSTALL_HINT}"
        )
    try:
        probe = subprocess.run(
            [str(python), "-c", PROBE],
            env=job_environment(environment),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"Shyft does not start in {environment}: {error}"
    if probe.returncode != 0:
        lines = [line for line in (probe.stderr or probe.stdout).splitlines() if line.strip()]
        last = lines[-1] if lines else f"exit status {probe.returncode}"
        if probe.returncode < 0:  # killed by a signal while loading: a damaged library
            last = (
                f"the import crashed (signal {-probe.returncode}); a library in "
                f"{environment / LIBRARY_FOLDER} may be damaged"
            )
        return f"Shyft does not import in {environment}: {last}; reinstall it with {INSTALL_HINT}"
    return None


def refuse_unavailable(
    experiments: Sequence[str], environment: Path | None = None, readers: Sequence[str] = ()
) -> None:
    """Raise :class:`ShyftUnavailable` naming ``experiments`` (and the ``readers`` of their
    outputs) if Shyft cannot run."""
    if not experiments:
        return
    reason = problem(environment)
    if reason:
        also = f" and the experiments that read them ({', '.join(readers)})" if readers else ""
        raise ShyftUnavailable(
            f"the Shyft experiment(s) {', '.join(experiments)} cannot run: {reason}. Remove "
            f"them{also} from the config's experiments to run the rest without Shyft."
        )


def inside() -> bool:
    """Whether this process is a job in the Shyft environment."""
    return os.environ.get(INSIDE_VARIABLE) == "1"


def run_job(job: str, arguments: Mapping[str, Any], environment: Path | None = None) -> None:
    """Run ``camels_lstm.conceptual.jobs.<job>_job(**arguments)`` in the Shyft environment,
    its log lines into this process's log; raises :class:`ShyftJobError` if it fails."""
    environment = environment or environment_dir()
    missing = missing_libraries(environment)
    if not python_of(environment).exists() or missing:
        raise ShyftUnavailable(problem(environment))
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as spec:
        json.dump({"job": job, "arguments": dict(arguments)}, spec, default=str)
    command = [str(python_of(environment)), "-m", "camels_lstm.conceptual.shyft_worker", spec.name]
    logger.info("running the %s job in the Shyft environment %s", job, environment)
    try:
        process = subprocess.Popen(
            command,
            env=job_environment(environment),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert process.stdout is not None
        last = ""
        for line in process.stdout:
            last = line.rstrip() or last
            logger.info("[shyft] %s", line.rstrip())
        status = process.wait()
    finally:
        Path(spec.name).unlink(missing_ok=True)
    if status != 0:
        raise ShyftJobError(
            f"the {job} job failed in the Shyft environment {environment} (exit status "
            f"{status}); its last line: {last!r}; the lines above in this log are its output"
        )


if __name__ == "__main__":  # python -m camels_lstm.conceptual.shyft_env: says what is missing
    found = problem()
    print(found or f"Shyft runs in {environment_dir()}")
    sys.exit(1 if found else 0)
