"""What a learning-curve study costs to train, in training samples, before anything runs.

One training sample is one basin-day of a training window (a sequence ending on that day), so an
epoch of a cell trains ``n_basins × days`` samples; the per-basin reference models train one basin
each. Multiplied by a measured samples/s (``benchmarks/bench_learning_curve_cost.py``) this gives
device-hours.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from camels_lstm.learning_curves import design


@dataclasses.dataclass(frozen=True)
class StudyCost:
    cells: int
    cell_sample_epochs: int
    references: int
    reference_sample_epochs: int
    largest_epoch_samples: int  # one epoch of the largest cell (most basins, longest window)


def _days(period: Mapping[str, str]) -> int:
    start, end = (dt.date.fromisoformat(period[key]) for key in ("start", "end"))
    return (end - start).days + 1


def study_cost(
    study: Mapping[str, Any],
    experiments: Mapping[str, Mapping[str, Any]],
    periods: Mapping[str, Any],
) -> StudyCost:
    """Training samples × epochs of every cell and reference model of a validated study."""
    period = design.study_train_period(study, periods)
    days = {years: _days(design.train_window(period, years)) for years in study["train_years"]}
    epochs = int(design.cell_experiment(study, experiments)["epochs"])
    cells = design.cells(study)
    cell_samples = sum(cell.n_basins * days[cell.train_years] * epochs for cell in cells)
    largest = max(study["n_basins"]) * max(days.values())
    reference = design.reference_experiment(study, experiments)
    chosen = study["evaluation_basins"]
    n_evaluation = len(chosen) if isinstance(chosen, list) else int(chosen)
    if reference is None:
        return StudyCost(len(cells), cell_samples, 0, 0, largest)
    reference_epochs = int(experiments[reference]["epochs"])
    reference_samples = sum(n_evaluation * d * reference_epochs for d in days.values())
    return StudyCost(len(cells), cell_samples, n_evaluation * len(days), reference_samples, largest)
