"""The one atomic-write mechanism and the writers built on it."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO_ROOT, timeout_s

from camels_lstm import atomic_output
from camels_lstm.atomic_output import atomic_path, write_csv, write_json


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "best.json"
    write_json({"candidate": "c00"}, target)
    with pytest.raises(RuntimeError, match="killed"), atomic_path(target) as temporary:
        temporary.write_text("half")
        raise RuntimeError("killed")
    assert json.loads(target.read_text()) == {"candidate": "c00"}
    assert [p.name for p in tmp_path.iterdir()] == ["best.json"]


def test_nothing_written_is_an_error_naming_the_path(tmp_path: Path) -> None:
    with (
        pytest.raises(FileNotFoundError, match="nothing was written"),
        atomic_path(tmp_path / "metrics.csv"),
    ):
        pass
    assert not list(tmp_path.iterdir())


def test_a_folder_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "camels_us"
    (target / "old_only").mkdir(parents=True)
    with atomic_path(target) as temporary:
        (temporary / "new_only").mkdir(parents=True)
    assert [p.name for p in target.iterdir()] == ["new_only"]
    assert [p.name for p in tmp_path.iterdir()] == ["camels_us"]


def test_the_old_folder_comes_back_if_the_new_one_cannot_replace_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "camels_us"
    (target / "old_only").mkdir(parents=True)
    real_rename = Path.rename

    def failing_rename(self: Path, destination: Path) -> Path:
        if self.name == "camels_us" and Path(destination) == target:
            raise OSError("disk quota exceeded")
        return real_rename(self, destination)

    monkeypatch.setattr(atomic_output.Path, "rename", failing_rename)
    with pytest.raises(OSError, match="quota"), atomic_path(target) as temporary:
        (temporary / "new_only").mkdir(parents=True)
    assert [p.name for p in target.iterdir()] == ["old_only"]
    assert [p.name for p in tmp_path.iterdir()] == ["camels_us"]


def test_writers_keep_nan_and_their_formats(tmp_path: Path) -> None:
    write_csv(pd.DataFrame({"basin": ["01022500"], "nse": [math.nan]}), tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text() == "basin,nse\n01022500,\n"
    write_json({"nse": math.nan}, tmp_path / "s.json")
    assert math.isnan(json.loads((tmp_path / "s.json").read_text())["nse"])


# A writer that stages a file in atomic_path, says where, and waits (as a long build would).
_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from camels_lstm.atomic_output import atomic_path

    target, report = Path(sys.argv[1]), Path(sys.argv[2])
    with atomic_path(target) as temporary:
        temporary.mkdir()
        (temporary / "chunk").write_bytes(b"0" * 100_000)
        report.write_text(str(temporary.parent))
        time.sleep(600)
    """
)


def _start_writer(target: Path, report: Path) -> tuple[subprocess.Popen[bytes], Path]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "src"), *sys.path])}
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(target), str(report)],
        env=env,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout_s(60)
    while not report.exists() or not report.read_text():
        if writer.poll() is not None or time.monotonic() > deadline:
            writer.kill()
            pytest.fail(f"the writer did not stage its output: {writer.communicate()[1]!r}")
        time.sleep(0.05)
    return writer, Path(report.read_text())


def _kill(writer: subprocess.Popen[bytes]) -> None:
    if writer.poll() is None:
        os.killpg(writer.pid, signal.SIGKILL)
    writer.wait()


def test_the_staging_folder_of_a_killed_writer_is_removed_by_the_next_write(
    tmp_path: Path,
) -> None:
    target = tmp_path / "data" / "camels_us.zarr"
    writer, staging = _start_writer(target, tmp_path / "staging.txt")
    _kill(writer)  # kill -9: no cleanup ran
    assert staging.is_dir() and staging.name.startswith(".camels_us.zarr.tmp-")
    other = tmp_path / "data" / ".static_attributes.nc.tmp-x"  # another target's: not touched
    other.mkdir()
    with atomic_path(target) as temporary:
        temporary.mkdir()
    assert sorted(p.name for p in target.parent.iterdir()) == [other.name, "camels_us.zarr"]


def test_a_live_writers_staging_folder_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "camels_us.zarr"
    writer, staging = _start_writer(target, tmp_path / "staging.txt")
    try:
        with atomic_path(target) as temporary:  # a second writer of the same target
            temporary.mkdir()
        assert (staging / "camels_us.zarr" / "chunk").is_file(), "a live staging was removed"
        assert writer.poll() is None
    finally:
        _kill(writer)
    write_json({"a": 1}, tmp_path / "x.json")  # another target: its staging stays
    assert staging.is_dir()


def test_a_staging_folder_left_by_the_earlier_code_is_removed(tmp_path: Path) -> None:
    left = tmp_path / ".best.json.tmp-q988cbdw"  # tempfile.mkdtemp's name, no lock file
    (left / "best.json").mkdir(parents=True)
    write_json({"candidate": "c00"}, tmp_path / "best.json")
    assert [p.name for p in tmp_path.iterdir()] == ["best.json"]
