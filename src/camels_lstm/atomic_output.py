"""Write an output file or folder under a temporary sibling name, then rename it into place.

A failure (or a kill) leaves at most a hidden ``.<name>.tmp-*`` sibling, never a half-written
target that a rerun would trust.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling path of ``target``; on success rename it to ``target``.

    The yielded path does not exist yet (write a file or a folder there). An existing ``target``
    is replaced only after the new one is complete. On an exception the temporary path is removed
    and ``target`` is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    temporary = staging / target.name
    try:
        yield temporary
        if not temporary.exists():
            raise FileNotFoundError(f"nothing was written to {temporary}")
        if target.is_dir() and not target.is_symlink():
            old = staging / f"{target.name}.old"
            target.rename(old)
            temporary.rename(target)
        else:
            temporary.replace(target)
    finally:
        _remove(staging)
