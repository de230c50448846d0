"""What CAMELS US contains, known before anything is downloaded.

Gauge ids and HUC-02 regions of the 671 basins (from ``camels_name.txt`` of attributes v2.0, shipped
as ``resources/camels_us_gauges.csv``), the attribute tables and their columns, the forcing
products and their file-name suffixes, the span of the forcing products and which products the
official archives hold, and the 27 static attributes of Kratzert et al. (2019,
HESS, EA-LSTM paper, Table 1).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import PurePosixPath
from urllib.parse import urlsplit

ATTRIBUTE_TABLES: dict[str, tuple[str, ...]] = {
    "clim": (
        "p_mean", "pet_mean", "p_seasonality", "frac_snow", "aridity", "high_prec_freq",
        "high_prec_dur", "high_prec_timing", "low_prec_freq", "low_prec_dur", "low_prec_timing",
    ),
    "geol": (
        "geol_1st_class", "glim_1st_class_frac", "geol_2nd_class", "glim_2nd_class_frac",
        "carbonate_rocks_frac", "geol_porostiy", "geol_permeability",
    ),
    "hydro": (
        "q_mean", "runoff_ratio", "slope_fdc", "baseflow_index", "stream_elas", "q5", "q95",
        "high_q_freq", "high_q_dur", "low_q_freq", "low_q_dur", "zero_q_freq", "hfd_mean",
    ),
    "name": ("huc_02", "gauge_name"),
    "soil": (
        "soil_depth_pelletier", "soil_depth_statsgo", "soil_porosity", "soil_conductivity",
        "max_water_content", "sand_frac", "silt_frac", "clay_frac", "water_frac", "organic_frac",
        "other_frac",
    ),
    "topo": (
        "gauge_lat", "gauge_lon", "elev_mean", "slope_mean", "area_gages2", "area_geospa_fabric",
    ),
    "vege": (
        "frac_forest", "lai_max", "lai_diff", "gvf_max", "gvf_diff", "dom_land_cover_frac",
        "dom_land_cover", "root_depth_50", "root_depth_99",
    ),
}  # fmt: skip

ATTRIBUTE_NAMES: frozenset[str] = frozenset(
    name for columns in ATTRIBUTE_TABLES.values() for name in columns
)

# The 27 catchment attributes of the EA-LSTM paper (Kratzert et al., 2019, HESS, Table 1).
EALSTM_STATIC_ATTRIBUTES: tuple[str, ...] = (
    "p_mean", "pet_mean", "aridity", "p_seasonality", "frac_snow", "high_prec_freq",
    "high_prec_dur", "low_prec_freq", "low_prec_dur", "elev_mean", "slope_mean", "area_gages2",
    "frac_forest", "lai_max", "lai_diff", "gvf_max", "gvf_diff", "soil_depth_pelletier",
    "soil_depth_statsgo", "soil_porosity", "soil_conductivity", "max_water_content", "sand_frac",
    "silt_frac", "clay_frac", "carbonate_rocks_frac", "geol_permeability",
)  # fmt: skip

# Forcing product (config key camels.forcing) -> (folder under basin_mean_forcing, file suffix).
FORCING_PRODUCTS: dict[str, tuple[str, str]] = {
    "daymet": ("daymet", "_lump_cida_forcing_leap.txt"),
    "maurer": ("maurer", "_lump_maurer_forcing_leap.txt"),
    "maurer_extended": ("maurer_extended", "_lump_maurer_forcing_leap.txt"),
    "nldas": ("nldas", "_lump_nldas_forcing_leap.txt"),
    "nldas_extended": ("nldas_extended", "_lump_nldas_forcing_leap.txt"),
}


# First and last day of the forcing products as CAMELS US v1.2 distributes them (Newman et al.,
# 2015; the Maurer data end in 2008). The *_extended products are published elsewhere, with
# their own span, so theirs is not assumed.
FORCING_COVERAGE: dict[str, tuple[str, str]] = {
    "daymet": ("1980-01-01", "2014-12-31"),
    "maurer": ("1980-01-01", "2008-12-31"),
    "nldas": ("1980-01-01", "2014-12-31"),
}


@dataclass(frozen=True)
class ArchiveContents:
    """What an official CAMELS US archive holds (known before it is downloaded)."""

    forcing_products: tuple[str, ...]
    streamflow: bool
    attributes: bool


# Official archives by file name (the last component of the download URL's path).
KNOWN_ARCHIVES: dict[str, ArchiveContents] = {
    # NCAR's time series v1.2: basin-mean forcing of all three products, USGS streamflow.
    "basin_timeseries_v1p2_metForcing_obsFlow.zip": ArchiveContents(
        ("daymet", "maurer", "nldas"), streamflow=True, attributes=False
    ),
    "camels_attributes_v2.0.zip": ArchiveContents((), streamflow=False, attributes=True),
}


def archive_file_name(url: str) -> str:
    """The file name of a download source (URL or local path), query and fragment dropped."""
    return PurePosixPath(urlsplit(url).path.replace("\\", "/")).name


def known_archive_contents(urls: Iterable[str]) -> list[ArchiveContents] | None:
    """The contents of every archive in ``urls``; None if any of them is not a known archive."""
    contents = [KNOWN_ARCHIVES.get(archive_file_name(url)) for url in urls]
    if not contents or any(c is None for c in contents):
        return None
    return [c for c in contents if c is not None]


@cache
def gauge_huc02() -> dict[str, str]:
    """Map every CAMELS US gauge id (8 characters) to its two-digit HUC-02 region."""
    text = resources.files("camels_lstm").joinpath("resources/camels_us_gauges.csv").read_text()
    return {row["gauge_id"]: row["huc_02"] for row in csv.DictReader(text.splitlines())}


def known_gauge_ids() -> frozenset[str]:
    return frozenset(gauge_huc02())
