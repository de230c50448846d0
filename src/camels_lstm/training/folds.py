"""Seeded k-fold split of a run's basins for ungauged-basin cross-validation (Kratzert et al.,
WRR 2019): the model of fold f trains on the basins of every other fold and predicts only the
basins of fold f, which it never saw."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def assign_folds(basins: Sequence[str], folds: int, seed: int) -> dict[str, int]:
    """Basin -> fold (0..folds-1), in ``basins`` order: a seeded permutation dealt round-robin,
    so fold sizes differ by at most one and every fold holds at least one basin."""
    if not 2 <= folds <= len(basins):
        raise ValueError(f"{folds} folds need between 2 and {len(basins)} (the basins) folds")
    order = np.random.default_rng(seed).permutation(len(basins))
    fold_of = {basins[index]: position % folds for position, index in enumerate(order)}
    return {basin: fold_of[basin] for basin in basins}


def fold_basins(assignment: dict[str, int], fold: int) -> list[str]:
    """The basins of ``fold`` (predicted by its model), in the run's order."""
    return [basin for basin, one in assignment.items() if one == fold]


def training_basins(assignment: dict[str, int], fold: int) -> list[str]:
    """The basins the model of ``fold`` trains on: those of every other fold."""
    return [basin for basin, one in assignment.items() if one != fold]


def check_fold_settings(experiments: Mapping[str, dict[str, Any]], n_basins: int) -> list[str]:
    """Problems of the fold keys, each naming its config key: ``folds`` is required for, and
    with ``fold_seed`` only allowed in, ``scope: ungauged`` (which gets ``fold_seed`` 0 by
    default, filled in here), at most the number of basins; no tuning of ungauged experiments."""
    problems = []
    for name, settings in experiments.items():
        key = f"config key 'experiments.{name}"
        if settings["scope"] != "ungauged":
            given = [k for k in ("folds", "fold_seed") if k in settings]
            if given:
                problems.append(f"{key}': {given} apply to scope ungauged only")
            continue
        settings.setdefault("fold_seed", 0)
        if "folds" not in settings:
            problems.append(f"{key}': scope ungauged needs 'folds' (the number of folds)")
        elif settings["folds"] > n_basins:
            problems.append(
                f"{key}.folds': {settings['folds']} folds of {n_basins} basins leave a fold empty"
            )
        if settings.get("search_space"):
            problems.append(f"{key}.search_space': ungauged experiments are not tuned")
    return problems
