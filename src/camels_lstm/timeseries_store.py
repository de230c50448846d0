"""Convert forcing and streamflow files of many basins to one chunked zarr v3 store.

Layout (``docs/pipeline.md``): dims ``basin`` (ascending 8-character gauge ids) × ``date``
(complete daily index over all files, absent days NaN); float32 forcing and streamflow, int8
``streamflow_qc_flag``; per-basin coordinates ``area_m2``, ``gauge_lat``, ``gauge_elevation_m``,
``huc_02``. Files are parsed in worker processes; the store is written to a temporary sibling and
renamed into place.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr
from zarr.codecs import BloscCodec

from camels_lstm.atomic_output import atomic_path
from camels_lstm.camels_catalogue import gauge_huc02
from camels_lstm.camels_files import (
    FORCING_VARIABLES,
    QC_FLAGS,
    CamelsFileError,
    cfs_to_mm_per_day,
    find_basin_files,
    locate_layout,
    read_forcing,
    read_streamflow,
)

logger = logging.getLogger(__name__)

# Basins per chunk; every chunk holds the full date range. Chosen by measurement
# (benchmarks/README.md): reading one basin costs one small chunk per variable, reading all
# basins a few large ones.
DEFAULT_CHUNK_BASINS = 16

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


@dataclass(frozen=True)
class BasinSeries:
    """Parsed files of one basin, on their own dates (float32 values)."""

    basin: str
    gauge_lat: float
    gauge_elevation_m: float
    area_m2: float
    huc_folder: str
    forcing_dates: np.ndarray
    forcing: dict[str, np.ndarray]
    streamflow_dates: np.ndarray
    streamflow_cfs: np.ndarray
    qc_flag: np.ndarray


def parse_basin(basin: str, forcing_path: Path, streamflow_path: Path) -> BasinSeries:
    """Parse one basin's forcing and streamflow file (runs in a worker process)."""
    forcing = read_forcing(forcing_path)
    streamflow = read_streamflow(streamflow_path, basin)
    return BasinSeries(
        basin=basin,
        gauge_lat=forcing.gauge_lat,
        gauge_elevation_m=forcing.gauge_elevation_m,
        area_m2=forcing.area_m2,
        huc_folder=forcing_path.parent.name,
        forcing_dates=forcing.dates,
        forcing={k: v.astype(np.float32) for k, v in forcing.values.items()},
        streamflow_dates=streamflow.dates,
        streamflow_cfs=streamflow.streamflow_cfs,
        qc_flag=streamflow.qc_flag,
    )


def _parse_star(args: tuple[str, Path, Path]) -> BasinSeries:
    return parse_basin(*args)


