"""The folds of the ungauged experiments of a run (``scope: ungauged``, ``folds: k``): which basins
each fold's model trains on and predicts (:mod:`camels_lstm.training.folds`), computed once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from camels_lstm.training.folds import assign_folds, fold_basins, training_basins

UNGAUGED = "ungauged"


class FoldPlan:
    def __init__(self, experiments: Mapping[str, Mapping[str, Any]], basins: Sequence[str]):
        self.assignments: dict[str, dict[str, int]] = {
            name: assign_folds(list(basins), int(settings["folds"]), int(settings["fold_seed"]))
            for name, settings in experiments.items()
            if settings["scope"] == UNGAUGED
        }

    def folds(self, experiment: str) -> list[int]:
        return list(range(max(self.assignments[experiment].values()) + 1))

    def training_basins(self, experiment: str, fold: int) -> list[str]:
        """The basins the model of ``fold`` trains on (every other fold's)."""
        return training_basins(self.assignments[experiment], int(fold))

    def predicted_basins(self, experiment: str, fold: int) -> list[str]:
        """The basins the model of ``fold`` predicts: its own fold's, which it never saw."""
        return fold_basins(self.assignments[experiment], int(fold))

    def table(self, experiment: str) -> pd.DataFrame:
        """``folds.csv``: columns ``basin`` and ``fold``, basins in the run's order."""
        assignment = self.assignments[experiment]
        return pd.DataFrame({"basin": list(assignment), "fold": list(assignment.values())})
