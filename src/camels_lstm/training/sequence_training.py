"""Sequence-to-sequence training settings (experiment keys ``predict_last_n``, ``window_stride``)
and their checks; without torch, so that the config check can import it.

``predict_last_n`` N (neuralhydrology's name): each training window is ``seq_length - 1 + N``
days and the loss is taken on its last N days, the LSTM state carried through the window, so a
window costs ``seq_length - 1 + N`` LSTM steps for N targets instead of ``seq_length`` steps for
one. N = 1 is sequence-to-one training (Kratzert et al. 2019). ``window_stride``: days between the
last days of consecutive windows of a basin (null: N, every target day in one window per epoch,
so that an epoch means what it means with N = 1: each observed training day once).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

# Models whose ``forward_sequence`` gives an output on every day (camels_lstm.models.MODELS;
# a test checks both lists against the registries), and losses that take (windows, days) targets
# masked where unobserved (camels_lstm.training.losses.LOSSES).
SEQUENCE_MODELS = ("lstm", "ealstm")
SEQUENCE_LOSSES = ("nse_star", "mse")


def window_stride(experiment: Mapping[str, Any]) -> int:
    """The stride of an experiment's training windows (``window_stride``, null: predict_last_n)."""
    stride = experiment.get("window_stride")
    return int(experiment.get("predict_last_n", 1) if stride is None else stride)


def window_days(experiment: Mapping[str, Any]) -> int:
    """Days of one training window: ``seq_length - 1 + predict_last_n``."""
    return int(experiment["seq_length"]) - 1 + int(experiment.get("predict_last_n", 1))


def _days(period: Mapping[str, str]) -> int:
    start, end = (dt.date.fromisoformat(period[key]) for key in ("start", "end"))
    return (end - start).days + 1


def check_sequence_training(
    key: str, experiment: Mapping[str, Any], train_periods: Sequence[Mapping[str, str]]
) -> list[str]:
    """Problems of an LSTM experiment's ``predict_last_n``/``window_stride`` (``key``: its config
    key, e.g. ``experiments.regional``): N larger than a training period it trains on (each of
    ``train_periods``), or N > 1 with a model or loss that cannot be trained on several days."""
    problems: list[str] = []
    last_n = int(experiment.get("predict_last_n", 1))
    for period in train_periods:
        if last_n > _days(period):
            problems.append(
                f"config key '{key}.predict_last_n': {last_n} days is longer than the training "
                f"period {period['start']}..{period['end']} ({_days(period)} days)"
            )
    if last_n > 1:
        if experiment.get("model") not in SEQUENCE_MODELS:
            problems.append(
                f"config key '{key}.predict_last_n': model {experiment.get('model')!r} cannot be "
                f"trained on several days per window (models that can: {list(SEQUENCE_MODELS)})"
            )
        if experiment.get("loss") not in SEQUENCE_LOSSES:
            problems.append(
                f"config key '{key}.predict_last_n': loss {experiment.get('loss')!r} cannot be "
                f"taken over several days per window (losses that can: {list(SEQUENCE_LOSSES)})"
            )
    return problems


def sequence_training_problems(config: Mapping[str, Any]) -> list[str]:
    """``predict_last_n`` of every LSTM experiment, search candidate and learning-curve study of
    a validated ``config`` against the model, the loss and the training periods it trains on."""
    from camels_lstm.conceptual.spec import is_conceptual
    from camels_lstm.learning_curves.design import cell_experiment, study_train_period, train_window

    problems: list[str] = []
    train = config["periods"]["train"]
    for name, experiment in config["experiments"].items():
        if is_conceptual(experiment):
            continue
        key = f"experiments.{name}"
        problems += check_sequence_training(key, experiment, [train])
        values = ((experiment.get("search_space") or {}).get("parameters") or {}).get(
            "predict_last_n", []
        )
        for value in values:
            candidate = {**experiment, "predict_last_n": value}
            problems += check_sequence_training(
                f"{key}.search_space.parameters", candidate, [train]
            )
    for name, study in config["learning_curves"].items():
        if study["experiment"] not in config["experiments"]:
            continue
        shortest = train_window(
            study_train_period(study, config["periods"]), min(study["train_years"])
        )
        problems += check_sequence_training(
            f"learning_curves.{name}.overrides",
            cell_experiment(study, config["experiments"]),
            [shortest],
        )
    return list(dict.fromkeys(problems))
