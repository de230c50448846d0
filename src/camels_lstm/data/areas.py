"""The basin area that turns streamflow in ft³/s into mm/day (``camels.streamflow_area``).

Three sources, which differ by more than 5 % in 64 of the 671 CAMELS basins:

- ``daymet_header`` (default): line 3 of the basin's Daymet forcing file. What the papers and
  neuralhydrology use with Daymet, and the same whichever forcing product a run uses, so the
  training targets do not change with the product (the Maurer file of 05120500 gives ×0.49).
- ``forcing_header``: line 3 of the configured product's forcing file (neuralhydrology and the
  papers with Maurer or NLDAS forcing).
- ``area_gages2``: ``area_gages2`` (km²) of ``camels_attributes_v2.0/camels_topo.txt``.

Where the sources available for a basin disagree by more than 5 % (largest over smallest), the
basin is listed in the data-quality table (check ``area_disagreement``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from camels_lstm.data.layout import (
    FORCING_DIR,
    CamelsFileError,
    CamelsLayout,
    find_folder,
    forcing_product,
    index_basin_files,
)
from camels_lstm.data.quality import Finding

# source -> basin -> (area in m², file it comes from)
AreaTable = dict[str, dict[str, tuple[float, str]]]

AREA_SOURCES: dict[str, str] = {
    "daymet_header": "basin area on the third header line of the basin's Daymet forcing file",
    "forcing_header": "basin area on the third header line of the forcing file of the product",
    "area_gages2": "area_gages2 (km2) of camels_attributes_v2.0/camels_topo.txt",
}
DEFAULT_AREA_SOURCE = "daymet_header"
DAYMET = "daymet"
TOPO_TABLE = "camels_topo.txt"
AREA_TOLERANCE = 0.05


def area_forcing_products(forcing: str, streamflow_area: str) -> tuple[str, ...]:
    """Forcing products whose files a conversion reads: ``forcing``, and Daymet for its header
    areas when ``streamflow_area`` is ``daymet_header`` and ``forcing`` is another product."""
    if streamflow_area not in AREA_SOURCES:
        raise CamelsFileError(
            f"unknown streamflow area source {streamflow_area!r}; valid: {', '.join(AREA_SOURCES)}"
        )
    if streamflow_area == "daymet_header" and forcing != DAYMET:
        return (forcing, DAYMET)
    return (forcing,)


def header_area_m2(path: str | Path) -> float:
    """The basin area (m²) on line 3 of a forcing file, reading only the first lines."""
    path = Path(path)
    with path.open("rb") as handle:
        lines = [handle.readline() for _ in range(3)]
    try:
        area = float(lines[2].strip())
    except ValueError:
        raise CamelsFileError(
            f"{path}, line 3: expected the basin area (m²), got {lines[2].strip()!r}"
        ) from None
    if not area > 0:
        raise CamelsFileError(f"{path}, line 3: basin area {area} m² is not positive")
    return area


def area_gages2_m2(attributes_dir: str | Path) -> tuple[Path, dict[str, float]] | None:
    """``area_gages2`` of every basin of ``camels_topo.txt`` in m² (None if there is no table)."""
    from camels_lstm.data.attributes import read_attribute_table  # pandas: only when needed

    path = Path(attributes_dir) / TOPO_TABLE
    if not path.is_file():
        return None
    table = read_attribute_table(path)
    if "area_gages2" not in table.columns:
        raise CamelsFileError(f"{path}: no column area_gages2")
    return path, {basin: float(km2) * 1e6 for basin, km2 in table["area_gages2"].items()}


def area_finding(
    basin: str, areas: Mapping[str, tuple[float, str]], used: str, policy: str
) -> Finding | None:
    """A finding if the areas (source -> (m², file)) of a basin differ by more than 5 %."""
    values = [area for area, _ in areas.values() if area == area]
    if len(values) < 2 or max(values) <= (1 + AREA_TOLERANCE) * min(values):
        return None
    listed = "; ".join(
        f"{source} {area / 1e6:.2f} km2 ({path})" for source, (area, path) in areas.items()
    )
    return Finding(
        "area_disagreement", policy, basin, "area", areas[used][1], "", "", 0,
        f"basin areas differ by {max(values) / min(values) - 1:.1%}: {listed}; streamflow in "
        f"mm/day uses {used} (config key 'camels.streamflow_area')",
    )  # fmt: skip


def _daymet_header_areas(root: Path, basins: Sequence[str], needed: bool) -> dict | None:
    folder, suffix = forcing_product(DAYMET)
    try:
        directory = find_folder(root, f"{FORCING_DIR}/{folder}")
    except CamelsFileError as error:
        if needed:
            raise CamelsFileError(
                f"camels.streamflow_area 'daymet_header' needs the Daymet forcing files: {error}"
            ) from None
        return None
    files = index_basin_files(directory, suffix)
    absent = [b for b in basins if b not in files]
    if absent and needed:
        raise CamelsFileError(
            f"camels.streamflow_area 'daymet_header': no Daymet forcing file of basin(s) {absent} "
            f"under {directory} (its header gives the basin area)"
        )
    return {b: (header_area_m2(files[b]), str(files[b])) for b in basins if b in files}


def other_area_sources(
    layout: CamelsLayout, forcing: str, basins: Sequence[str], streamflow_area: str
) -> AreaTable:
    """The areas of ``basins`` from the sources other than the configured product's forcing
    header that the copy holds: the Daymet header (for another product) and ``area_gages2``.

    Raises
    ------
    CamelsFileError
        If the source ``streamflow_area`` names is absent (naming the file or folder).
    """
    sources: AreaTable = {}
    if forcing != DAYMET:
        needed = streamflow_area == "daymet_header"
        daymet = _daymet_header_areas(layout.root, basins, needed)
        if daymet is not None:
            sources["daymet_header"] = daymet
    table = area_gages2_m2(layout.attributes_dir)
    needed = streamflow_area == "area_gages2"
    if table is None and needed:
        raise CamelsFileError(
            f"camels.streamflow_area 'area_gages2': no {layout.attributes_dir / TOPO_TABLE}"
        )
    if table is not None:
        path, areas = table
        absent = [b for b in basins if not areas.get(b, float("nan")) > 0]
        if absent and needed:
            raise CamelsFileError(
                f"camels.streamflow_area 'area_gages2': {path} has no positive area_gages2 of "
                f"basin(s) {absent}"
            )
        sources["area_gages2"] = {b: (areas.get(b, float("nan")), str(path)) for b in basins}
    return sources


def conversion_area_m2(
    basin: str, forcing: str, streamflow_area: str, sources: AreaTable
) -> float | None:
    """The area that converts ``basin``'s streamflow; None: the forcing file's own header."""
    if streamflow_area == "forcing_header" or (
        streamflow_area == "daymet_header" and forcing == DAYMET
    ):
        return None
    return sources[streamflow_area][basin][0]


def basin_areas(
    basin: str, forcing: str, header: tuple[float, str], sources: AreaTable
) -> dict[str, tuple[float, str]]:
    """Every available area of ``basin`` by source, the forcing header first."""
    own = "daymet_header" if forcing == DAYMET else "forcing_header"
    areas = {own: header}
    areas |= {name: table[basin] for name, table in sources.items() if basin in table}
    return areas


def used_source(forcing: str, streamflow_area: str) -> str:
    """The key of :func:`basin_areas` that the conversion uses."""
    if forcing == DAYMET and streamflow_area == "forcing_header":
        return "daymet_header"
    return streamflow_area
