"""What a training job is given: only what changes the weights it trains (without torch).

Snakemake reruns a job when one of its params changes, and a checkpoint is resumed only when its
fingerprint matches (:func:`camels_lstm.training.checkpoint.training_fingerprint`); both are
built from these selections, so that changing the test period, the evaluation settings, an
experiment's description or seed list, ``training.threads`` or ``training.allocator`` retrains
no model (docs/pipeline.md, "Reruns").

- periods: training and validation (the validation period picks the early-stopping epoch and is
  in the model's history); the test period is read only by predictions (a per-basin job that
  predicts gets it as ``prediction_periods`` and, when it changes, reuses the trained weights).
- experiment: every setting except ``description``, ``seeds`` (a job trains one seed, given
  by its wildcard) and ``prediction`` (how the periods are simulated: a param of the jobs that
  predict, which redo their predictions only).
- training: ``device`` and ``bf16``; ``threads`` comes from the rule's ``threads`` (not a rerun
  trigger) and the allocator (memory layout only, the same weights) from ``snakemake.config``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

TRAINING_PERIODS = ("train", "validation")
PREDICTION_PERIODS = ("validation", "test")
# Experiment keys that do not change the weights of one seed's model.
NOT_WEIGHT_EXPERIMENT_KEYS = ("description", "seeds", "prediction")
# Keys of the config section `training` that change the weights.
WEIGHT_TRAINING_KEYS = ("device", "bf16")


def training_periods(periods: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """The training and validation periods of ``periods`` (plain dicts)."""
    return {name: dict(periods[name]) for name in TRAINING_PERIODS}


def prediction_periods(periods: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """The periods a trained model simulates (validation and test; plain dicts). In the params
    of a job that trains and predicts, they rerun it without retraining
    (:mod:`camels_lstm.training.finished_model`)."""
    return {name: dict(periods[name]) for name in PREDICTION_PERIODS}


def training_experiment(experiment: Mapping[str, Any]) -> dict[str, Any]:
    """``experiment`` without the keys that do not change a model's weights."""
    return {
        name: value for name, value in experiment.items() if name not in NOT_WEIGHT_EXPERIMENT_KEYS
    }


def weight_settings(training: Mapping[str, Any]) -> dict[str, Any]:
    """The settings of the config section ``training`` that change the weights."""
    return {name: training[name] for name in WEIGHT_TRAINING_KEYS}
