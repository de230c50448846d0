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
3. the main process writes the per-basin coordinates from the workers' summaries, consolidates
   the metadata and renames the store into place. On any error the temporary store is removed.
"""

from __future__ import annotations

import base64
import logging
import multiprocessing
import sys
import time
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import zarr
from zarr.codecs import BloscCodec
from zarr.dtype import VariableLengthUTF8

from camels_lstm.atomic_output import atomic_path
from camels_lstm.data.camels_files import QC_FLAGS, read_forcing, read_streamflow
from camels_lstm.data.catalogue import gauge_huc02
from camels_lstm.data.layout import CamelsFileError, find_basin_files, locate_layout
from camels_lstm.data.timeseries_chunks import (
    QC_VARIABLE,
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
# Workers are forked where that is safe (Linux): they inherit the imported numpy/zarr instead of
# importing them again (~0.5 s per worker with spawn); zarr resets its I/O thread in a forked
# child (os.register_at_fork). Elsewhere the platform's safe default, spawn.
_START_METHOD = "fork" if sys.platform.startswith("linux") else "spawn"

VARIABLE_ATTRS: dict[str, dict[str, str]] = {
    "dayl": {"units": "s", "long_name": "day length"},
    "prcp": {"units": "mm/day", "long_name": "precipitation"},
    "srad": {"units": "W m-2", "long_name": "shortwave downward radiation (daylight average)"},
    "swe": {"units": "mm", "long_name": "snow water equivalent"},
    "tmax": {"units": "degC", "long_name": "daily maximum air temperature"},
    "tmin": {"units": "degC", "long_name": "daily minimum air temperature"},
    "vp": {"units": "Pa", "long_name": "water vapour pressure"},
    "streamflow_cfs": {"units": "ft3 s-1", "long_name": "USGS daily mean streamflow"},
    "streamflow_mm_per_day": {
        "units": "mm/day",
        "long_name": "USGS daily mean streamflow per basin area",
        "comment": (
            "streamflow_cfs * 0.028316846592 m3/ft3 * 86400 s/day / area_m2 * 1000 mm/m; "
            "area_m2: basin area from the third header line of the forcing file"
        ),
    },
}
CONVERSION_FORMULA = VARIABLE_ATTRS["streamflow_mm_per_day"]["comment"]
QC_FLAG_ATTRS = {
    "long_name": "USGS quality-control flag of the streamflow",
    "flag_values": sorted(QC_FLAGS.values()),
    "flag_meanings": "missing approved approved_estimated",
    "comment": "0: flag M, value -999 or day absent; 1: flag A; 2: flag A:e",
}
BASIN_COORDINATE_ATTRS: dict[str, dict[str, str]] = {
    "area_m2": {"units": "m2", "long_name": "basin area (forcing file header, line 3)"},
    "gauge_lat": {"units": "degrees_north", "long_name": "gauge latitude (forcing file header)"},
    "gauge_elevation_m": {"units": "m", "long_name": "gauge elevation (forcing file header)"},
    "huc_02": {"long_name": "HUC-02 region"},
}
DATE_UNITS = "days since 1970-01-01"
# The store is written with zarr directly, in the form xarray itself writes (CF encoding of
# ``date``, ``coordinates`` attribute, NaN ``_FillValue`` recorded as base64 of the float64 NaN),
# so that ``xarray.open_zarr`` decodes it as a store it wrote.
_NAN_FILL_ATTRIBUTE = base64.b64encode(np.float64(np.nan).tobytes()).decode("ascii")
_DIMS = ("basin", "date")


def store_attributes(forcing: str) -> dict[str, str]:
    return {
        "title": "CAMELS US daily basin-mean forcing and USGS streamflow",
        "forcing_product": forcing,
        "streamflow_area_source": "area_m2: basin area from the third header line of the "
        f"{forcing} forcing file",
        "streamflow_conversion": CONVERSION_FORMULA,
        "source": "Newman et al. (2015), doi:10.5194/hess-19-209-2015",
    }


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


def _string_array(
    group: zarr.Group, name: str, values: Sequence[str], attrs: Mapping[str, str]
) -> None:
    """A 1-d text coordinate on ``basin`` as variable-length UTF-8 (as xarray writes str)."""
    array = group.create_array(
        name,
        shape=(len(values),),
        dtype=VariableLengthUTF8(),  # type: ignore[arg-type]
        dimension_names=("basin",),
        attributes=dict(attrs),
    )
    array[:] = np.array(values, dtype=object)


def create_arrays(
    staging: Path, basins: Sequence[str], dates: np.ndarray, chunk_rows: int, forcing: str
) -> None:
    """Create the store: group attributes, ``basin``/``date`` and empty data variables."""
    group = zarr.create_group(staging, zarr_format=3, attributes=store_attributes(forcing))
    _string_array(group, "basin", basins, {})
    offsets = (dates - np.datetime64("1970-01-01", "D")).astype(np.int32)
    group.create_array(
        "date",
        data=offsets,
        dimension_names=("date",),
        attributes={"units": DATE_UNITS, "calendar": "proleptic_gregorian"},
    )
    coordinates = " ".join(sorted(BASIN_COORDINATE_ATTRS))
    shape, chunks = (len(basins), dates.size), (chunk_rows, dates.size)
    compressor = BloscCodec(cname="zstd", clevel=1, shuffle="shuffle")
    for name, attrs in VARIABLE_ATTRS.items():
        group.create_array(
            name,
            shape=shape,
            chunks=chunks,
            dtype=np.float32,
            compressors=(compressor,),
            fill_value=np.nan,
            dimension_names=_DIMS,
            attributes={**attrs, "coordinates": coordinates, "_FillValue": _NAN_FILL_ATTRIBUTE},
        )
    group.create_array(
        QC_VARIABLE,
        shape=shape,
        chunks=chunks,
        dtype=np.int8,
        compressors=(compressor,),
        fill_value=QC_FLAGS["M"],
        dimension_names=_DIMS,
        attributes={**QC_FLAG_ATTRS, "coordinates": coordinates},
    )


def write_basin_coordinates(staging: Path, summaries: Sequence[BasinSummary]) -> None:
    """The per-basin coordinates, from the workers' summaries (in store row order)."""
    group = zarr.open_group(staging, mode="r+", zarr_format=3, use_consolidated=False)
    catalogue = gauge_huc02()
    values = {
        "area_m2": np.array([s.area_m2 for s in summaries]),
        "gauge_lat": np.array([s.gauge_lat for s in summaries]),
        "gauge_elevation_m": np.array([s.gauge_elevation_m for s in summaries]),
    }
    for name, data in values.items():
        group.create_array(
            name,
            data=data,
            fill_value=np.nan,
            dimension_names=("basin",),
            attributes={**BASIN_COORDINATE_ATTRS[name], "_FillValue": _NAN_FILL_ATTRIBUTE},
        )
    huc_02 = [catalogue.get(s.basin, s.huc_folder) for s in summaries]
    _string_array(group, "huc_02", huc_02, BASIN_COORDINATE_ATTRS["huc_02"])


