"""Hyperparameter search of an experiment on the validation period.

An experiment's ``search_space`` (config) lists values per hyperparameter; the candidates are
enumerated deterministically (the full grid, or ``n_draws`` distinct grid points drawn with
``seed``) and named ``c00``, ``c01``, ... Each candidate is trained on the training period and
scored by NSE on the validation period (:mod:`.jobs`); the best is selected per basin or, for a
regional search, by the median over basins (:mod:`.selection`) and tabulated (:mod:`.tables`).
The test period is never handed to any of this: its jobs get
:func:`camels_lstm.training.job_settings.training_periods` only.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Candidate:
    id: str
    settings: dict[str, Any]


def _grid(parameters: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    names = sorted(parameters)
    for name in names:
        if not parameters[name]:
            raise ValueError(f"search_space.parameters.{name}: no values to try")
    return [
        dict(zip(names, values, strict=True))
        for values in itertools.product(*(parameters[name] for name in names))
    ]


def _every_point(points: list[dict[str, Any]], _: Mapping[str, Any]) -> list[dict[str, Any]]:
    return points


def _random_points(
    points: list[dict[str, Any]], search_space: Mapping[str, Any]
) -> list[dict[str, Any]]:
    rng = np.random.default_rng(int(search_space["seed"]))
    n_draws = min(int(search_space["n_draws"]), len(points))
    return [points[int(i)] for i in rng.choice(len(points), size=n_draws, replace=False)]


# search_space.method -> the candidates it takes from the grid (schema: config.schema.yaml).
SEARCH_METHODS = {"grid": _every_point, "random": _random_points}


def enumerate_candidates(search_space: Mapping[str, Any]) -> list[Candidate]:
    """The candidates of ``search_space`` (validated, defaults filled), in a fixed order with
    ids ``c00``, ``c01``, ...

    ``method: grid`` takes every combination (parameters in name order, values in the given
    order); ``method: random`` draws ``n_draws`` distinct combinations of that grid with
    ``seed`` (all of them if the grid is smaller).
    """
    points = _grid(search_space["parameters"])
    method = search_space["method"]
    if method not in SEARCH_METHODS:
        raise ValueError(
            f"search_space.method: expected one of {sorted(SEARCH_METHODS)}, got {method!r}"
        )
    points = SEARCH_METHODS[method](points, search_space)
    width = max(2, len(str(len(points) - 1)))
    return [Candidate(f"c{index:0{width}d}", point) for index, point in enumerate(points)]


def candidates_by_id(search_space: Mapping[str, Any]) -> dict[str, Candidate]:
    return {candidate.id: candidate for candidate in enumerate_candidates(search_space)}


def candidate_experiment(
    experiment: Mapping[str, Any], settings: Mapping[str, Any]
) -> dict[str, Any]:
    """``experiment`` with a candidate's ``settings`` applied and its search space removed.

    A ``learning_rate`` setting is a single start rate: it replaces the schedule.
    """
    result = copy.deepcopy(dict(experiment))
    result.pop("search_space", None)
    for name, value in settings.items():
        result[name] = {0: float(value)} if name == "learning_rate" else value
    return result
