"""Removal of the training checkpoints of finished models (without importing torch).

A training job keeps ``checkpoint.pt`` beside the model file it wrote: on a SLURM cluster,
Snakemake deletes the outputs of every member of a failed group job and runs them all again, and
with the checkpoint a finished member resumes after its last epoch instead of training again.
Once a model's results have been collected outside its job (its predictions aggregated, a tuning
candidate's score selected), the checkpoint is no longer needed.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

CHECKPOINT_NAME = "checkpoint.pt"


def remove_finished_checkpoints(model_paths: Iterable[str | Path]) -> int:
    """Remove the checkpoint beside each model file that exists; returns how many were removed.

    A checkpoint beside a missing model file belongs to an unfinished training and is kept.
    """
    removed = 0
    for model_path in map(Path, model_paths):
        checkpoint = model_path.with_name(CHECKPOINT_NAME)
        if model_path.is_file() and checkpoint.is_file():
            checkpoint.unlink()
            removed += 1
    return removed
