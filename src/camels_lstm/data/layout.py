"""Where the data of a CAMELS US copy lie: folder and file names, and finding them under a root.

Layout under a CAMELS root (as neuralhydrology users have it; HUC-02 sub-folders optional; the
data folders may also sit one level down, e.g. in ``basin_dataset_public_v1p2/``)::

    basin_mean_forcing/<product>/[<huc>/]<gauge_id>_lump_<source>_forcing_leap.txt
    usgs_streamflow/[<huc>/]<gauge_id>_streamflow_qc.txt
    camels_attributes_v2.0/camels_*.txt

The names are defined here once, for reading a copy and for extracting one from archives
(:mod:`camels_lstm.data.archive`); the product folders and forcing file suffixes are
:data:`camels_lstm.data.catalogue.FORCING_PRODUCTS`. :func:`find_folder` is the one way a data
folder is looked up under a root. Each data folder is indexed once (one directory walk), never
globbed per basin.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from camels_lstm.data.catalogue import FORCING_PRODUCTS

FORCING_DIR = "basin_mean_forcing"
STREAMFLOW_DIR = "usgs_streamflow"
ATTRIBUTES_DIR = "camels_attributes_v2.0"
STREAMFLOW_SUFFIX = "_streamflow_qc.txt"
# The attribute tables inside ATTRIBUTES_DIR (a glob pattern, also matched with fnmatch).
ATTRIBUTE_TABLES = "camels_*.txt"
# Sub-folders of a root that are never searched: unzip's resource forks, hidden folders.
_IGNORED_FOLDER = re.compile(r"^(__MACOSX|\..*)$")
_GAUGE_ID = re.compile(r"^(\d{8})")


class CamelsFileError(ValueError):
    """A CAMELS file is missing, duplicated or malformed; the message names file, line or basin."""


@dataclass(frozen=True)
class CamelsLayout:
    """Where the data folders of one CAMELS US copy are."""

    root: Path
    forcing_dir: Path
    forcing_suffix: str
    streamflow_dir: Path
    attributes_dir: Path


def find_folder(root: str | Path, name: str) -> Path:
    """The folder ``root/name`` or ``root/<sub-folder>/name``; it must be exactly one of these.

    ``name`` may have several components (``basin_mean_forcing/daymet``). Hidden sub-folders and
    ``__MACOSX`` are not searched.

    Raises
    ------
    CamelsFileError
        If ``root`` is not a folder; if no candidate exists (naming what was looked for); if more
        than one does (naming each).
    """
    root = Path(root)
    if not root.is_dir():
        raise CamelsFileError(f"CAMELS root {root} does not exist or is not a folder")
    candidates = [root / name] if (root / name).is_dir() else []
    candidates += sorted(
        folder / name
        for folder in root.iterdir()
        if folder.is_dir() and not _IGNORED_FOLDER.match(folder.name) and (folder / name).is_dir()
    )
    if not candidates:
        raise CamelsFileError(
            f"CAMELS root {root}: no folder {name}/ (looked for {root / name} and "
            f"{root / '*' / name})"
        )
    if len(candidates) > 1:
        raise CamelsFileError(
            f"CAMELS root {root}: folder {name}/ found {len(candidates)} times, expected once: "
            f"{', '.join(str(c) for c in candidates)} (remove or move all but one)"
        )
    return candidates[0]


def forcing_product(forcing: str) -> tuple[str, str]:
    """(folder under ``basin_mean_forcing/``, file suffix) of a forcing product."""
    if forcing not in FORCING_PRODUCTS:
        raise CamelsFileError(
            f"unknown forcing product {forcing!r}; valid: {', '.join(FORCING_PRODUCTS)}"
        )
    return FORCING_PRODUCTS[forcing]


def locate_layout(root: str | Path, forcing: str = "daymet") -> CamelsLayout:
    """Find the forcing product, streamflow and attribute folders under ``root``.

    Raises
    ------
    CamelsFileError
        Naming every folder that is missing or found more than once (see :func:`find_folder`).
    """
    root = Path(root)
    product_dir, suffix = forcing_product(forcing)
    if not root.is_dir():
        raise CamelsFileError(f"CAMELS root {root} does not exist or is not a folder")
    found: dict[str, Path] = {}
    problems: list[str] = []
    for name in (f"{FORCING_DIR}/{product_dir}", STREAMFLOW_DIR, ATTRIBUTES_DIR):
        try:
            found[name] = find_folder(root, name)
        except CamelsFileError as error:
            problems.append(str(error))
    if problems:
        raise CamelsFileError("\n".join(problems))
    return CamelsLayout(
        root=root,
        forcing_dir=found[f"{FORCING_DIR}/{product_dir}"],
        forcing_suffix=suffix,
        streamflow_dir=found[STREAMFLOW_DIR],
        attributes_dir=found[ATTRIBUTES_DIR],
    )


def index_basin_files(directory: str | Path, suffix: str) -> dict[str, Path]:
    """Map gauge id -> file for every ``<gauge_id><suffix>`` under ``directory`` (one walk).

    Raises
    ------
    CamelsFileError
        If a gauge id has more than one file (e.g. in two HUC folders), naming both.
    """
    index: dict[str, Path] = {}
    for folder, _dirs, files in os.walk(directory):
        for name in files:
            if not name.endswith(suffix):
                continue
            match = _GAUGE_ID.match(name)
            if not match or len(name) != 8 + len(suffix):
                continue
            gauge_id = match.group(1)
            path = Path(folder) / name
            if gauge_id in index:
                raise CamelsFileError(
                    f"basin {gauge_id} appears twice under {directory}: {index[gauge_id]} and "
                    f"{path}"
                )
            index[gauge_id] = path
    return index


def find_basin_files(
    layout: CamelsLayout, basins: list[str] | tuple[str, ...]
) -> dict[str, tuple[Path, Path]]:
    """Map each basin to its (forcing file, streamflow file); error on a missing one."""
    duplicates = sorted({b for b in basins if list(basins).count(b) > 1})
    if duplicates:
        raise CamelsFileError(f"basin(s) {duplicates} listed more than once")
    forcing_files = index_basin_files(layout.forcing_dir, layout.forcing_suffix)
    streamflow_files = index_basin_files(layout.streamflow_dir, STREAMFLOW_SUFFIX)
    problems = []
    for basin in basins:
        if basin not in forcing_files:
            problems.append(
                f"basin {basin}: no forcing file {basin}{layout.forcing_suffix} under "
                f"{layout.forcing_dir}"
            )
        if basin not in streamflow_files:
            problems.append(
                f"basin {basin}: no streamflow file {basin}{STREAMFLOW_SUFFIX} under "
                f"{layout.streamflow_dir}"
            )
    if problems:
        raise CamelsFileError("missing CAMELS file(s):\n  " + "\n  ".join(problems))
    return {b: (forcing_files[b], streamflow_files[b]) for b in basins}
