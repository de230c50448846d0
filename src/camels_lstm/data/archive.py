"""Extract the parts of CAMELS US a run needs from zip or tar archives, safely.

Only three parts are taken, whatever folders the archives put above them:
``basin_mean_forcing/<product>/`` (the configured forcing product, and Daymet too where its
headers give the basin areas, ``camels.streamflow_area``), ``usgs_streamflow/`` and
``camels_attributes_v2.0/camels_*.txt``. Each member is re-rooted at the first of those
components, so both the official zips (``basin_dataset_public_v1p2/...``) and a tar of the whole
tree (``camels_us/...``) give the same layout.

Members are never handed to ``extractall``: every name is checked (no absolute paths, no ``..``),
links are refused if they point outside the archive (zip symlinks always), and file contents are
streamed to paths built here. Everything goes to a temporary sibling of the target
(:func:`camels_lstm.atomic_output.atomic_path`), which is renamed into place only when all parts
were found, so a failed run leaves no tree to trust. The folder names are those of
:mod:`camels_lstm.data.layout`.
"""

from __future__ import annotations

import fnmatch
import logging
import lzma
import posixpath
import shutil
import stat
import tarfile
import time
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import IO

from camels_lstm.atomic_output import atomic_path
from camels_lstm.data.layout import (
    ATTRIBUTE_TABLES,
    ATTRIBUTES_DIR,
    FORCING_DIR,
    STREAMFLOW_DIR,
    CamelsFileError,
    forcing_product,
)

logger = logging.getLogger(__name__)

PARTS = ("forcing", "streamflow", "attributes")
PROGRESS_EVERY_S = 10.0
# What a corrupt or truncated archive raises from zipfile/tarfile and their decompressors.
CORRUPT_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    tarfile.TarError,
    EOFError,
    zlib.error,
    lzma.LZMAError,
)


class ArchiveError(ValueError):
    """An archive is unsafe, corrupt, or lacks a needed part; the message names it."""


def member_parts(archive: Path, name: str) -> tuple[str, ...]:
    """Split a member name into path components, refusing absolute paths and ``..``."""
    normalised = name.replace("\\", "/")
    if normalised.startswith("/") or (len(normalised) > 1 and normalised[1] == ":"):
        raise ArchiveError(f"{archive}: member {name!r} has an absolute path; refusing to extract")
    parts = tuple(p for p in normalised.split("/") if p not in ("", "."))
    if ".." in parts:
        raise ArchiveError(f"{archive}: member {name!r} contains '..'; refusing to extract")
    return parts


def select_member(
    parts: tuple[str, ...], product_folder: str | Collection[str]
) -> tuple[str, tuple[str, ...]]:
    """The part a member belongs to and its path re-rooted there; ("", ()) if not needed.

    ``product_folder``: the forcing product folder(s) to take."""
    folders = {product_folder} if isinstance(product_folder, str) else set(product_folder)
    if "__MACOSX" in parts or (parts and parts[-1].startswith("._")):
        return "", ()
    for index, component in enumerate(parts):
        rest = parts[index:]
        if component == FORCING_DIR:
            if len(rest) > 2 and rest[1] in folders:
                return "forcing", rest
            return "", ()
        if component == STREAMFLOW_DIR:
            return ("streamflow", rest) if len(rest) > 1 else ("", ())
        if component == ATTRIBUTES_DIR:
            is_table = len(rest) == 2 and fnmatch.fnmatchcase(rest[1], ATTRIBUTE_TABLES)
            return ("attributes", rest) if is_table else ("", ())
    return "", ()


def forcing_products_in(parts: tuple[str, ...]) -> str | None:
    """The forcing product folder a member lies in, if any (for error messages)."""
    for index, component in enumerate(parts[:-2]):
        if component == FORCING_DIR:
            return parts[index + 1]
    return None


