"""Logging for the workflow scripts: one log file per job, readable at 2 a.m.

Each script calls :func:`setup` with the rule's ``log`` path. Messages carry a UTC time stamp and
go both to that file and to stderr (which Snakemake and SLURM capture too). The file is appended
to, with a line marking each start, so the log of a job that was killed and rerun (and resumed
from its checkpoint) keeps the story of both attempts. An exception that
escapes the script is written to the log with its traceback before it propagates, so the log
file alone says what failed.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import time
from pathlib import Path
from types import TracebackType

FORMAT = "%(asctime)sZ %(levelname)-7s %(name)s: %(message)s"


def setup(log_path: str | Path | None, name: str = "camels_lstm") -> logging.Logger:
    """Configure the root logger to write to ``log_path`` (created) and stderr."""
    formatter = logging.Formatter(FORMAT, datefmt="%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_path, mode="a"))
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    logger = logging.getLogger(name)
    logger.info("==== start (pid %d, host %s) ====", os.getpid(), socket.gethostname())

    def log_uncaught(
        kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        logger.error("failed: %s: %s", kind.__name__, value, exc_info=(kind, value, tb))

    sys.excepthook = log_uncaught
    return logger
