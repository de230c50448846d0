"""The metadata of the zarr store and its creation: CF attributes of every variable and
per-basin coordinate, the group attributes, the empty data arrays and the coordinates written
from the workers' summaries (layout: ``docs/pipeline.md``). The build is
:mod:`camels_lstm.data.timeseries_store`.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import zarr
from zarr.codecs import BloscCodec
from zarr.dtype import VariableLengthUTF8

from camels_lstm.data.areas import AREA_SOURCES, DEFAULT_AREA_SOURCE
from camels_lstm.data.camels_files import QC_FLAGS
from camels_lstm.data.catalogue import gauge_huc02
from camels_lstm.data.timeseries_chunks import QC_VARIABLE, BasinSummary

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
            "area_m2: basin area, source in the attribute streamflow_area_source"
        ),
    },
}
CONVERSION_FORMULA = VARIABLE_ATTRS["streamflow_mm_per_day"]["comment"]
QC_FLAG_ATTRS = {
    "long_name": "USGS quality-control flag of the streamflow",
    "flag_values": sorted(QC_FLAGS.values()),
    "flag_meanings": "missing approved approved_estimated",
    "comment": (
        "0: flag M, value -999, day absent or value masked by a data check; 1: flag A; 2: flag A:e"
    ),
}
BASIN_COORDINATE_ATTRS: dict[str, dict[str, str]] = {
    "area_m2": {"units": "m2", "long_name": "basin area of the streamflow conversion"},
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


def store_attributes(forcing: str, streamflow_area: str = DEFAULT_AREA_SOURCE) -> dict[str, str]:
    return {
        "title": "CAMELS US daily basin-mean forcing and USGS streamflow",
        "forcing_product": forcing,
        "streamflow_area_source": f"area_m2 ({streamflow_area}): {AREA_SOURCES[streamflow_area]}",
        "streamflow_conversion": CONVERSION_FORMULA,
        "source": "Newman et al. (2015), doi:10.5194/hess-19-209-2015",
    }


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
    staging: Path,
    basins: Sequence[str],
    dates: np.ndarray,
    chunk_rows: int,
    forcing: str,
    streamflow_area: str = DEFAULT_AREA_SOURCE,
) -> None:
    """Create the store: group attributes, ``basin``/``date`` and empty data variables."""
    attributes = store_attributes(forcing, streamflow_area)
    group = zarr.create_group(staging, zarr_format=3, attributes=attributes)
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
