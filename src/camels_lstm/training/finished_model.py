"""The trained weights of a job, kept where Snakemake does not delete them.

Training and prediction of a per-basin model run in one job (rules/train.smk), so the job's
params hold the prediction periods too, and a new test period reruns it. Snakemake deletes a
job's outputs before it runs, the model file among them; without more, the job would train
again. So every training job leaves a hard link ``.finished_model.pt`` to the model file it wrote
(no extra disk: the same file under a second name, a copy where the file system has no hard
links). The model file records the training fingerprint
(:func:`camels_lstm.training.checkpoint.training_fingerprint`); a rerun whose fingerprint is the
same takes the weights from the link instead of training: only the predictions are redone. Any
change that alters the weights changes the fingerprint and trains again.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import torch

FINISHED_MODEL_NAME = ".finished_model.pt"

logger = logging.getLogger(__name__)


def finished_model_path(model_path: str | Path) -> Path:
    return Path(model_path).with_name(FINISHED_MODEL_NAME)


def link_or_copy(source: Path, destination: Path) -> None:
    """``destination`` as a hard link to ``source`` (a copy across file systems), atomically."""
    staged = destination.with_name(f".{destination.name}.linking")
    staged.unlink(missing_ok=True)
    try:
        os.link(source, staged)
    except OSError:
        shutil.copy2(source, staged)
    staged.replace(destination)


def keep_finished_model(model_path: str | Path) -> None:
    """Leave the link to a model file just written (after it is complete)."""
    link_or_copy(Path(model_path), finished_model_path(model_path))


def reuse_finished_model(model_path: str | Path, fingerprint: str) -> bool:
    """Put the kept weights back as ``model_path`` when they were trained under ``fingerprint``;
    True if so. A kept file of other settings (or unreadable) is left for training to replace."""
    kept = finished_model_path(model_path)
    if not kept.is_file():
        return False
    try:
        contents = torch.load(kept, map_location="cpu", weights_only=True)
    except Exception as error:  # a truncated or foreign file: train again
        logger.warning("%s is unreadable (%s); training again", kept, error)
        return False
    if not isinstance(contents, dict) or contents.get("fingerprint") != fingerprint:
        return False
    link_or_copy(kept, Path(model_path))  # replaces a model file left there
    return True
