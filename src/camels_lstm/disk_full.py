"""A full disk is reported as such, naming the file being written.

The libraries that write the workflow's files do not say so themselves: netCDF/HDF5 raises
``RuntimeError: NetCDF: HDF error``, torch ``RuntimeError: [enforce fail at inline_container.cc]
... unexpected pos`` (with the ``OSError`` as its context), zarr and plain writes ``OSError:
[Errno 28] No space left on device`` without a path, and a worker process's error may arrive as
text only. :func:`naming_full_disk` turns any of these, raised while ``path`` is written, into a
:class:`DiskFullError` that names ``path`` and the free space left;
:func:`camels_lstm.atomic_output.atomic_path` applies it to every output, before it removes what
was half written.
"""

from __future__ import annotations

import errno
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
DISK_FULL_TEXTS = ("No space left on device", "Disk quota exceeded")
# A RuntimeError or OSError without an errno of its own (netCDF's "HDF error", torch's stream
# writer) counts as a full disk when less than this is left free where the file was written.
LOW_FREE_BYTES = 16 * 2**20


class DiskFullError(OSError):
    """Writing ``path`` failed because its file system is full (or the quota is used up)."""

    def __init__(self, path: Path, reason: str, free_bytes: int | None) -> None:
        free = "unknown" if free_bytes is None else f"{free_bytes / 2**20:.1f} MiB"
        self.message = (
            f"disk full: cannot write {path} ({reason}; {free} free on its file system). "
            "Nothing half-written is kept; free some space (or point the results elsewhere) "
            "and rerun."
        )
        super().__init__(errno.ENOSPC, self.message, str(path))
        self.path = path
        self.reason = reason
        self.free_bytes = free_bytes

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[type[DiskFullError], tuple[Path, str, int | None]]:
        # Picklable with its own arguments (e.g. from a worker process).
        return type(self), (self.path, self.reason, self.free_bytes)


def free_bytes(path: str | Path) -> int | None:
    """Bytes free to this user on the file system of ``path`` (its nearest existing folder)."""
    folder = Path(path).absolute()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def disk_full_reason(error: BaseException, path: str | Path) -> tuple[str, int | None] | None:
    """(reason, free bytes) if ``error``, raised while writing ``path``, means the disk is full.

    Yes for an ``OSError`` with errno ENOSPC or EDQUOT anywhere in its cause/context chain, for
    an error whose text says so, and for a ``RuntimeError``/``OSError`` while less than
    :data:`LOW_FREE_BYTES` is free (netCDF's "HDF error" carries no errno).
    """
    for link in _chain(error):
        if isinstance(link, OSError) and link.errno in DISK_FULL_ERRNOS:
            return link.strerror or DISK_FULL_TEXTS[0], free_bytes(path)
        text = str(link)
        for phrase in DISK_FULL_TEXTS:
            if phrase in text:
                return phrase, free_bytes(path)
    if isinstance(error, RuntimeError | OSError):
        free = free_bytes(path)
        if free is not None and free < LOW_FREE_BYTES:
            return f"{type(error).__name__}: {error}, with the disk nearly full", free
    return None


@contextmanager
def naming_full_disk(path: str | Path) -> Iterator[None]:
    """Re-raise an error of the block that means the disk is full as :class:`DiskFullError`
    naming ``path`` (chained to the original); other errors pass unchanged."""
    try:
        yield
    except DiskFullError:
        raise
    except Exception as error:
        found = disk_full_reason(error, path)
        if found is None:
            raise
        raise DiskFullError(Path(path), *found) from error