def _archive_kind(archive: Path) -> str:
    if not archive.is_file():
        raise ArchiveError(f"archive {archive} does not exist")
    if zipfile.is_zipfile(archive):
        return "zip"
    try:
        if tarfile.is_tarfile(archive):
            return "tar"
    except (*CORRUPT_ERRORS, OSError):
        pass
    raise ArchiveError(
        f"{archive} is neither a zip nor a tar archive (corrupt or truncated download?); "
        "delete it and rerun to download it again"
    )


Opener = Callable[[], IO[bytes]]


def _zip_members(archive: Path) -> Iterator[tuple[str, Opener | None]]:
    """(name, opener) for each zip member, opener None for folders; symlinks refused."""
    with zipfile.ZipFile(archive) as handle:
        for info in handle.infolist():
            if stat.S_ISLNK(info.external_attr >> 16):
                raise ArchiveError(
                    f"{archive}: member {info.filename!r} is a symbolic link; refusing to extract"
                )
            opener = None if info.is_dir() else partial(handle.open, info)
            yield info.filename, opener


def _check_tar_link(archive: Path, member: tarfile.TarInfo) -> None:
    """Refuse a link whose target lies outside the archive's tree."""
    if member.issym():
        base = posixpath.dirname(member.name.replace("\\", "/"))
        destination = posixpath.join(base, member.linkname)
    else:
        destination = member.linkname
    normalised = posixpath.normpath(destination.replace("\\", "/"))
    if member.linkname.startswith("/") or normalised == ".." or normalised.startswith("../"):
        kind = "symbolic" if member.issym() else "hard"
        raise ArchiveError(
            f"{archive}: member {member.name!r} is a {kind} link to {member.linkname!r}, "
            "outside the archive; refusing to extract"
        )


def _open_tar_member(archive: Path, handle: tarfile.TarFile, member: tarfile.TarInfo) -> IO[bytes]:
    try:
        reader = handle.extractfile(member)
    except KeyError:
        reader = None
    if reader is None:
        raise ArchiveError(
            f"{archive}: member {member.name!r} links to {member.linkname!r}, which is not an "
            "earlier file of the archive"
        )
    return reader


def _tar_members(archive: Path) -> Iterator[tuple[str, Opener | None]]:
    """(name, opener) for each tar member in archive order; links inside the tree are read as
    copies of their target, links leading outside are refused, devices and fifos skipped."""
    with tarfile.open(archive, mode="r:*") as handle:
        for member in handle:
            if member.issym() or member.islnk():
                _check_tar_link(archive, member)
            readable = member.isfile() or member.issym() or member.islnk()
            yield (
                member.name,
                (partial(_open_tar_member, archive, handle, member) if readable else None),
            )


def _extract_one(
    archive: Path,
    kind: str,
    staging: Path,
    product_folders: Collection[str],
    seen: dict[tuple, Path],
) -> tuple[Counter[str], set[str]]:
    """Stream the needed members of one archive into ``staging``; count files per part."""
    counts: Counter[str] = Counter()
    products: set[str] = set()
    members = _zip_members(archive) if kind == "zip" else _tar_members(archive)
    extracted_bytes = 0
    last_log = time.monotonic()
    for name, opener in members:
        parts = member_parts(archive, name)
        if product := forcing_products_in(parts):
            products.add(product)
        if opener is None:  # folders (created as needed), devices, fifos
            continue
        part, relative = select_member(parts, product_folders)
        if not part:
            counts["skipped"] += 1
            continue
        if relative in seen:
            counts["duplicates"] += 1
            continue
        destination = staging.joinpath(*relative)
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
            with opener() as reader, destination.open("wb") as writer:
                shutil.copyfileobj(reader, writer, 1024 * 1024)
        except (FileExistsError, NotADirectoryError, IsADirectoryError) as error:
            raise ArchiveError(
                f"{archive}: member {name!r} clashes with another member's path ({error})"
            ) from error
        seen[relative] = archive
        counts[part] += 1
        if part == "forcing":
            counts[f"forcing/{relative[1]}"] += 1
        extracted_bytes += destination.stat().st_size
        if time.monotonic() - last_log >= PROGRESS_EVERY_S:
            last_log = time.monotonic()
            logger.info(
                "%s: %d files (%.0f MB) so far",
                archive,
                sum(counts[p] for p in PARTS),
                extracted_bytes / 1024**2,
            )
    return counts, products


