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
globbed per basin. :func:`run_files` and :func:`attribute_table_files` list the files a run
reads (its basins' forcing and streamflow files; the attribute tables): the workflow declares
them as rule inputs, so that an edited file reruns what reads it, and :func:`files_stamp`
fingerprints them.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from collections.abc import Sequence
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
    duplicates = sorted(basin for basin, count in Counter(basins).items() if count > 1)
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


def attribute_table_files(root: str | Path) -> list[Path]:
    """The attribute tables (``camels_attributes_v2.0/camels_*.txt``) under ``root``, sorted.

    Raises
    ------
    CamelsFileError
        If the folder is missing or found twice (:func:`find_folder`), or holds no table.
    """
    directory = find_folder(root, ATTRIBUTES_DIR)
    tables = sorted(directory.glob(ATTRIBUTE_TABLES))
    if not tables:
        raise CamelsFileError(f"{directory}: no {ATTRIBUTE_TABLES} attribute tables")
    return tables


def run_files(
    root: str | Path,
    basins: Sequence[str],
    forcing: str,
    other_forcings: Sequence[str] = (),
    optional_forcings: Sequence[str] = (),
) -> list[Path]:
    """The files of ``root`` that a conversion of ``basins`` reads, in a fixed order: the forcing
    files of product ``forcing`` and the streamflow files (basins in ascending order), then the
    forcing files of each product in ``other_forcings`` (e.g. the one whose header gives the
    basin area), then those of ``optional_forcings`` that exist (read where present, e.g. for a
    comparison). Files of other basins and other files of the folders are not listed.

    Raises
    ------
    CamelsFileError
        Naming every folder or basin file that is missing or found twice (the messages of
        :func:`locate_layout` and :func:`find_basin_files`); a missing optional product folder
        or file is no error.
    """
    ordered = sorted(basins)
    pairs = find_basin_files(locate_layout(root, forcing), ordered)
    files = [pair[0] for pair in pairs.values()] + [pair[1] for pair in pairs.values()]
    listed = {forcing}
    for other in other_forcings:
        if other not in listed:
            listed.add(other)
            pairs = find_basin_files(locate_layout(root, other), ordered)
            files += [pair[0] for pair in pairs.values()]
    for optional in optional_forcings:
        if optional not in listed:
            listed.add(optional)
            product_dir, suffix = forcing_product(optional)
            try:
                directory = find_folder(root, f"{FORCING_DIR}/{product_dir}")
            except CamelsFileError:
                continue
            index = index_basin_files(directory, suffix)
            files += [index[basin] for basin in ordered if basin in index]
    return files


def files_stamp(root: str | Path, files: Sequence[Path]) -> str:
    """``"<n> files, size+mtime <digest>"``: a digest of the path (relative to ``root``), size
    and modification time (ns) of each file, as rsync's quick check compares them. It changes
    when a file is edited or replaced, also by one with an older time (as ``unzip`` and ``tar``
    restore it), which comparing times with the outputs does not see; it also changes when a
    file is only touched."""
    digest = hashlib.sha256()
    for path in files:
        status = path.stat()
        relative = os.path.relpath(path, root)
        digest.update(f"{relative}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())
    return f"{len(files)} files, size+mtime {digest.hexdigest()[:16]}"
