"""The two halves of the store conversion that run per file and per chunk.

- :func:`file_date_span`: first and last date of a CAMELS text file from its first and last data
  line only (a few kB read), so that the main process can fix the store's complete daily index
  before any file is parsed.
- :func:`write_chunk`: parse the files of one chunk of basins (a worker process), place them on
  the store's date index as float32, and write that chunk region of every variable straight into
  the store. Chunks never overlap, so workers need no locking; only a small
  :class:`BasinSummary` per basin travels back, with the findings of the data checks on the
  basin's series (:mod:`camels_lstm.data.quality`; masked values are stored as NaN).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import zarr

from camels_lstm.data.camels_files import (
    FORCING_VARIABLES,
    QC_FLAGS,
    cfs_to_mm_per_day,
    read_forcing,
    read_streamflow,
)
from camels_lstm.data.quality import (
    DEFAULT_POLICIES,
    Finding,
    forcing_findings,
    streamflow_findings,
)

# float32 data variables of the store, in store order; ``streamflow_qc_flag`` (int8) comes after.
FLOAT_VARIABLES: tuple[str, ...] = (*FORCING_VARIABLES, "streamflow_cfs", "streamflow_mm_per_day")
QC_VARIABLE = "streamflow_qc_flag"
FORCING_HEADER_LINES = 4
_TAIL_BYTES = 4096

DateSpan = tuple[np.datetime64, np.datetime64]


class DateSpanMismatch(Exception):
    """A parsed file's first or last date differs from what its first/last line gave."""


@dataclass(frozen=True)
class BasinFiles:
    """One basin's files and the date span of each (first, last day; datetime64[D]).

    ``area_m2``: the basin area that converts its streamflow to mm/day when it does not come from
    the forcing file's own header (``camels.streamflow_area``); None: from that header.
    """

    basin: str
    forcing_path: Path
    streamflow_path: Path
    forcing_span: DateSpan
    streamflow_span: DateSpan
    area_m2: float | None = None


@dataclass(frozen=True)
class ChunkJob:
    """Rows ``first_row..`` of the store at ``store``: one chunk of basins."""

    store: Path
    first_row: int
    basins: tuple[BasinFiles, ...]
    first_date: np.datetime64
    n_dates: int
    train_columns: tuple[int, int]
    policies: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_POLICIES))


@dataclass(frozen=True)
class BasinSummary:
    """What the main process needs back from a worker about one basin."""

    basin: str
    gauge_lat: float
    gauge_elevation_m: float
    area_m2: float  # the area the streamflow was converted with
    huc_folder: str
    days_without_streamflow: int
    observed_in_training: bool
    header_area_m2: float = float("nan")  # third header line of the forcing file
    findings: tuple[Finding, ...] = ()


def _line_date(line: bytes, date_fields: slice) -> np.datetime64 | None:
    try:
        year, month, day = (int(field) for field in line.split()[date_fields])
        return np.datetime64(datetime.date(year, month, day), "D")
    except (ValueError, OverflowError):  # too few fields, not integers, not a calendar date
        return None


def file_date_span(path: Path, header_lines: int, date_fields: slice) -> DateSpan | None:
    """First and last date of a table file from its first and last non-blank data line.

    None when these lines cannot be read as dates (the caller then parses the whole file, which
    names the line at fault if there is one). The dates in between are checked when the file is
    parsed (:func:`write_chunk`).
    """
    with path.open("rb") as handle:
        head = handle.read(_TAIL_BYTES)
        size = handle.seek(0, 2)
        handle.seek(max(0, size - _TAIL_BYTES))
        tail = handle.read()
    lines = head.split(b"\n")
    if len(lines) <= header_lines:
        return None
    # the last element may be a cut line: only lines followed by a newline count as complete
    complete = lines[header_lines:-1] if len(head) < size else lines[header_lines:]
    first_line = next((line for line in complete if line.strip()), None)
    tail_lines = tail.rstrip().split(b"\n")
    if len(tail_lines) < 2 and size > _TAIL_BYTES:  # no line start in the tail
        return None
    if first_line is None or not tail_lines[-1].strip():
        return None
    first = _line_date(first_line, date_fields)
    last = _line_date(tail_lines[-1], date_fields)
    if first is None or last is None or last < first:
        return None
    return first, last


def forcing_date_span(path: Path) -> DateSpan | None:
    """:func:`file_date_span` of a forcing file (4 header lines; ``Year Mnth Day`` first)."""
    return file_date_span(path, FORCING_HEADER_LINES, slice(0, 3))


def streamflow_date_span(path: Path) -> DateSpan | None:
    """:func:`file_date_span` of a streamflow file (``gauge_id Year Month Day ...``)."""
    return file_date_span(path, 0, slice(1, 4))


