"""Atomic torch files and the per-epoch training checkpoint (resume after kill -9/preemption).

Everything is saved as plain tensors, dicts, lists, strings and numbers, so files load with
``torch.load(..., weights_only=True)``. A checkpoint is resumed only when its
:func:`training_fingerprint` (what changes the weights, the data and
:func:`training_code_digest`) matches.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from camels_lstm.atomic_output import atomic_path
from camels_lstm.training.job_settings import (
    training_experiment,
    training_periods,
    weight_settings,
)
from camels_lstm.training.optimizers import Optimizer

logger = logging.getLogger(__name__)

CHECKPOINT_FORMAT = "camels_lstm.checkpoint/1"


def atomic_torch_save(contents: Any, path: str | Path) -> None:
    """Write ``contents`` to a temporary sibling, flush it to disk, then rename it over ``path``."""
    with atomic_path(path) as temporary, temporary.open("wb") as handle:
        torch.save(contents, handle)
        handle.flush()
        os.fsync(handle.fileno())


def fingerprint(*parts: Any) -> str:
    """SHA-256 of ``parts`` as sorted-key JSON (non-JSON values by their ``str``)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def training_fingerprint(
    *,
    experiment: Mapping[str, Any],
    basins: Sequence[str],
    periods: Mapping[str, Mapping[str, str]],
    seed: int,
    training: Mapping[str, Any],
    data: Sequence[Any],
) -> str:
    """The fingerprint a checkpoint is resumed under: the same for the same weights.

    It holds what changes the weights (:mod:`camels_lstm.training.job_settings`: the experiment
    without description and seeds, the training and validation periods, ``device`` and
    ``bf16`` of ``training``), the basins, the seed, ``data`` (what the store gave: sample count
    and scalers, so a rebuilt store with other values does not resume) and
    :func:`training_code_digest`. Not the test period, evaluation settings, threads or allocator:
    a checkpoint is resumed after they change.
    """
    return fingerprint(
        training_code_digest(),
        training_experiment(experiment),
        list(basins),
        training_periods(periods),
        int(seed),
        weight_settings(training),
        list(data),
    )


@functools.cache
def training_code_digest() -> str:
    """SHA-256 of the training and model code: a checkpoint written by other code (a fixed bug,
    a changed loop) is not resumed."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted([*package.glob("training/*.py"), *package.glob("models/*.py")]):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def clone_state(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {name: tensor.detach().to("cpu", copy=True) for name, tensor in state.items()}


@dataclass
class TrainingState:
    """Everything needed to continue after ``epoch`` completed epochs, bit for bit."""

    epoch: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    best_score: float | None = None
    best_epoch: int | None = None
    best_state: dict[str, torch.Tensor] | None = None
    validations_without_improvement: int = 0
    stopped_early: bool = False


def capture_rng(shuffle_generator: torch.Generator) -> dict[str, Any]:
    rng: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "shuffle": shuffle_generator.get_state(),
    }
    if torch.cuda.is_available():
        rng["cuda"] = torch.cuda.get_rng_state_all()
    return rng


def restore_rng(rng: dict[str, Any], shuffle_generator: torch.Generator) -> None:
    torch.set_rng_state(rng["torch"])
    shuffle_generator.set_state(rng["shuffle"])
    if "cuda" in rng and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(rng["cuda"])


def save_checkpoint(
    path: str | Path,
    fingerprint: str,
    state: TrainingState,
    model: torch.nn.Module,
    optimizer: Optimizer,
    shuffle_generator: torch.Generator,
) -> None:
    atomic_torch_save(
        {
            "format": CHECKPOINT_FORMAT,
            "fingerprint": fingerprint,
            "epoch": state.epoch,
            "history": state.history,
            "best_score": state.best_score,
            "best_epoch": state.best_epoch,
            "best_state": state.best_state,
            "validations_without_improvement": state.validations_without_improvement,
            "stopped_early": state.stopped_early,
            "model": clone_state(model.state_dict()),
            "optimizer": optimizer.state_dict(),
            "rng": capture_rng(shuffle_generator),
        },
        path,
    )


def load_checkpoint(
    path: str | Path,
    fingerprint: str,
    model: torch.nn.Module,
    optimizer: Optimizer,
    shuffle_generator: torch.Generator,
) -> TrainingState | None:
    """Restore model, optimiser and random states from ``path``; None (start afresh) when there
    is no checkpoint or it belongs to another configuration."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        contents = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # a torn or foreign file: training restarts, nothing is lost
        logger.warning("ignoring unreadable checkpoint %s (%s); starting afresh", path, error)
        return None
    if contents.get("format") != CHECKPOINT_FORMAT or contents.get("fingerprint") != fingerprint:
        logger.warning("checkpoint %s is from another configuration; starting afresh", path)
        return None
    model.load_state_dict(contents["model"])
    optimizer.load_state_dict(contents["optimizer"])
    restore_rng(contents["rng"], shuffle_generator)
    return TrainingState(
        epoch=int(contents["epoch"]),
        history=list(contents["history"]),
        best_score=contents["best_score"],
        best_epoch=contents["best_epoch"],
        best_state=contents["best_state"],
        validations_without_improvement=int(contents["validations_without_improvement"]),
        stopped_early=bool(contents["stopped_early"]),
    )
