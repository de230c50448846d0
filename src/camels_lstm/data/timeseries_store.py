"""Convert forcing and streamflow files of many basins to one chunked zarr v3 store.

Layout (``docs/pipeline.md``): dims ``basin`` (ascending 8-character gauge ids) × ``date``
(complete daily index over all files, absent days NaN); float32 forcing and streamflow, int8
``streamflow_qc_flag``; per-basin coordinates ``area_m2``, ``gauge_lat``, ``gauge_elevation_m``,
``huc_02``.

The work is parallel end to end and only small records travel between processes:

1. the main process finds every basin's files, reads the first and last data line of each to fix
   the complete daily index, and creates the store's arrays (metadata only) in a temporary
   sibling of the target;
2. worker processes each take one chunk of basins (``chunk_basins`` rows), parse the files, and
   write their rows of every variable into the store themselves (compression included);
3. the main process writes the per-basin coordinates from the workers' summaries
   (:mod:`camels_lstm.data.store_metadata`: the store's metadata), consolidates the metadata and
   renames the store into place. On any error the temporary store is removed.

The data checks (:mod:`camels_lstm.data.quality`, policies ``data_checks`` of the config) run
on the way: the series checks in the workers (masked values are written as NaN); period
coverage and short records from the date spans of step 1 and the basin areas
(:mod:`camels_lstm.data.areas`) once the workers have confirmed the spans. A finding whose policy
is ``error`` stops the build before the store is renamed into place; all findings are logged and
written to the data-quality table (:mod:`camels_lstm.data.store_checks`).
"""

from __future__ import annotations

import dataclasses
import logging
import time
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import zarr

from camels_lstm.atomic_output import atomic_path
from camels_lstm.data.areas import DEFAULT_AREA_SOURCE
from camels_lstm.data.camels_files import read_forcing, read_streamflow
from camels_lstm.data.chunk_pool import START_METHOD, run_in_workers
from camels_lstm.data.layout import CamelsFileError, find_basin_files, locate_layout
from camels_lstm.data.quality import Finding
from camels_lstm.data.store_checks import (
    CheckSettings,
    area_findings,
    log_and_stop,
    record_findings,
    write_quality_table,
)
from camels_lstm.data.store_metadata import create_arrays, write_basin_coordinates
from camels_lstm.data.timeseries_chunks import (
    BasinFiles,
    BasinSummary,
    ChunkJob,
    DateSpanMismatch,
    close_store_arrays,
    forcing_date_span,
    streamflow_date_span,
    write_chunk,
)

logger = logging.getLogger(__name__)

# Basins per chunk; every chunk holds the full date range. Chosen by measurement
# (benchmarks/README.md): reading one basin costs one small chunk per variable, reading all
# basins a few large ones.
DEFAULT_CHUNK_BASINS = 16
# How workers start (camels_lstm.data.chunk_pool: fork on Linux, else spawn).
_START_METHOD = START_METHOD


def scan_date_spans(files: Mapping[str, tuple[Path, Path]], full: bool = False) -> list[BasinFiles]:
    """Each basin's files with their first and last date.

    From the first and last data line of each file; a file where these cannot be read (or every
    file, with ``full``) is parsed in full, so a malformed one fails here naming its line.
    """
    scanned = []
    for basin, (forcing_path, streamflow_path) in files.items():
        forcing_span = None if full else forcing_date_span(forcing_path)
        if forcing_span is None:
            dates = read_forcing(forcing_path).dates
            forcing_span = (dates[0], dates[-1])
        streamflow_span = None if full else streamflow_date_span(streamflow_path)
        if streamflow_span is None:
            dates = read_streamflow(streamflow_path, basin).dates
            streamflow_span = (dates[0], dates[-1])
        scanned.append(
            BasinFiles(basin, forcing_path, streamflow_path, forcing_span, streamflow_span)
        )
    return scanned


def daily_index(basins: Sequence[BasinFiles]) -> np.ndarray:
    """Every day from the earliest to the latest date of all files (datetime64[D])."""
    start = min(min(b.forcing_span[0], b.streamflow_span[0]) for b in basins)
    end = max(max(b.forcing_span[1], b.streamflow_span[1]) for b in basins)
    return np.arange(start, end + np.timedelta64(1, "D"), dtype="datetime64[D]")


def _training_columns(dates: np.ndarray, train_period: Mapping[str, str]) -> tuple[int, int]:
    first = int(np.searchsorted(dates, np.datetime64(train_period["start"], "D"), side="left"))
    last = int(np.searchsorted(dates, np.datetime64(train_period["end"], "D"), side="right"))
    return first, max(first, last)


def run_chunk_jobs(jobs: Sequence[ChunkJob], processes: int) -> list[BasinSummary]:
    """Run :func:`write_chunk` for every job (in ``processes`` workers); summaries by basin.

    A worker that dies (out-of-memory kill, ``kill -9``) stops the build at once with a
    :class:`camels_lstm.data.chunk_pool.WorkerDiedError` naming its chunk and basins.
    """
    if processes <= 1 or len(jobs) < 2:
        try:
            results = [write_chunk(job) for job in jobs]
        finally:
            close_store_arrays()
    else:
        # one chunk (16 basins, ~0.1 s) per task: small enough to balance the load, large
        # enough that the task overhead does not count; on an error the workers are stopped
        results = run_in_workers(write_chunk, jobs, processes, _START_METHOD)
    return sorted((s for summaries in results for s in summaries), key=lambda s: s.basin)