def _columns(path: Path, dates: np.ndarray, span: DateSpan, job: ChunkJob) -> slice | np.ndarray:
    """Store columns of the parsed ``dates`` (a slice when they are contiguous)."""
    if dates[0] != span[0] or dates[-1] != span[1]:
        raise DateSpanMismatch(
            f"{path}: parsed dates {dates[0]}..{dates[-1]}, first/last line gave "
            f"{span[0]}..{span[1]}"
        )
    offsets = (dates - job.first_date).astype(np.int64)
    if offsets[0] < 0 or offsets[-1] >= job.n_dates:  # cannot happen with a consistent index
        raise DateSpanMismatch(f"{path}: dates {dates[0]}..{dates[-1]} outside the store index")
    if offsets[-1] - offsets[0] == offsets.size - 1:  # increasing (checked by the parser)
        return slice(int(offsets[0]), int(offsets[-1]) + 1)
    return offsets


_open_stores: dict[str, dict[str, zarr.Array]] = {}


def _store_arrays(store: Path) -> dict[str, zarr.Array]:
    """The store's data arrays, opened once per process (and per store)."""
    key = str(store)
    if key not in _open_stores:
        _open_stores.clear()
        group = zarr.open_group(key, mode="r+", zarr_format=3, use_consolidated=False)
        _open_stores[key] = {name: group[name] for name in (*FLOAT_VARIABLES, QC_VARIABLE)}  # type: ignore[misc]
    return _open_stores[key]


def close_store_arrays() -> None:
    """Forget the arrays opened by :func:`write_chunk` in this process."""
    _open_stores.clear()


def write_chunk(job: ChunkJob) -> list[BasinSummary]:
    """Parse the basins of ``job`` and write their rows of every variable into the store.

    Raises
    ------
    CamelsFileError
        A file that cannot be parsed (file and line).
    DateSpanMismatch
        A file's dates do not match the span its first and last line gave.

    Findings of the data checks travel back in the summaries, also those whose policy is
    ``error`` (the main process stops on them once every chunk is checked).
    """
    shape = (len(job.basins), job.n_dates)
    blocks = {name: np.full(shape, np.nan, dtype=np.float32) for name in FLOAT_VARIABLES}
    qc_flag = np.full(shape, QC_FLAGS["M"], dtype=np.int8)
    summaries = []
    for row, files in enumerate(job.basins):
        forcing = read_forcing(files.forcing_path)
        columns = _columns(files.forcing_path, forcing.dates, files.forcing_span, job)
        findings, masks = forcing_findings(
            files.basin, files.forcing_path, forcing.dates, forcing.values, job.policies
        )
        for name in FORCING_VARIABLES:
            if name in masks:
                forcing.values[name][masks[name]] = np.nan
            blocks[name][row, columns] = forcing.values[name]  # float64 -> float32 in place
        streamflow = read_streamflow(files.streamflow_path, files.basin)
        columns = _columns(files.streamflow_path, streamflow.dates, files.streamflow_span, job)
        flow_findings, mask = streamflow_findings(
            files.basin,
            files.streamflow_path,
            streamflow.dates,
            streamflow.streamflow_cfs,
            streamflow.qc_flag != QC_FLAGS["M"],
            job.policies,
        )
        if mask is not None:
            streamflow.streamflow_cfs[mask] = np.nan
            streamflow.qc_flag[mask] = QC_FLAGS["M"]
        area_m2 = forcing.area_m2 if files.area_m2 is None else files.area_m2
        blocks["streamflow_cfs"][row, columns] = streamflow.streamflow_cfs
        blocks["streamflow_mm_per_day"][row, columns] = cfs_to_mm_per_day(
            streamflow.streamflow_cfs, area_m2
        )
        qc_flag[row, columns] = streamflow.qc_flag
        mm_per_day = blocks["streamflow_mm_per_day"][row]
        summaries.append(
            BasinSummary(
                basin=files.basin,
                gauge_lat=forcing.gauge_lat,
                gauge_elevation_m=forcing.gauge_elevation_m,
                area_m2=area_m2,
                huc_folder=files.forcing_path.parent.name,
                days_without_streamflow=int(np.count_nonzero(np.isnan(mm_per_day))),
                observed_in_training=bool(np.isfinite(mm_per_day[slice(*job.train_columns)]).any()),
                header_area_m2=forcing.area_m2,
                findings=(*findings, *flow_findings),
            )
        )
    arrays = _store_arrays(job.store)
    rows = slice(job.first_row, job.first_row + len(job.basins))
    for name, block in blocks.items():
        arrays[name][rows, :] = block
    arrays[QC_VARIABLE][rows, :] = qc_flag
    return summaries
