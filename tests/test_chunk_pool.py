"""The store's worker processes: results, errors, and a worker that dies (issue 12, item 2)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO_ROOT, tail, timeout_s

from camels_lstm.data.chunk_pool import WorkerDiedError, describe_exit, run_in_workers


@dataclass(frozen=True)
class _Basin:
    basin: str


@dataclass(frozen=True)
class _Job:
    first_row: int
    basins: tuple[_Basin, ...]


def _jobs(count: int) -> list[_Job]:
    return [_Job(row, (_Basin(f"{row:08d}"),)) for row in range(count)]


def _square(job: _Job) -> int:
    return job.first_row**2


def _fail_on_row_3(job: _Job) -> int:
    if job.first_row == 3:
        raise ValueError(f"bad value in chunk {job.first_row}")
    return job.first_row


def _die_on_row_2(job: _Job) -> int:
    if job.first_row == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return job.first_row


def test_results_come_back_in_job_order() -> None:
    assert run_in_workers(_square, _jobs(7), processes=2) == [row**2 for row in range(7)]


def test_an_error_in_a_worker_is_raised_as_itself_with_its_traceback() -> None:
    with pytest.raises(ValueError, match="bad value in chunk 3") as caught:
        run_in_workers(_fail_on_row_3, _jobs(6), processes=2)
    assert "_fail_on_row_3" in str(caught.value.__cause__)


def test_a_worker_killed_by_sigkill_fails_naming_its_chunk_and_basins() -> None:
    with pytest.raises(WorkerDiedError) as caught:
        run_in_workers(_die_on_row_2, _jobs(5), processes=2)
    message = str(caught.value)
    assert "SIGKILL" in message
    assert "chunk 3 of 5 (store rows 2-2, 1 basin(s): 00000002)" in message


def test_exit_descriptions() -> None:
    assert "SIGKILL (9)" in describe_exit(-9) and "out-of-memory" in describe_exit(-9)
    assert describe_exit(-11) == "was killed by signal SIGSEGV (11)"
    assert describe_exit(3) == "exited with status 3"


# A store build of three one-basin chunks in two workers; the worker that takes the chunk of
# 01022500 writes its pid and sleeps, as a long conversion would, until the test kills it.
_BUILD = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from camels_testdata import write_basin
    from camels_lstm.data import timeseries_store

    root, out, pid_file = (Path(arg) for arg in sys.argv[1:4])
    for basin in ("01013500", "01022500", "01030500"):
        write_basin(root, basin)
    convert = timeseries_store.write_chunk

    def slow_chunk(job):
        slow = not os.environ.get("CAMELS_TEST_NO_SLOW_CHUNK")
        if slow and any(files.basin == "01022500" for files in job.basins):
            pid_file.write_text(str(os.getpid()))
            time.sleep(600)
        return convert(job)

    timeseries_store.write_chunk = slow_chunk
    timeseries_store.build_store(
        root, ["01013500", "01022500", "01030500"], "daymet", out / "camels_us.zarr",
        {{"start": "2000-01-01", "end": "2000-01-05"}}, threads=2, chunk_basins=1,
    )
    """
)


def test_killing_a_conversion_worker_stops_the_store_build_at_once(tmp_path: Path) -> None:
    out, pid_file = tmp_path / "out", tmp_path / "worker.pid"
    script = _BUILD.format(tests=str(REPO_ROOT / "tests"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "src"), *sys.path])}
    command = [sys.executable, "-c", script, str(tmp_path / "camels"), str(out), str(pid_file)]
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    ) as build:  # fmt: skip
        try:
            deadline = time.monotonic() + timeout_s(120)
            while not pid_file.exists() or not pid_file.read_text():
                if build.poll() is not None or time.monotonic() > deadline:
                    _, stderr = build.communicate(timeout=timeout_s(10))
                    pytest.fail(f"the slow worker never started:\n{tail(stderr)}", pytrace=False)
                time.sleep(0.05)
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
            try:
                _, stderr = build.communicate(timeout=timeout_s(60))
            except subprocess.TimeoutExpired:
                pytest.fail(
                    f"the store build still waited {timeout_s(60):.0f} s after one of its "
                    "workers was killed (kill -9): it hangs instead of failing",
                    pytrace=False,
                )
        finally:
            if build.poll() is None:
                os.killpg(build.pid, signal.SIGKILL)
    assert build.returncode != 0
    assert "WorkerDiedError" in stderr, tail(stderr)
    assert "was killed by signal SIGKILL" in stderr
    assert "chunk 2 of 3 (store rows 1-1, 1 basin(s): 01022500)" in stderr
    assert not out.exists() or not any(out.iterdir()), "store or staging folder left behind"


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_killing_the_store_build_kills_its_workers_and_the_rerun_cleans_up(
    tmp_path: Path,
) -> None:
    out, pid_file = tmp_path / "out", tmp_path / "worker.pid"
    script = _BUILD.format(tests=str(REPO_ROOT / "tests"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "src"), *sys.path])}
    command = [sys.executable, "-c", script, str(tmp_path / "camels"), str(out), str(pid_file)]
    build = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + timeout_s(120)
        while not pid_file.exists() or not pid_file.read_text():
            if build.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the slow worker never started", pytrace=False)
            time.sleep(0.05)
        worker = int(pid_file.read_text())
        os.kill(build.pid, signal.SIGKILL)  # the main process, as an OOM kill or kill -9 would
        build.wait(timeout=timeout_s(30))
        deadline = time.monotonic() + timeout_s(60)
        while _alive(worker):
            if time.monotonic() > deadline:
                pytest.fail(
                    f"conversion worker {worker} still running {timeout_s(60):.0f} s after its "
                    "main process was killed (an orphan holding the staging folder's lock)",
                    pytrace=False,
                )
            time.sleep(0.05)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(build.pid, signal.SIGKILL)
    assert list(out.glob(".camels_us.zarr.tmp-*")), "the kill left no staging folder to clean"
    # the rerun (no slow chunk this time) removes the dead writer's staging folder
    pid_file.write_text("")
    rerun = subprocess.run(
        [*command[:-1], str(tmp_path / "no-slow-chunk" / "pid")],
        env={**env, "CAMELS_TEST_NO_SLOW_CHUNK": "1"},
        capture_output=True, text=True, timeout=timeout_s(300),
    )  # fmt: skip
    assert rerun.returncode == 0, tail(rerun.stderr)
    assert (out / "camels_us.zarr").is_dir()
    assert not list(out.glob(".camels_us.zarr.tmp-*"))
