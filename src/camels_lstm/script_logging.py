"""Logging for the workflow scripts: one log file per job, readable at 2 a.m.

Each script calls :func:`setup` with the rule's ``log`` path. Messages carry a UTC time stamp and
go both to that file and to stderr (which Snakemake and SLURM capture too). An exception that
escapes the script is written to the log with its traceback before it propagates, so the log
file alone says what failed.

Snakemake deletes a job's log files before it starts the job (``Job.remove_existing_output``),
so appending to the log alone cannot keep the lines of an attempt that was killed. A resumable
job (training: the checkpoint lets a rerun continue) therefore also passes ``history_path``, a
file beside its checkpoint that Snakemake does not know (a calibration, which starts afresh: a
hidden file beside its output, :func:`attempts_path`, removed once it succeeds): every line goes
there too, and a new attempt first copies that history into its fresh log, then marks where it
starts (:data:`ATTEMPT_MARKER`). The log of a job killed and rerun thus tells the story of
every attempt. A log that Snakemake left in place (a run outside Snakemake) is appended to.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import time
from pathlib import Path
from types import TracebackType

FORMAT = "%(asctime)s.%(msecs)03dZ %(levelname)-7s %(name)s: %(message)s"
START_MARKER = "==== start (pid %d, host %s) ===="
ATTEMPT_MARKER = (
    "==== attempt started (pid %d, host %s); the lines above are of the earlier attempt(s) ===="
)


def process_age_s() -> float | None:
    """Seconds since this process started (Linux: /proc), None where unknown. A script re-executed
    under another allocator keeps its process, so this counts the whole start-up of a job."""
    try:
        after_name = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        started_ticks = int(after_name[19])  # field 22, starttime, in clock ticks after boot
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return uptime - started_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _non_empty(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0


def _replay_history(log_path: Path | None, history_path: Path | None) -> bool:
    """Copy the history of earlier attempts into a missing or empty log; True if there were
    earlier attempts (in the history or in a log that was kept)."""
    earlier = history_path is not None and _non_empty(history_path)
    if log_path is None or _non_empty(log_path):
        return earlier or (log_path is not None and _non_empty(log_path))
    if earlier:
        assert history_path is not None
        text = history_path.read_text(errors="replace")
        with log_path.open("a") as log:
            log.write(text if text.endswith("\n") else text + "\n")
    return earlier


def setup(
    log_path: str | Path | None,
    name: str = "camels_lstm",
    history_path: str | Path | None = None,
) -> logging.Logger:
    """Configure the root logger to write to ``log_path`` (created, appended to) and stderr.

    ``history_path``: every line also goes there, and its earlier lines are first copied into a
    missing or empty ``log_path`` (see the module docstring).
    """
    formatter = logging.Formatter(FORMAT, datefmt="%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    files = [Path(p) for p in (log_path, history_path) if p]
    for path in files:
        path.parent.mkdir(parents=True, exist_ok=True)
    earlier = _replay_history(
        Path(log_path) if log_path else None, Path(history_path) if history_path else None
    )
    handlers += [logging.FileHandler(path, mode="a") for path in files]
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    logger = logging.getLogger(name)
    logger.info(ATTEMPT_MARKER if earlier else START_MARKER, os.getpid(), socket.gethostname())
    age = process_age_s()
    if age is not None:
        logger.info("process started %.2f s ago (interpreter, imports, allocator)", age)

    def log_uncaught(
        kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        logger.error("failed: %s: %s", kind.__name__, value, exc_info=(kind, value, tb))

    sys.excepthook = log_uncaught
    return logger


def attempts_path(output_path: str | Path) -> Path:
    """The log history (``history_path`` of :func:`setup`) of a job that has no checkpoint but
    whose killed attempts should still show in the log of its rerun (the conceptual
    calibrations): a hidden file beside its output, removed by :func:`finish_attempts`."""
    output_path = Path(output_path)
    return output_path.with_name(f".{output_path.name}.attempts.log")


def finish_attempts(history_path: str | Path) -> None:
    """The job succeeded: stop writing its history and remove it (the log keeps the lines)."""
    history_path = Path(history_path)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, logging.FileHandler) and Path(handler.baseFilename) == (
            history_path.absolute()
        ):
            root.removeHandler(handler)
            handler.close()
    history_path.unlink(missing_ok=True)
