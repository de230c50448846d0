"""Run the store's chunk jobs in worker processes, and fail at once if a worker dies.

Each worker is a process of its own with a pipe to the main process, which hands it one chunk job
at a time and waits on every pipe and every worker's exit at once. So a worker that dies — killed
by the kernel's out-of-memory killer, ``kill -9``, a crash in a C extension — is seen the moment
it exits, and the error names the chunk it was converting and that chunk's basins; the other
workers are then stopped. (``multiprocessing.Pool`` waits forever for the result of a worker
that died; ``concurrent.futures`` fails, but cannot tell which task the dead worker held.)

An exception raised by the work itself (a file that cannot be parsed, a date-span mismatch)
reaches the caller as the same exception, with the worker's traceback as its cause, as with
``multiprocessing.Pool``. A worker dies with its main process: on Linux the kernel kills it
when the main process dies (``PR_SET_PDEATHSIG``; a ``kill -9`` of the main process would
otherwise leave a busy worker converting its chunk, holding the staging folder's lock that the
rerun needs to clean up); elsewhere it exits when it finds its pipe closed.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any, Protocol

# Workers are forked where that is safe (Linux): they inherit the imported numpy/zarr instead of
# importing them again (~0.5 s per worker with spawn); zarr resets its I/O thread in a forked
# child (os.register_at_fork). Elsewhere the platform's safe default, spawn.
START_METHOD = "fork" if sys.platform.startswith("linux") else "spawn"
# Seconds a stopped worker gets to exit on SIGTERM before it is killed.
_STOP_GRACE_S = 5.0


class _BasinFiles(Protocol):
    basin: str


class ChunkLike(Protocol):
    """What a job must have for the error messages: its first store row and its basins."""

    first_row: int
    basins: tuple[_BasinFiles, ...]


class WorkerDiedError(RuntimeError):
    """A worker process exited while converting a chunk; the message names chunk and basins."""


class RemoteTraceback(Exception):
    """The traceback of an exception raised in a worker (the ``__cause__`` of the re-raise)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def describe_chunk(job: ChunkLike, index: int, count: int) -> str:
    """``chunk 3 of 34 (store rows 32-47, 16 basins: 01013500, ...)``."""
    basins = [files.basin for files in job.basins]
    last_row = job.first_row + len(basins) - 1
    return (
        f"chunk {index + 1} of {count} (store rows {job.first_row}-{last_row}, "
        f"{len(basins)} basin(s): {', '.join(basins)})"
    )


def describe_exit(exitcode: int | None) -> str:
    """How a process ended, e.g. ``killed by signal SIGKILL (9)``."""
    if exitcode is None:
        return "did not report an exit status"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        cause = " (e.g. by the kernel's out-of-memory killer or kill -9)" if -exitcode == 9 else ""
        return f"was killed by signal {name} ({-exitcode}){cause}"
    return f"exited with status {exitcode}"


# prctl(2) option: the signal this process gets when its parent dies.
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Have the kernel SIGKILL this process when its parent dies (Linux); exit now if the
    parent has already gone (it died before the request took effect)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent_pid:
        os._exit(1)


def _worker(
    connection: multiprocessing.connection.Connection,
    work: Callable[[Any], Any],
    parent_pid: int,
) -> None:
    """Worker loop: receive (index, job), send back (index, True, result) or (index, False,
    (exception, traceback text)); stop on None or when the main process has gone."""
    die_with_parent(parent_pid)
    try:
        while True:
            try:
                message = connection.recv()
            except (EOFError, OSError):  # the main process has gone
                return
            if message is None:
                return
            index, job = message
            try:
                reply: tuple[int, bool, Any] = (index, True, work(job))
            except Exception as error:  # every error goes back to the caller
                reply = (index, False, (error, traceback.format_exc()))
            try:
                connection.send(reply)
            except (pickle.PicklingError, TypeError, AttributeError):
                failure = RuntimeError(f"{type(reply[2]).__name__} could not be sent back")
                connection.send((index, False, (failure, traceback.format_exc())))
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group: the main one handles it
        return
    finally:
        connection.close()


class _Worker:
    def __init__(self, context: Any, work: Callable[[Any], Any]) -> None:
        self.connection, child = context.Pipe(duplex=True)
        self.process = context.Process(target=_worker, args=(child, work, os.getpid()), daemon=True)
        self.process.start()
        child.close()
        self.job: int | None = None  # index of the job it holds

    def stop(self) -> None:
        """Ask it to exit (or terminate it if it holds a job) and reap it."""
        if self.process.is_alive():
            if self.job is None:
                with contextlib.suppress(OSError):
                    self.connection.send(None)
            else:
                self.process.terminate()
        self.process.join(_STOP_GRACE_S)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()


def run_in_workers(
    work: Callable[[Any], Any],
    jobs: Sequence[ChunkLike],
    processes: int,
    start_method: str = START_METHOD,
) -> list[Any]:
    """``work(job)`` for every job in ``processes`` worker processes; results in job order.

    Raises
    ------
    WorkerDiedError
        As soon as a worker exits while it holds a job, naming the job (:func:`describe_chunk`)
        and how the worker ended; the other workers are stopped first.
    Exception
        The first exception raised by ``work`` in a worker, re-raised here (its cause holds the
        worker's traceback); the other workers are stopped first.
    """
    context = multiprocessing.get_context(start_method)
    results: list[Any] = [None] * len(jobs)
    pending = list(range(len(jobs)))[::-1]  # popped from the end: job order
    workers = [_Worker(context, work) for _ in range(max(1, min(processes, len(jobs))))]
    try:
        for worker in workers:
            _hand_out(worker, jobs, pending)
        remaining = len(jobs)
        while remaining:
            busy = [worker for worker in workers if worker.job is not None]
            handles = [h for w in busy for h in (w.connection, w.process.sentinel)]
            ready = set(multiprocessing.connection.wait(handles))
            for worker in busy:
                if worker.connection not in ready and worker.process.sentinel not in ready:
                    continue
                if not worker.connection.poll():  # exited without a reply
                    _raise_died(worker, jobs)
                try:
                    index, succeeded, payload = worker.connection.recv()
                except (EOFError, OSError):  # the pipe closed: it exited
                    _raise_died(worker, jobs)
                if not succeeded:
                    error, text = payload
                    error.__cause__ = RemoteTraceback(text)
                    raise error
                results[index] = payload
                remaining -= 1
                worker.job = None
                _hand_out(worker, jobs, pending)
    finally:
        for worker in workers:
            worker.stop()
    return results


def _hand_out(worker: _Worker, jobs: Sequence[ChunkLike], pending: list[int]) -> None:
    if pending:
        index = pending.pop()
        worker.job = index
        try:
            worker.connection.send((index, jobs[index]))
        except OSError:  # it exited after its last reply
            _raise_died(worker, jobs)


def _raise_died(worker: _Worker, jobs: Sequence[ChunkLike]) -> None:
    index = worker.job
    assert index is not None
    worker.process.join(_STOP_GRACE_S)
    worker.job = None  # nothing to terminate: it has exited
    raise WorkerDiedError(
        f"conversion worker process {worker.process.pid} "
        f"{describe_exit(worker.process.exitcode)} while converting "
        f"{describe_chunk(jobs[index], index, len(jobs))}; the build stopped and wrote nothing. "
        "If it ran out of memory, give the job more memory (resources mem_mb) or fewer threads."
    )
