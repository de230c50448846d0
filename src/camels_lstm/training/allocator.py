"""Run a training process under an allocator that keeps freed memory instead of returning it.

With glibc's default malloc an LSTM training step spends a large share of its CPU time in page
faults: the big activation buffers of every step are mmap'ed and unmapped again. jemalloc with
decay switched off, or glibc with mmap and trimming switched off, reuse the same pages and make
the step up to twice as fast. Both must be set before the process starts (``LD_PRELOAD``,
``GLIBC_TUNABLES``), so :func:`use_tuned_allocator` re-executes the current Python script once
with the setting in its environment. Import this module before torch (it imports nothing heavy).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

MARKER = "CAMELS_LSTM_ALLOCATOR"
JEMALLOC_CONF = "dirty_decay_ms:-1,muzzy_decay_ms:-1"
# No mmap'ed chunks, never trim the heap top, grow the heap in 64 MiB steps.
GLIBC_TUNABLES = (
    "glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=17179869184:glibc.malloc.top_pad=67108864"
)
MODES = ("auto", "jemalloc", "glibc", "system")


def jemalloc_library(environ: Mapping[str, str] = os.environ) -> Path | None:
    """libjemalloc.so.2 of the active conda environment or the system (Debian libjemalloc2)."""
    candidates = [Path(environ[key]) / "lib" for key in ("CONDA_PREFIX",) if environ.get(key)]
    candidates.append(Path(sys.prefix) / "lib")
    candidates += [
        Path("/usr/lib/x86_64-linux-gnu"),
        Path("/usr/lib/aarch64-linux-gnu"),
        Path("/usr/lib64"),
        Path("/usr/lib"),
        Path("/usr/local/lib"),
    ]
    for folder in candidates:
        library = folder / "libjemalloc.so.2"
        if library.is_file():
            return library
    return None


def allocator_environment(mode: str, environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Environment variables that select the allocator for ``mode`` ({} for ``system``)."""
    if mode not in MODES:
        raise ValueError(f"config key 'training.allocator': {mode!r} is not one of {MODES}")
    if mode == "system":
        return {}
    library = jemalloc_library(environ) if mode in ("auto", "jemalloc") else None
    if mode == "jemalloc" and library is None:
        raise FileNotFoundError(
            "config key 'training.allocator' is 'jemalloc' but no libjemalloc.so.2 was found "
            "(Debian/Ubuntu: apt-get install libjemalloc2; conda: jemalloc)"
        )
    if library is not None:
        preload = " ".join(filter(None, [str(library), environ.get("LD_PRELOAD", "")]))
        return {"LD_PRELOAD": preload, "MALLOC_CONF": JEMALLOC_CONF, MARKER: "jemalloc"}
    tunables = ":".join(filter(None, [environ.get("GLIBC_TUNABLES", ""), GLIBC_TUNABLES]))
    return {"GLIBC_TUNABLES": tunables, MARKER: "glibc"}


def use_tuned_allocator(mode: str) -> str:
    """Re-execute this script under the allocator of ``mode`` unless already done; returns the
    allocator in use (``jemalloc``, ``glibc`` or ``system``)."""
    current = os.environ.get(MARKER)
    if current:
        return current
    extra = allocator_environment(mode)
    if not extra or not sys.argv or not sys.argv[0] or not Path(sys.argv[0]).is_file():
        return "system"
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **extra})
    return extra[MARKER]  # not reached
