"""Removal of the training checkpoints of finished models (without importing torch).

A training job keeps ``checkpoint.pt`` beside the model file it wrote: on a SLURM cluster,
Snakemake deletes the outputs of every member of a failed group job and runs them all again, and
with the checkpoint a finished member resumes after its last epoch instead of training again.
Once a model's results have been collected outside its job (its predictions aggregated, a tuning
candidate's score selected), the checkpoint is no longer needed. Beside it, ``checkpoint.log``
keeps the log lines of every attempt of the job (Snakemake deletes the job's own log before each
attempt; :mod:`camels_lstm.script_logging` copies this history into the new log); it goes with
the checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

CHECKPOINT_NAME = "checkpoint.pt"
CHECKPOINT_LOG_NAME = "checkpoint.log"


def checkpoint_log_path(model_path: str | Path) -> Path:
    """The log history of the training job of ``model_path`` (beside its checkpoint)."""
    return Path(model_path).with_name(CHECKPOINT_LOG_NAME)


def remove_finished_checkpoints(model_paths: Iterable[str | Path]) -> int:
    """Remove the checkpoint and its log history beside each model file that exists; returns
    how many checkpoints were removed.

    A checkpoint beside a missing model file belongs to an unfinished training and is kept.
    """
    removed = 0
    for model_path in map(Path, model_paths):
        if not model_path.is_file():
            continue
        checkpoint_log_path(model_path).unlink(missing_ok=True)
        checkpoint = model_path.with_name(CHECKPOINT_NAME)
        if checkpoint.is_file():
            checkpoint.unlink()
            removed += 1
    return removed
