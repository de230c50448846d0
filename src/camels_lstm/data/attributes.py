"""Merge the CAMELS US attribute tables and normalise them over the run's (training) basins.

Output layout (``docs/pipeline.md``): dims ``basin`` × ``attribute``; ``raw`` and ``normalised``
(basin, attribute); the scaler ``mean`` and ``std`` (attribute); per-basin coordinates
``gauge_lat``, ``gauge_lon``, ``gauge_name``, ``huc_02``. The scaler is the mean and population
standard deviation (ddof 0) over the given basins, NaNs skipped. An attribute that is constant over
these basins (std 0, always the case for a one-basin run) gets std 1 and a warning, so that its
normalised value is 0 rather than inf/NaN.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from camels_lstm.atomic_output import write_netcdf
from camels_lstm.data.catalogue import ATTRIBUTE_TABLES as CATALOGUE_TABLES
from camels_lstm.data.layout import ATTRIBUTE_TABLES, ATTRIBUTES_DIR, CamelsFileError, find_folder

logger = logging.getLogger(__name__)

COORDINATE_COLUMNS: tuple[str, ...] = ("gauge_lat", "gauge_lon", "gauge_name", "huc_02")
_TEXT_COLUMNS = frozenset({"gauge_name", "huc_02"})
_MISSING_TEXT = ("", "NA", "nan", "NaN")


class AttributeTableError(CamelsFileError):
    """An attribute table or a requested attribute is missing or malformed."""


def read_attribute_table(path: str | Path) -> pd.DataFrame:
    """One ``camels_<group>.txt`` table (``;``-separated), indexed by 8-character gauge id.

    Values are stripped of surrounding whitespace; numeric columns become float, ``NA`` NaN.
    """
    path = Path(path)
    try:
        table = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, engine="c")
    except (ValueError, pd.errors.ParserError) as error:
        raise AttributeTableError(
            f"{path}: cannot parse as a ';'-separated table: {error}"
        ) from None
    table.columns = [str(c).strip() for c in table.columns]
    if "gauge_id" not in table.columns:
        raise AttributeTableError(f"{path}, line 1: no gauge_id column in {list(table.columns)}")
    table = table.apply(lambda column: column.str.strip())
    ids = table["gauge_id"]
    bad = ids[~ids.str.fullmatch(r"\d{1,8}")]
    if not bad.empty:
        raise AttributeTableError(
            f"{path}, line {int(bad.index[0]) + 2}: gauge_id {bad.iloc[0]!r} is not a USGS id"
        )
    table["gauge_id"] = ids.str.zfill(8)
    repeated = table["gauge_id"][table["gauge_id"].duplicated()]
    if not repeated.empty:
        raise AttributeTableError(f"{path}: gauge_id(s) {sorted(set(repeated))} appear twice")
    table = table.set_index("gauge_id")
    for column in table.columns:
        if column in _TEXT_COLUMNS:
            continue
        text = table[column].replace(dict.fromkeys(_MISSING_TEXT, "NaN"))
        numbers = pd.to_numeric(text, errors="coerce")
        if numbers.notna().sum() == (text != "NaN").sum():  # every given value is a number
            table[column] = numbers.astype(np.float64)
    return table


def read_attributes(camels_root: str | Path) -> pd.DataFrame:
    """All ``camels_*.txt`` tables of ``camels_attributes_v2.0/``, joined on gauge id.

    The folder is found by :func:`camels_lstm.data.layout.find_folder` (in ``camels_root`` or
    one sub-folder down; a :class:`CamelsFileError` if absent or found more than once).
    """
    directory = find_folder(camels_root, ATTRIBUTES_DIR)
    paths = sorted(directory.glob(ATTRIBUTE_TABLES))
    if not paths:
        raise AttributeTableError(f"{directory}: no {ATTRIBUTE_TABLES} attribute tables")
    merged: pd.DataFrame | None = None
    origin: dict[str, Path] = {}
    for path in paths:
        table = read_attribute_table(path)
        for column in table.columns:
            if column in origin:
                raise AttributeTableError(
                    f"attribute {column!r} is in both {origin[column]} and {path}"
                )
            origin[column] = path
        merged = table if merged is None else merged.join(table, how="outer")
    assert merged is not None
    merged.attrs["origin"] = {column: str(path) for column, path in origin.items()}
    merged.attrs["directory"] = str(directory)
    merged.attrs["tables"] = [path.name for path in paths]
    return merged


def _absent_from_tables(table: pd.DataFrame, columns: Sequence[str]) -> str | None:
    """What is wrong where CAMELS attributes ``columns`` are not in ``table``: the table file
    that should hold them is missing, or lacks them (None for names CAMELS does not have)."""
    directory = Path(table.attrs.get("directory", ATTRIBUTES_DIR))
    found = set(table.attrs.get("tables", []))
    problems = []
    for group, names in CATALOGUE_TABLES.items():
        absent = [c for c in columns if c in names]
        if not absent:
            continue
        path = directory / f"camels_{group}.txt"
        if path.name not in found:
            problems.append(
                f"attribute table {path} is missing (it holds {absent}; tables found: "
                f"{', '.join(sorted(found)) or 'none'})"
            )
        else:
            problems.append(f"attribute table {path} has no column(s) {absent}")
    return "; ".join(problems) or None


def select_attributes(
    table: pd.DataFrame, basins: Sequence[str], attributes: Sequence[str]
) -> pd.DataFrame:
    """Numeric ``attributes`` of ``basins`` (rows in ``basins`` order); errors name the key."""
    numeric = sorted(c for c in table.columns if pd.api.types.is_float_dtype(table[c]))
    absent = _absent_from_tables(table, [a for a in attributes if a not in table.columns])
    if absent:
        raise AttributeTableError(absent)
    unknown = [a for a in attributes if a not in table.columns]
    if unknown:
        raise AttributeTableError(
            f"unknown attribute(s) {unknown}; valid names: {', '.join(numeric)}"
        )
    categorical = [a for a in attributes if a not in numeric]
    if categorical:
        raise AttributeTableError(
            f"attribute(s) {categorical} are not numeric and cannot be normalised; numeric "
            f"names: {', '.join(numeric)}"
        )
    missing = [b for b in basins if b not in table.index]
    if missing:
        raise AttributeTableError(f"basin(s) {missing} not in the CAMELS attribute tables")
    return table.loc[list(basins), list(attributes)].astype(np.float64)


def fit_scaler(raw: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Mean and std (ddof 0, NaN skipped) per attribute; std 0 becomes 1 with a warning."""
    mean = raw.mean(axis=0, skipna=True)
    std = raw.std(axis=0, ddof=0, skipna=True)
    all_nan = [a for a in raw.columns if raw[a].isna().all()]
    if all_nan:
        raise AttributeTableError(f"attribute(s) {all_nan} are NaN for every basin of the run")
    constant = [a for a in raw.columns if not std[a] > 0]
    for attribute in constant:
        logger.warning(
            "attribute %s is constant (%g) over the %d basins; using std 1 (normalised value 0)",
            attribute,
            mean[attribute],
            len(raw),
        )
    std[constant] = 1.0
    return mean, std


