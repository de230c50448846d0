"""Write an output file or folder under a temporary sibling name, then rename it into place.

A failure leaves nothing, a kill at most a hidden ``.<name>.tmp-*`` sibling (which the next write
of the same target removes once its writer has died: :mod:`camels_lstm.staging`), never a
half-written target that a rerun would trust. :func:`atomic_path` is the one mechanism; the
writers of the workflow's file formats (:func:`write_netcdf`, :func:`write_zarr`,
:func:`write_csv`, :func:`write_json`) use it, and so do the torch files
(``training.checkpoint``), figures and the time-series store (written chunk by chunk).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from camels_lstm.disk_full import naming_full_disk
from camels_lstm.staging import close_staging, open_staging

if TYPE_CHECKING:  # imported inside the writers: training jobs load this module without them
    import pandas as pd
    import xarray as xr


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling path of ``target``; on success rename it to ``target``.

    The yielded path does not exist yet (write a file or a folder there). An existing ``target``
    is replaced only after the new one is complete. On an exception the temporary path is removed
    and ``target`` is left as it was; one that means the disk is full becomes a
    :class:`camels_lstm.disk_full.DiskFullError` naming ``target``.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = open_staging(target)  # removes the staging folders of dead writers first
    temporary = staging / target.name
    try:
        # A full disk is reported as camels_lstm.disk_full.DiskFullError naming ``target``
        # (checked before the half-written staging folder is removed, which frees space).
        with naming_full_disk(target):
            yield temporary
        if not temporary.exists():
            raise FileNotFoundError(f"nothing was written to {temporary}")
        if target.is_dir() and not target.is_symlink() and not temporary.is_dir():
            # Only a writer of a folder (the zarr stores) replaces a folder: a file never takes
            # the place of a folder and everything in it.
            raise IsADirectoryError(
                f"{target} is a directory: not replacing it (and everything in it) with a file"
            )
        if target.is_dir() and not target.is_symlink():
            # A folder cannot be replaced in one rename: move the old one aside, and back if
            # the new one cannot take its place.
            old = staging / f"{target.name}.old"
            target.rename(old)
            try:
                temporary.rename(target)
            except BaseException:
                old.rename(target)
                raise
        else:
            temporary.replace(target)
    finally:
        close_staging(staging)


def write_netcdf(dataset: xr.Dataset, path: str | Path) -> None:
    """Write ``dataset`` as netCDF-4 (netCDF4 engine), atomically."""
    with atomic_path(path) as temporary:
        dataset.to_netcdf(temporary, engine="netcdf4", format="NETCDF4")


def write_zarr(dataset: xr.Dataset, path: str | Path, chunk_basins: int = 16) -> None:
    """Write ``dataset`` (dims basin × date) as a consolidated zarr v3 store, atomically, in
    chunks of ``chunk_basins`` basins × all dates (the layout of the time-series store, so
    :func:`camels_lstm.data.store_reader.load_timeseries` reads it the same way)."""
    import warnings

    encoding: dict[str, dict[str, Any]] = {
        name: {"chunks": (min(chunk_basins, variable.shape[0]), variable.shape[1])}
        for name, variable in dataset.data_vars.items()
        if variable.dims == ("basin", "date")
    }
    encoding["date"] = {
        "units": "days since 1970-01-01",
        "calendar": "proleptic_gregorian",
        "dtype": "int32",
    }
    with atomic_path(path) as temporary, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
        dataset.to_zarr(temporary, zarr_format=3, consolidated=True, encoding=encoding)


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write ``frame`` as CSV (no index; NaN as an empty cell; floats ``%.6g``), atomically."""
    with atomic_path(path) as temporary:
        frame.to_csv(temporary, index=False, na_rep="", float_format="%.6g")


def write_json(payload: Mapping[str, Any], path: str | Path) -> None:
    """Write ``payload`` as indented JSON (NaN allowed) with a final newline, atomically."""
    with atomic_path(path) as temporary:
        temporary.write_text(json.dumps(payload, indent=2, allow_nan=True) + "\n")