def _check_training_streamflow(
    summaries: Sequence[BasinSummary], train_period: Mapping[str, str]
) -> None:
    empty = [s.basin for s in summaries if not s.observed_in_training]
    if empty:
        raise CamelsFileError(
            f"basin(s) {empty}: no observed streamflow in the training period "
            f"{train_period['start']}..{train_period['end']}"
        )


def _write_store(
    basins: Sequence[BasinFiles],
    settings: CheckSettings,
    periods: Mapping[str, Mapping[str, str]],
    store_path: Path,
    train_period: Mapping[str, str],
    processes: int,
    chunk_basins: int,
) -> list[Finding]:
    """Write the store; return the findings of the data checks (raising on an error)."""
    dates = daily_index(basins)
    train_columns = _training_columns(dates, train_period)
    chunk_rows = min(chunk_basins, len(basins))
    with atomic_path(store_path) as staging:
        create_arrays(
            staging,
            [b.basin for b in basins],
            dates,
            chunk_rows,
            settings.forcing,
            settings.streamflow_area,
        )
        jobs = [
            ChunkJob(
                store=staging,
                first_row=row,
                basins=tuple(basins[row : row + chunk_rows]),
                first_date=dates[0],
                n_dates=dates.size,
                train_columns=train_columns,
                policies=dict(settings.policies),
            )
            for row in range(0, len(basins), chunk_rows)
        ]
        summaries = run_chunk_jobs(jobs, processes)
        # the spans are the files' own now (a worker raises DateSpanMismatch otherwise)
        findings = record_findings(basins, periods, settings.policies)
        findings += [f for s in summaries for f in s.findings]
        findings += area_findings(summaries, basins, settings)
        log_and_stop(findings)
        _check_training_streamflow(summaries, train_period)
        write_basin_coordinates(staging, summaries)
        with warnings.catch_warnings():
            # Consolidated metadata (one read to open the store) is a zarr-python extension of v3.
            warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
            zarr.consolidate_metadata(staging, zarr_format=3)
    logger.info(
        "dates %s..%s; %d basin-days without streamflow",
        dates[0],
        dates[-1],
        sum(s.days_without_streamflow for s in summaries),
    )
    return findings


def build_store(
    camels_root: str | Path,
    basins: Sequence[str],
    forcing: str,
    store_path: str | Path,
    train_period: Mapping[str, str],
    threads: int = 1,
    chunk_basins: int = DEFAULT_CHUNK_BASINS,
    *,
    periods: Mapping[str, Mapping[str, str]] | None = None,
    data_checks: Mapping[str, str] | None = None,
    streamflow_area: str = DEFAULT_AREA_SOURCE,
    quality_table: str | Path | None = None,
) -> Path:
    """Convert the forcing and streamflow files of ``basins`` to the zarr store ``store_path``.

    ``threads`` worker processes parse the files and write the chunks (1: all in this process).
    The forcing must cover ``train_period`` and ``periods`` (name -> {start, end}, e.g. the
    validation period), subject to the policies ``data_checks`` (check name -> policy, over
    :data:`camels_lstm.data.quality.DEFAULT_POLICIES`). Streamflow is converted to mm/day with the
    area of ``streamflow_area`` (:data:`camels_lstm.data.areas.AREA_SOURCES`). The findings of
    the checks are logged and, with ``quality_table``, written there as CSV.

    Raises
    ------
    CamelsFileError
        A missing or duplicated basin file, an unparsable line (file and line), a basin without
        observed streamflow in ``train_period`` (basin and period), a missing area source, or a
        data check with policy ``error`` (basin, variable, file, dates). Nothing is written then.
    """
    began = time.perf_counter()
    store_path = Path(store_path)
    if not basins:
        raise CamelsFileError(f"{store_path}: no basins to convert")
    layout = locate_layout(camels_root, forcing)
    files = find_basin_files(layout, sorted(basins))
    logger.info(
        "converting %d basins (%s forcing from %s, streamflow from %s, area %s) with %d "
        "process(es)",
        len(files),
        forcing,
        layout.forcing_dir,
        layout.streamflow_dir,
        streamflow_area,
        threads,
    )
    settings = CheckSettings.prepare(layout, forcing, list(files), streamflow_area, data_checks)
    all_periods = {"train": train_period, **(periods or {})}

    def convert(full: bool) -> list[Finding]:
        scanned = [
            dataclasses.replace(b, area_m2=settings.conversion_area_m2(b.basin))
            for b in scan_date_spans(files, full=full)
        ]
        return _write_store(
            scanned, settings, all_periods, store_path, train_period, threads, chunk_basins
        )

    try:
        findings = convert(full=False)
    except DateSpanMismatch as mismatch:
        logger.warning("%s; reading every file in full to fix the date index", mismatch)
        findings = convert(full=True)
    if quality_table is not None:
        write_quality_table(findings, quality_table)
    logger.info(
        "wrote %s in %.1f s (%d data-quality finding(s))",
        store_path,
        time.perf_counter() - began,
        len(findings),
    )
    return store_path