def _log_missing(raw: pd.DataFrame) -> None:
    for attribute in raw.columns:
        basins = raw.index[raw[attribute].isna()].tolist()
        if basins:
            logger.warning(
                "attribute %s is NaN for %d basin(s): %s (kept NaN; the scaler skips them)",
                attribute,
                len(basins),
                ", ".join(basins),
            )


def static_attributes_dataset(
    table: pd.DataFrame, basins: Sequence[str], attributes: Sequence[str]
) -> xr.Dataset:
    """raw, normalised and the scaler of ``attributes`` over ``basins`` as a Dataset."""
    raw = select_attributes(table, basins, attributes)
    _log_missing(raw)
    mean, std = fit_scaler(raw)
    normalised = (raw - mean) / std
    missing_coords = [c for c in COORDINATE_COLUMNS if c not in table.columns]
    if missing_coords:
        raise AttributeTableError(
            _absent_from_tables(table, missing_coords)
            or f"column(s) {missing_coords} not in the CAMELS attribute tables"
        )
    rows = table.loc[list(basins)]
    dims = ("basin", "attribute")
    coords = {
        "basin": ("basin", np.array(list(basins), dtype=object)),
        "attribute": ("attribute", np.array(list(attributes), dtype=object)),
        "gauge_lat": ("basin", rows["gauge_lat"].to_numpy(np.float64), {"units": "degrees_north"}),
        "gauge_lon": ("basin", rows["gauge_lon"].to_numpy(np.float64), {"units": "degrees_east"}),
        "gauge_name": ("basin", rows["gauge_name"].to_numpy(dtype=object)),
        "huc_02": ("basin", rows["huc_02"].str.zfill(2).to_numpy(dtype=object)),
    }
    variables = {
        "raw": (dims, raw.to_numpy(), {"long_name": "CAMELS attribute value"}),
        "normalised": (dims, normalised.to_numpy(), {"long_name": "(raw - mean) / std"}),
        "mean": ("attribute", mean.to_numpy(), {"long_name": "mean over the run's basins"}),
        "std": (
            "attribute",
            std.to_numpy(),
            {"long_name": "population std (ddof 0) over the run's basins; 1 where constant"},
        ),
    }
    origin = table.attrs.get("origin", {})
    attrs = {
        "title": "CAMELS US static catchment attributes, normalised over the run's basins",
        "scaler_basins": len(basins),
        "attribute_sources": "; ".join(
            f"{a}: {Path(origin[a]).name}" for a in attributes if a in origin
        ),
        "source": "Addor et al. (2017), doi:10.5194/hess-21-5293-2017",
    }
    return xr.Dataset(variables, coords=coords, attrs=attrs)


def write_static_attributes(
    camels_root: str | Path,
    basins: Sequence[str],
    attributes: Sequence[str],
    output_path: str | Path,
) -> Path:
    """Merge, select, normalise and write the attributes to a netCDF file (atomically)."""
    table = read_attributes(camels_root)
    dataset = static_attributes_dataset(table, basins, attributes)
    output_path = Path(output_path)
    write_netcdf(dataset, output_path)
    logger.info("wrote %d attributes of %d basins to %s", len(attributes), len(basins), output_path)
    return output_path