def run_chunk_jobs(jobs: Sequence[ChunkJob], processes: int) -> list[BasinSummary]:
    """Run :func:`write_chunk` for every job (in ``processes`` workers); summaries by basin."""
    if processes <= 1 or len(jobs) < 2:
        try:
            results = [write_chunk(job) for job in jobs]
        finally:
            close_store_arrays()
    else:
        context = multiprocessing.get_context(_START_METHOD)
        # one chunk (16 basins, ~0.1 s) per task: small enough to balance the load, large
        # enough that the task overhead does not count; the pool is terminated on an error
        with context.Pool(min(processes, len(jobs))) as pool:
            results = list(pool.imap_unordered(write_chunk, jobs, chunksize=1))
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
    forcing: str,
    store_path: Path,
    train_period: Mapping[str, str],
    processes: int,
    chunk_basins: int,
) -> None:
    dates = daily_index(basins)
    train_columns = _training_columns(dates, train_period)
    chunk_rows = min(chunk_basins, len(basins))
    with atomic_path(store_path) as staging:
        create_arrays(staging, [b.basin for b in basins], dates, chunk_rows, forcing)
        jobs = [
            ChunkJob(
                store=staging,
                first_row=row,
                basins=tuple(basins[row : row + chunk_rows]),
                first_date=dates[0],
                n_dates=dates.size,
                train_columns=train_columns,
            )
            for row in range(0, len(basins), chunk_rows)
        ]
        summaries = run_chunk_jobs(jobs, processes)
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


def build_store(
    camels_root: str | Path,
    basins: Sequence[str],
    forcing: str,
    store_path: str | Path,
    train_period: Mapping[str, str],
    threads: int = 1,
    chunk_basins: int = DEFAULT_CHUNK_BASINS,
) -> Path:
    """Convert the forcing and streamflow files of ``basins`` to the zarr store ``store_path``.

    ``threads`` worker processes parse the files and write the chunks (1: all in this process).

    Raises
    ------
    CamelsFileError
        A missing or duplicated basin file, an unparsable line (file and line), or a basin without
        observed streamflow in ``train_period`` (basin and period). Nothing is written then.
    """
    began = time.perf_counter()
    store_path = Path(store_path)
    if not basins:
        raise CamelsFileError(f"{store_path}: no basins to convert")
    layout = locate_layout(camels_root, forcing)
    files = find_basin_files(layout, sorted(basins))
    logger.info(
        "converting %d basins (%s forcing from %s, streamflow from %s) with %d process(es)",
        len(files),
        forcing,
        layout.forcing_dir,
        layout.streamflow_dir,
        threads,
    )
    scanned = scan_date_spans(files)
    try:
        _write_store(scanned, forcing, store_path, train_period, threads, chunk_basins)
    except DateSpanMismatch as mismatch:
        logger.warning("%s; reading every file in full to fix the date index", mismatch)
        scanned = scan_date_spans(files, full=True)
        _write_store(scanned, forcing, store_path, train_period, threads, chunk_basins)
    logger.info("wrote %s in %.1f s", store_path, time.perf_counter() - began)
    return store_path
