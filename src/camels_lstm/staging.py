"""The hidden staging folders of :func:`camels_lstm.atomic_output.atomic_path`, and removing the
ones a killed writer left behind.

A write of ``dir/name`` stages in ``dir/.name.tmp-<host>.<pid>.<random>/``. The writer holds an
exclusive lock (``flock``) on the ``.lock`` file inside it from before the folder gets that
name (it is created as ``.name.new-<random>`` and renamed once locked) until the folder is
removed. The kernel releases the lock when the writer dies, however it dies (``kill -9``, the
out-of-memory killer, a node's time limit), so the next write of the same target finds such a
folder unlocked and removes it (a killed 531-basin store build leaves 113 MB), while a folder
whose writer is alive, in this or another process or, on a file system with shared locks (NFS),
on another host, stays. A folder without a ``.lock`` (left by the code before) is removed too.
Where the file system cannot lock, a folder is removed only if its name gives this host and a
process id that no longer exists.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import logging
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

logger = logging.getLogger(__name__)

LOCK_NAME = ".lock"
# A folder still under its first name is at most microseconds old unless its writer died then.
_UNNAMED_STALE_S = 3600.0
# How long a failed write's late background writes (zarr) are waited for before giving up.
_LATE_WRITES_S = 10.0
_held: dict[Path, int | None] = {}  # live staging folders of this process -> their lock's fd


def staging_glob(target: Path) -> str:
    """Glob pattern of the staging folders of ``target`` (in its parent folder)."""
    return f".{glob.escape(target.name)}.tmp-*"


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _host() -> str:
    return socket.gethostname().replace("/", "_") or "localhost"


def _lock(path: Path) -> int | None:
    """An fd holding an exclusive lock on ``path`` (created); None if locks are unsupported."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # e.g. ENOLCK: this file system keeps no locks
        os.close(fd)
        return None
    return fd


def _owner_is_gone(folder: Path) -> bool:
    """Whether the writer of staging folder ``folder`` has died (never guess it has)."""
    try:
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return folder.is_dir()  # no lock: left by earlier code (or being removed anyway)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False  # its writer holds the lock
    except OSError:
        return _pid_is_gone(folder.name)
    finally:
        os.close(fd)  # releases the lock taken just now
    return True


def _pid_is_gone(name: str) -> bool:
    """From a name ``.<target>.tmp-<host>.<pid>.<random>``: this host, and no such process."""
    parts = name.rsplit(".tmp-", 1)[-1].rsplit(".", 2)
    if len(parts) != 3 or parts[0] != _host() or not parts[1].isdigit():
        return False
    try:
        os.kill(int(parts[1]), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def remove_stale_staging(target: str | Path) -> list[Path]:
    """Remove the staging folders of ``target`` whose writers have died; return them."""
    target = Path(target)
    if not target.parent.is_dir():
        return []
    removed = []
    for folder in sorted(target.parent.glob(staging_glob(target))):
        if folder not in _held and folder.is_dir() and _owner_is_gone(folder):
            _remove(folder)
            removed.append(folder)
            logger.warning("removed %s, left by an interrupted write of %s", folder, target)
    unnamed = target.parent.glob(f".{glob.escape(target.name)}.new-*")
    for folder in unnamed:
        with contextlib.suppress(OSError):
            if time.time() - folder.stat().st_mtime > _UNNAMED_STALE_S:
                _remove(folder)
                removed.append(folder)
    return removed


def open_staging(target: str | Path) -> Path:
    """Remove the stale staging folders of ``target``, then create and lock a new one."""
    target = Path(target)
    remove_stale_staging(target)
    unnamed = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        fd = _lock(unnamed / LOCK_NAME)
    except BaseException:
        _remove(unnamed)
        raise
    random = unnamed.name.rsplit(".new-", 1)[-1]
    staging = target.parent / f".{target.name}.tmp-{_host()}.{os.getpid()}.{random}"
    try:
        unnamed.rename(staging)
    except BaseException:
        if fd is not None:
            os.close(fd)
        _remove(unnamed)
        raise
    _held[staging] = fd
    return staging


def close_staging(staging: Path) -> None:
    """Remove a staging folder of :func:`open_staging` and release its lock.

    A writer may still have tasks in flight when the write failed (zarr's asynchronous chunk
    writes go on after the first one raised, and create their folders again): the removal is
    repeated until the folder stays gone, for at most :data:`_LATE_WRITES_S` seconds.
    """
    deadline = time.monotonic() + _LATE_WRITES_S
    _remove(staging)
    while staging.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
        _remove(staging)
    fd = _held.pop(staging, None)
    if fd is not None:
        os.close(fd)
