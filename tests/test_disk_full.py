"""A full disk names the file being written and says so, and leaves nothing half-written.

On a real full file system (a 1 MiB tmpfs, mounted when the tests run as root; skipped
otherwise) for each kind of output, and by simulated errors (no root needed) for what the
libraries raise: netCDF's bare "HDF error", torch's stream-writer error, a worker's text.
"""

from __future__ import annotations

import errno
import os
import pickle
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import xarray as xr

from camels_lstm import disk_full
from camels_lstm.atomic_output import atomic_path, write_csv, write_json, write_netcdf
from camels_lstm.disk_full import DiskFullError, naming_full_disk
from camels_lstm.training.checkpoint import atomic_torch_save

BIG = 400_000  # float64 values: 3.2 MB, more than the 1 MiB file system holds


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs (root only), unmounted afterwards."""
    mount = tmp_path / "small_disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (the simulated tests cover the rest)")
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {result.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def _writers() -> dict[str, object]:
    dataset = xr.Dataset({"q": (("date",), np.random.default_rng(0).random(BIG))})
    return {
        "netcdf": lambda path: write_netcdf(dataset, path),
        "csv": lambda path: write_csv(pd.DataFrame({"q": dataset["q"].values}), path),
        "json": lambda path: write_json({"q": dataset["q"].values.tolist()}, path),
        "torch": lambda path: atomic_torch_save({"w": torch.rand(BIG)}, path),
        "zarr": lambda path: _write_zarr(dataset, path),
    }


def _write_zarr(dataset: xr.Dataset, path: Path) -> None:
    with atomic_path(path) as temporary:
        dataset.to_zarr(temporary, mode="w")


@pytest.mark.parametrize("kind", ["netcdf", "csv", "json", "torch", "zarr"])
def test_full_disk_names_the_target_and_leaves_nothing(full_disk: Path, kind: str) -> None:
    target = full_disk / "results" / f"output.{kind}"
    with pytest.raises(DiskFullError) as raised:
        _writers()[kind](target)  # type: ignore[operator]
    message = str(raised.value)
    assert message.startswith(f"disk full: cannot write {target} (")
    assert "free on its file system" in message
    assert raised.value.errno == errno.ENOSPC
    assert list((full_disk / "results").iterdir()) == []  # no staging folder, no partial file


def test_an_existing_target_survives_a_full_disk(full_disk: Path) -> None:
    target = full_disk / "model.pt"
    atomic_torch_save({"w": torch.zeros(4)}, target)
    with pytest.raises(DiskFullError, match=r"model\.pt"):
        atomic_torch_save({"w": torch.rand(BIG)}, target)
    assert torch.equal(torch.load(target, weights_only=True)["w"], torch.zeros(4))
    assert sorted(path.name for path in full_disk.iterdir()) == ["model.pt"]


def test_bare_hdf_error_on_a_nearly_full_disk_is_disk_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """netCDF says only 'NetCDF: HDF error'; the free space decides."""
    monkeypatch.setattr(disk_full, "free_bytes", lambda path: 4096)
    target = tmp_path / "predictions.nc"
    with pytest.raises(DiskFullError) as raised, atomic_path(target) as temporary:
        temporary.write_bytes(b"half")
        raise RuntimeError("NetCDF: HDF error")
    assert f"cannot write {target} (RuntimeError: NetCDF: HDF error" in str(raised.value)
    assert "0.0 MiB free" in str(raised.value)
    assert isinstance(raised.value.__cause__, RuntimeError)
    assert list(tmp_path.iterdir()) == []


def test_hdf_error_with_room_left_stays_what_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(disk_full, "free_bytes", lambda path: 50 * 2**30)
    with pytest.raises(RuntimeError, match=r"^NetCDF: HDF error$"), atomic_path(tmp_path / "a.nc"):
        raise RuntimeError("NetCDF: HDF error")


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        OSError(errno.EDQUOT, "Disk quota exceeded"),
        ValueError("chunk 3 (basins 01013500, 01022500): [Errno 28] No space left on device"),
    ],
)
def test_errno_or_text_of_a_full_disk_is_named(tmp_path: Path, error: Exception) -> None:
    target = tmp_path / "camels_us.zarr"
    with pytest.raises(DiskFullError, match=f"cannot write {target}"), atomic_path(target):
        raise error


def test_torch_stream_error_with_enospc_context_is_named(tmp_path: Path) -> None:
    target = tmp_path / "checkpoint.pt"
    with pytest.raises(DiskFullError, match="No space left on device"), naming_full_disk(target):
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError:
            raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos")  # noqa: B904


def test_other_errors_pass_unchanged(tmp_path: Path) -> None:
    with pytest.raises(KeyError), atomic_path(tmp_path / "x.json"):
        raise KeyError("basin")
    with pytest.raises(PermissionError), atomic_path(tmp_path / "x.json"):
        raise PermissionError(errno.EACCES, "Permission denied")


def test_disk_full_error_is_an_oserror_and_pickles() -> None:
    error = DiskFullError(Path("/data/x.nc"), "No space left on device", 0)
    assert isinstance(error, OSError)
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == str(error)
    with pytest.raises(DiskFullError) as raised, naming_full_disk("/elsewhere"):
        raise error  # not wrapped twice (nested atomic_path)
    assert raised.value is error