def parse_basins(files: Mapping[str, tuple[Path, Path]], processes: int = 1) -> list[BasinSeries]:
    """Parse the files of all basins, in ``processes`` worker processes (1: in this process)."""
    jobs = [(basin, forcing, streamflow) for basin, (forcing, streamflow) in files.items()]
    if processes <= 1 or len(jobs) < 2:
        return [_parse_star(job) for job in jobs]
    chunksize = max(1, len(jobs) // (processes * 8))
    with ProcessPoolExecutor(max_workers=min(processes, len(jobs))) as pool:
        return list(pool.map(_parse_star, jobs, chunksize=chunksize))


def _huc_02(series: BasinSeries) -> str:
    return gauge_huc02().get(series.basin, series.huc_folder)


def assemble_dataset(series: Sequence[BasinSeries], forcing: str) -> xr.Dataset:
    """Put the basins on one complete daily index (gaps NaN) as an xarray Dataset."""
    series = sorted(series, key=lambda s: s.basin)
    start = min(min(s.forcing_dates[0], s.streamflow_dates[0]) for s in series)
    end = max(max(s.forcing_dates[-1], s.streamflow_dates[-1]) for s in series)
    dates = np.arange(start, end + np.timedelta64(1, "D"), dtype="datetime64[D]")
    shape = (len(series), dates.size)
    data = {name: np.full(shape, np.nan, dtype=np.float32) for name in VARIABLE_ATTRS}
    qc_flag = np.full(shape, QC_FLAGS["M"], dtype=np.int8)
    for row, s in enumerate(series):
        columns = (s.forcing_dates - start).astype(np.int64)
        for name in FORCING_VARIABLES:
            data[name][row, columns] = s.forcing[name]
        columns = (s.streamflow_dates - start).astype(np.int64)
        data["streamflow_cfs"][row, columns] = s.streamflow_cfs
        data["streamflow_mm_per_day"][row, columns] = cfs_to_mm_per_day(s.streamflow_cfs, s.area_m2)
        qc_flag[row, columns] = s.qc_flag
    dims = ("basin", "date")
    variables = {name: (dims, data[name], VARIABLE_ATTRS[name]) for name in VARIABLE_ATTRS}
    variables["streamflow_qc_flag"] = (
        dims,
        qc_flag,
        {
            "long_name": "USGS quality-control flag of the streamflow",
            "flag_values": np.array(sorted(QC_FLAGS.values()), dtype=np.int8),
            "flag_meanings": "missing approved approved_estimated",
            "comment": "0: flag M, value -999 or day absent; 1: flag A; 2: flag A:e",
        },
    )
    coords = {
        "basin": ("basin", np.array([s.basin for s in series], dtype=object)),
        "date": ("date", dates.astype("datetime64[ns]")),
        "area_m2": (
            "basin",
            np.array([s.area_m2 for s in series]),
            {"units": "m2", "long_name": "basin area (forcing file header, line 3)"},
        ),
        "gauge_lat": (
            "basin",
            np.array([s.gauge_lat for s in series]),
            {"units": "degrees_north", "long_name": "gauge latitude (forcing file header)"},
        ),
        "gauge_elevation_m": (
            "basin",
            np.array([s.gauge_elevation_m for s in series]),
            {"units": "m", "long_name": "gauge elevation (forcing file header)"},
        ),
        "huc_02": (
            "basin",
            np.array([_huc_02(s) for s in series], dtype=object),
            {"long_name": "HUC-02 region"},
        ),
    }
    attrs = {
        "title": "CAMELS US daily basin-mean forcing and USGS streamflow",
        "forcing_product": forcing,
        "streamflow_area_source": "area_m2: basin area from the third header line of the "
        f"{forcing} forcing file",
        "streamflow_conversion": CONVERSION_FORMULA,
        "source": "Newman et al. (2015), doi:10.5194/hess-19-209-2015",
    }
    return xr.Dataset(variables, coords=coords, attrs=attrs)


def check_training_streamflow(dataset: xr.Dataset, train_period: Mapping[str, str]) -> None:
    """Raise naming every basin without an observed streamflow day in the training period."""
    start, end = train_period["start"], train_period["end"]
    window = dataset["streamflow_mm_per_day"].sel(date=slice(start, end)).to_numpy()
    observed = np.isfinite(window).any(axis=1)
    empty = dataset["basin"].to_numpy()[~observed].tolist()
    if empty:
        raise CamelsFileError(
            f"basin(s) {empty}: no observed streamflow in the training period {start}..{end}"
        )


def encoding_for(dataset: xr.Dataset, chunk_basins: int = DEFAULT_CHUNK_BASINS) -> dict:
    """zarr encoding: (chunk_basins, all dates) chunks, Blosc zstd (level 1) with byte shuffle."""
    chunks = (min(chunk_basins, dataset.sizes["basin"]), dataset.sizes["date"])
    compressor = BloscCodec(cname="zstd", clevel=1, shuffle="shuffle")
    encoding: dict[str, dict] = {
        name: {"chunks": chunks, "compressors": (compressor,)} for name in dataset.data_vars
    }
    encoding["date"] = {"units": "days since 1970-01-01", "dtype": "int32"}
    return encoding


def write_store(
    dataset: xr.Dataset, store_path: str | Path, chunk_basins: int = DEFAULT_CHUNK_BASINS
) -> Path:
    """Write ``dataset`` as zarr v3 to ``store_path`` atomically (temporary sibling, rename)."""
    store_path = Path(store_path)
    with atomic_path(store_path) as staging, warnings.catch_warnings():
        # Consolidated metadata (one read to open the store) is a zarr-python extension of v3.
        warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
        dataset.to_zarr(
            staging,
            mode="w-",
            zarr_format=3,
            consolidated=True,
            encoding=encoding_for(dataset, chunk_basins),
        )
    return store_path


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

    Raises
    ------
    CamelsFileError
        A missing or duplicated basin file, an unparsable line (file and line), or a basin without
        observed streamflow in ``train_period`` (basin and period). Nothing is written then.
    """
    began = time.perf_counter()
    layout = locate_layout(camels_root, forcing)
    files = find_basin_files(layout, sorted(basins))
    logger.info(
        "parsing %d basins (%s forcing from %s, streamflow from %s) with %d process(es)",
        len(files),
        forcing,
        layout.forcing_dir,
        layout.streamflow_dir,
        threads,
    )
    series = parse_basins(files, processes=threads)
    parsed = time.perf_counter()
    dataset = assemble_dataset(series, forcing)
    check_training_streamflow(dataset, train_period)
    missing = int(np.isnan(dataset["streamflow_mm_per_day"].to_numpy()).sum())
    logger.info(
        "dates %s..%s; %d basin-days without streamflow; parsed in %.1f s",
        str(dataset["date"].to_numpy()[0])[:10],
        str(dataset["date"].to_numpy()[-1])[:10],
        missing,
        parsed - began,
    )
    write_store(dataset, store_path, chunk_basins)
    logger.info("wrote %s in %.1f s", store_path, time.perf_counter() - began)
    return Path(store_path)
