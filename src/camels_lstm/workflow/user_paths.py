"""Relative input paths of a config: the user's folder first, then the workflow's own files.

A config names its inputs relative to the folder where ``snakemake`` runs (the user's basin
lists, a CAMELS copy, model packages). Where the workflow is used as a module from another folder
(docs/deploy.md), the copied config still names the files the workflow ships (the embedded
sample archive ``data/camels_us_sample.zip``, ``config/basins_*.txt``); a relative path that does
not exist in the working folder but does in the workflow's folder is taken from there. Outputs
and ``camels.dir`` never fall back: they are the user's.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse


def shipped_or_local(path: str, workflow_dir: Path, workdir: Path) -> str:
    """``path`` as given when absolute or present under ``workdir``; the workflow's copy
    (absolute) when only ``workflow_dir`` has it; else as given (the error then names it)."""
    candidate = Path(path)
    if candidate.is_absolute() or (workdir / candidate).exists():
        return path
    shipped = workflow_dir / candidate
    return str(shipped.resolve()) if shipped.exists() else path


def _is_local_path(url: str) -> bool:
    return urlparse(url).scheme in ("", "file") and not url.startswith("file:")


def resolve_shipped_inputs(
    config: Mapping[str, Any], workflow_dir: Path, workdir: Path | None = None
) -> dict[str, Any]:
    """A copy of ``config`` whose relative input paths (``basins``, local download paths,
    ``inference.<name>.basins`` files) name the workflow's own files where the working folder
    lacks them (:func:`shipped_or_local`)."""
    workdir = Path.cwd() if workdir is None else workdir
    workflow_dir = Path(workflow_dir).resolve()
    resolved = copy.deepcopy(dict(config))
    if workflow_dir == workdir.resolve():
        return resolved
    if isinstance(resolved.get("basins"), str):
        resolved["basins"] = shipped_or_local(resolved["basins"], workflow_dir, workdir)
    for source in (resolved.get("camels") or {}).get("downloads", {}).values():
        if isinstance(source, dict) and _is_local_path(str(source.get("url", ""))):
            source["url"] = shipped_or_local(source["url"], workflow_dir, workdir)
    for inference in (resolved.get("inference") or {}).values():
        if isinstance(inference, dict) and isinstance(inference.get("basins"), str):
            inference["basins"] = shipped_or_local(inference["basins"], workflow_dir, workdir)
    return resolved
