"""A period's model inputs of any basin, read straight from a CAMELS US tree (no store).

The text files are parsed by :mod:`camels_lstm.data.camels_files`, checked with the data-check
policies the package was trained under (:mod:`camels_lstm.data.quality`), and streamflow is
converted with the package's area source (:mod:`camels_lstm.data.areas`): the same values the
workflow's store would hold. Static attributes come from the attribute tables
(:mod:`camels_lstm.data.attributes`), normalised with the package's scaler. A basin without a
streamflow file (ungauged) is read too; its observations are NaN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from camels_lstm.conceptual.spec import hybrid_input
from camels_lstm.data.areas import conversion_area_m2, other_area_sources
from camels_lstm.data.camels_files import QC_FLAGS, cfs_to_mm_per_day, read_forcing, read_streamflow
from camels_lstm.data.layout import (
    ATTRIBUTES_DIR,
    FORCING_DIR,
    STREAMFLOW_DIR,
    STREAMFLOW_SUFFIX,
    CamelsFileError,
    CamelsLayout,
    find_folder,
    forcing_product,
    index_basin_files,
)
from camels_lstm.data.quality import ERROR, forcing_findings, streamflow_findings
from camels_lstm.training.data import PeriodArrays
from camels_lstm.training.scalers import Scalers


@dataclass(frozen=True)
class CamelsPeriod:
    """Raw inputs of ``arrays`` (with ``seq_length - 1`` warm-up days), the basin areas (m²)
    of the streamflow conversion, which basins have a streamflow file, and each basin's forcing
    file. Conceptual-model inputs (``<experiment>.<output>``) are left NaN here: the package's
    conceptual models fill them (:mod:`camels_lstm.packages.conceptual_inputs`)."""

    arrays: PeriodArrays
    area_m2: np.ndarray
    gauged: np.ndarray  # bool per basin
    forcing_files: dict[str, Path]


def _optional_folder(root: Path, name: str) -> Path | None:
    try:
        return find_folder(root, name)
    except CamelsFileError:
        return None


def camels_layout(root: str | Path, forcing: str) -> CamelsLayout:
    """The folders of ``root`` a prediction reads; only the forcing product's must exist
    (streamflow and attributes are optional: ungauged basins, models without attributes)."""
    root = Path(root)
    product_dir, suffix = forcing_product(forcing)
    return CamelsLayout(
        root=root,
        forcing_dir=find_folder(root, f"{FORCING_DIR}/{product_dir}"),
        forcing_suffix=suffix,
        streamflow_dir=_optional_folder(root, STREAMFLOW_DIR) or root / STREAMFLOW_DIR,
        attributes_dir=_optional_folder(root, ATTRIBUTES_DIR) or root / ATTRIBUTES_DIR,
    )


def _raise_errors(findings: Sequence[Any]) -> None:
    errors = [finding.message for finding in findings if finding.policy == ERROR]
    if errors:
        raise CamelsFileError("data check(s) failed:\n  " + "\n  ".join(errors))


def read_camels_period(
    root: str | Path,
    basins: Sequence[str],
    description: Mapping[str, Any],
    start: str,
    end: str,
) -> CamelsPeriod:
    """Inputs of ``basins`` for ``start``..``end`` under the package ``description``
    (``forcing``, ``streamflow_area``, ``data_checks``, ``dynamic_inputs``, ``experiment``).

    Raises
    ------
    CamelsFileError
        Naming the basin whose forcing file is missing or does not cover the period, a data
        check whose policy is ``error``, or a missing area source.
    """
    layout = camels_layout(root, description["forcing"])
    seq_length = int(description["experiment"]["seq_length"])
    first_day, last_day = np.datetime64(start, "D"), np.datetime64(end, "D")
    if last_day < first_day:
        raise CamelsFileError(f"period {start}..{end}: the end is before the start")
    dates = np.arange(first_day - (seq_length - 1), last_day + 1, dtype="datetime64[D]")
    forcing_files = index_basin_files(layout.forcing_dir, layout.forcing_suffix)
    missing = [basin for basin in basins if basin not in forcing_files]
    if missing:
        raise CamelsFileError(
            f"basin(s) {missing}: no forcing file <basin>{layout.forcing_suffix} under "
            f"{layout.forcing_dir}"
        )
    streamflow_files = (
        index_basin_files(layout.streamflow_dir, STREAMFLOW_SUFFIX)
        if layout.streamflow_dir.is_dir()
        else {}
    )
    forcing, area_source = description["forcing"], description["streamflow_area"]
    sources = other_area_sources(layout, forcing, basins, area_source)
    policies = description["data_checks"]
    inputs = list(description["dynamic_inputs"])
    dynamic = np.full((len(basins), dates.size, len(inputs)), np.nan, dtype=np.float32)
    streamflow = np.full((len(basins), dates.size), np.nan, dtype=np.float32)
    areas = np.empty(len(basins))
    gauged = np.zeros(len(basins), dtype=bool)
    for row, basin in enumerate(basins):
        series = read_forcing(forcing_files[basin])
        if series.dates[0] > first_day or series.dates[-1] < last_day:
            raise CamelsFileError(
                f"basin {basin}: the forcing file {series.path} covers {series.dates[0]}.."
                f"{series.dates[-1]}, not the requested period {start}..{end}"
            )
        findings, masks = forcing_findings(
            basin, series.path, series.dates, series.values, policies
        )
        _raise_errors(findings)
        inside = (series.dates >= dates[0]) & (series.dates <= dates[-1])
        columns = (series.dates[inside] - dates[0]).astype(np.int64)
        for position, name in enumerate(inputs):
            if hybrid_input(name):
                continue
            values = series.values[name].copy()
            if name in masks:
                values[masks[name]] = np.nan
            dynamic[row, columns, position] = values[inside]
        area = conversion_area_m2(basin, forcing, area_source, sources)
        areas[row] = series.area_m2 if area is None else area
        if basin in streamflow_files:
            gauged[row] = True
            flow = read_streamflow(streamflow_files[basin], basin)
            flow_findings, mask = streamflow_findings(
                basin,
                flow.path,
                flow.dates,
                flow.streamflow_cfs,
                flow.qc_flag != QC_FLAGS["M"],
                policies,
            )
            _raise_errors(flow_findings)
            cfs = flow.streamflow_cfs.copy()
            if mask is not None:
                cfs[mask] = np.nan
            inside = (flow.dates >= dates[0]) & (flow.dates <= dates[-1])
            columns = (flow.dates[inside] - dates[0]).astype(np.int64)
            streamflow[row, columns] = cfs_to_mm_per_day(cfs[inside], areas[row])
    arrays = PeriodArrays(
        basins=tuple(basins),
        dynamic_inputs=tuple(inputs),
        dates=dates,
        period_start_index=seq_length - 1,
        dynamic=dynamic,
        streamflow_mm_per_day=streamflow,
    )
    files = {basin: forcing_files[basin] for basin in basins}
    return CamelsPeriod(arrays=arrays, area_m2=areas, gauged=gauged, forcing_files=files)


def normalised_static_attributes(
    root: str | Path, basins: Sequence[str], scalers: Scalers
) -> np.ndarray:
    """The model's static attributes of ``basins`` from the attribute tables of ``root``,
    normalised with the package's scaler (float32, (basin, attribute)).

    Raises
    ------
    CamelsFileError
        A missing attribute table or column, a basin not in the tables, or an attribute that is
        NaN for a basin (each named).
    """
    names = list(scalers.static_attributes)
    if not names:
        return np.zeros((len(basins), 0), dtype=np.float32)
    from camels_lstm.data.attributes import read_attributes, select_attributes

    raw = select_attributes(read_attributes(root), basins, names)
    absent = [
        f"{basin}: {name}"
        for basin, row in raw.iterrows()
        for name, value in row.items()
        if not np.isfinite(value)
    ]
    if absent:
        raise CamelsFileError(
            f"the model needs static attributes that the CAMELS attribute tables under {root} "
            f"lack (NA): {', '.join(absent[:20])}"
        )
    normalised = (raw.to_numpy(np.float64) - scalers.static_mean) / scalers.static_std
    return normalised.astype(np.float32)
