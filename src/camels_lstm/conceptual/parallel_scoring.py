"""Scores of one parameter set on many calibration windows, spread over worker processes.

A regional calibration runs the model on every basin for every parameter set the optimiser
tries: 531 basins x 2,000 runs is an hour of Shyft PT-GS-K runs per core. The optimiser itself
is sequential, so the parallel part is the basins of one run: each worker process holds a fixed
share of the windows for the whole calibration (Shyft builds its cells once per process), gets
the parameter values, and returns its basins' scores. The scores come back in window order, so
the median, and with it the whole calibration, is the same as in one process, bit for bit.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import sys
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from camels_lstm.conceptual.calibration import CalibrationWindow

_STOP = None


def shares(n_windows: int, workers: int) -> list[list[int]]:
    """Window indices of each worker, dealt round-robin (neighbouring basins of the list often
    have similar record lengths, so every worker gets a similar load); no empty share."""
    workers = max(1, min(workers, n_windows))
    return [list(range(first, n_windows, workers)) for first in range(workers)]


def _context() -> Any:
    """Forked workers on Linux: they inherit the windows without pickling and need not
    re-import the job's main module (a Snakemake script, whose top level would run the job
    again under ``spawn``). Elsewhere ``spawn``."""
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _serve(connection: Any, model: Any, windows: list[CalibrationWindow], objective: str) -> None:
    while True:
        try:
            values = connection.recv()
        except EOFError:  # the job was stopped
            return
        if values is _STOP:
            return
        try:
            connection.send(("ok", [window.score(model, values, objective) for window in windows]))
        except Exception as error:  # handed to the parent, which raises it
            basins = ", ".join(window.basin for window in windows)
            connection.send(("error", f"{error!r} in a worker scoring basins {basins}\n"
                             f"{traceback.format_exc()}"))  # fmt: skip


class WindowScorer:
    """``scorer(values)`` gives the score of every window (in order) for parameter ``values``;
    with ``workers`` > 1 in that many worker processes, else in this one. Use as a context
    manager: leaving it stops the workers."""

    def __init__(
        self,
        model: Any,
        windows: Sequence[CalibrationWindow],
        objective: str,
        workers: int = 1,
    ) -> None:
        self.model, self.windows, self.objective = model, list(windows), objective
        self.shares = shares(len(self.windows), workers)
        self._workers: list[tuple[Any, Any]] = []

    def __enter__(self) -> WindowScorer:
        if len(self.shares) > 1:
            context = _context()
            for share in self.shares:
                parent, child = context.Pipe()
                process = context.Process(
                    target=_serve,
                    args=(child, self.model, [self.windows[i] for i in share], self.objective),
                    daemon=True,
                )
                process.start()
                child.close()
                self._workers.append((process, parent))
        return self

    def __exit__(self, *exc: object) -> None:
        for process, connection in self._workers:
            with contextlib.suppress(BrokenPipeError, OSError):
                connection.send(_STOP)
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
        self._workers.clear()

    def __call__(self, values: np.ndarray) -> list[float]:
        if not self._workers:
            return [window.score(self.model, values, self.objective) for window in self.windows]
        for _, connection in self._workers:
            connection.send(values)
        scores: list[float] = [np.nan] * len(self.windows)
        for share, (process, connection) in zip(self.shares, self._workers, strict=True):
            try:
                status, payload = connection.recv()
            except EOFError:
                raise RuntimeError(
                    f"a calibration worker (pid {process.pid}, basins "
                    f"{', '.join(self.windows[i].basin for i in share)}) died with exit code "
                    f"{process.exitcode}; out of memory?"
                ) from None
            if status == "error":
                raise RuntimeError(payload)
            for index, score in zip(share, payload, strict=True):
                scores[index] = score
        return scores