def _extract_parts(
    paths: Sequence[Path], staging: Path, forcings: Mapping[str, str]
) -> Counter[str]:
    """Extract the needed members of all archives into ``staging``; error if a part is absent.

    ``forcings``: forcing product -> its folder, the configured product first."""
    forcing = next(iter(forcings))
    totals: Counter[str] = Counter()
    products: set[str] = set()
    seen: dict[tuple, Path] = {}
    for archive in paths:
        kind = _archive_kind(archive)
        logger.info(
            "reading %s archive %s (%.1f MB)", kind, archive, archive.stat().st_size / 1024**2
        )
        try:
            counts, found = _extract_one(archive, kind, staging, set(forcings.values()), seen)
        except CORRUPT_ERRORS as error:
            raise ArchiveError(
                f"{archive} is corrupt or truncated ({type(error).__name__}: {error}); "
                "delete it and rerun to download it again"
            ) from error
        totals.update(counts)
        products |= found
        logger.info(
            "%s: %d forcing files (%s), %d streamflow files, %d attribute tables; "
            "%d other files skipped, %d duplicates ignored",
            archive,
            counts["forcing"],
            ", ".join(forcings),
            counts["streamflow"],
            counts["attributes"],
            counts["skipped"],
            counts["duplicates"],
        )
    missing = {
        f"forcing/{folder}": f"{FORCING_DIR}/{folder}/ (forcing product {product!r}"
        + ("" if product == forcing else ", whose headers give the basin areas")
        + f"; products present: {sorted(products) or 'none'})"
        for product, folder in forcings.items()
    }
    missing |= {
        "streamflow": f"{STREAMFLOW_DIR}/",
        "attributes": f"{ATTRIBUTES_DIR}/{ATTRIBUTE_TABLES}",
    }
    absent = [text for part, text in missing.items() if totals[part] == 0]
    if absent:
        names = ", ".join(str(p) for p in paths)
        raise ArchiveError(f"no {'; no '.join(absent)} in the archive(s) {names}")
    return totals


def extract_camels(
    archives: Sequence[str | Path],
    target_dir: str | Path,
    *,
    forcing: str,
    extra_forcings: Sequence[str] = (),
) -> None:
    """Extract forcing (one product), streamflow and attribute tables into ``target_dir``.

    ``extra_forcings``: further forcing products to extract (Daymet, whose headers give the
    basin areas of ``camels.streamflow_area: daymet_header`` for another product).

    ``target_dir`` ends up holding ``basin_mean_forcing/<product>/<huc>/...``,
    ``usgs_streamflow/<huc>/...`` and ``camels_attributes_v2.0/camels_*.txt``. Archives may be
    zip or tar (optionally gz/bz2/xz compressed), told apart by content, not by name.

    Raises
    ------
    ArchiveError
        Naming the archive (and member) at fault: unsafe member, corrupt archive, or a part
        missing from all archives. ``target_dir`` is then left untouched.
    """
    try:
        forcings = {p: forcing_product(p)[0] for p in dict.fromkeys([forcing, *extra_forcings])}
    except CamelsFileError as error:
        raise ArchiveError(str(error)) from None
    paths = [Path(a) for a in archives]
    if not paths:
        raise ArchiveError("no archives given to extract CAMELS US from")
    target_dir = Path(target_dir)
    started = time.monotonic()
    with atomic_path(target_dir) as staging:
        staging.mkdir()  # by mkdir, so that target_dir gets the umask's mode
        totals = _extract_parts(paths, staging, forcings)
    logger.info(
        "extracted %d forcing, %d streamflow and %d attribute files to %s in %.1f s",
        totals["forcing"],
        totals["streamflow"],
        totals["attributes"],
        target_dir,
        time.monotonic() - started,
    )
