"""The cells of a learning-curve study: basin subsets, training windows and their checks.

A study (config section ``learning_curves``) trains its regional experiment once per cell
(number of basins × training years × draw) and scores every cell on the same evaluation basins
and the same test period. Everything here is a pure function of the validated config and the
run's basins, so the DAG (``camels_lstm.workflow.plan``) and the tests agree on the cells.

- Evaluation basins: a list of the run's basins, or a count drawn with the study's seed.
- Subsets: per draw, one seeded permutation of the other basins; the subset of size n is the
  evaluation basins plus the first n − n_eval of that permutation (``evaluation: gauged``), or
  the first n of it (``ungauged``: no subset holds an evaluation basin). Larger subsets of a
  draw therefore contain the smaller ones.
- Windows: the last ``y`` years of the study's training period, so shorter windows lie inside
  longer ones.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from camels_lstm.conceptual.spec import hybrid_sources, is_conceptual

GAUGED, UNGAUGED = "gauged", "ungauged"
# What each `evaluation` mode means for the training subsets (the schema's enum).
EVALUATION_MODES = {
    GAUGED: "every training subset holds the evaluation basins",
    UNGAUGED: "no training subset holds an evaluation basin",
}
# Results folder names a study cannot take (they hold the run's other results).
RESERVED_NAMES = ("data", "plots", "packages")


class LearningCurveError(ValueError):
    """A learning-curve study that cannot be run, naming the config key at fault."""


@dataclasses.dataclass(frozen=True)
class Cell:
    """One regional training of a study."""

    n_basins: int
    train_years: int
    draw: int

    @property
    def name(self) -> str:
        """Folder name of the cell, e.g. ``n0008_y03_d0``."""
        return f"n{self.n_basins:04d}_y{self.train_years:02d}_d{self.draw}"


def _key(study: str, name: str) -> str:
    return f"config key 'learning_curves.{study}.{name}'"


def _shift_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def train_window(period: Mapping[str, str], years: int) -> dict[str, str]:
    """The last ``years`` years of ``period`` (``start``/``end`` ISO dates, inclusive)."""
    end = dt.date.fromisoformat(period["end"])
    start = _shift_years(end + dt.timedelta(days=1), years)
    return {"start": start.isoformat(), "end": end.isoformat()}


def period_years(period: Mapping[str, str]) -> int:
    """Number of whole years in ``period``."""
    start, end = (dt.date.fromisoformat(period[k]) for k in ("start", "end"))
    years = end.year - start.year + 1
    while years > 0 and dt.date.fromisoformat(train_window(period, years)["start"]) < start:
        years -= 1
    return years


def study_train_period(study: Mapping[str, Any], periods: Mapping[str, Any]) -> dict[str, str]:
    return dict(study["train_period"] or periods["train"])


def evaluation_basins(name: str, study: Mapping[str, Any], basins: Sequence[str]) -> list[str]:
    """The evaluation basins of study ``name``, in the run's basin order."""
    chosen = study["evaluation_basins"]
    if isinstance(chosen, int):
        if chosen > len(basins):
            raise LearningCurveError(
                f"{_key(name, 'evaluation_basins')}: {chosen} evaluation basins, but the run has "
                f"only {len(basins)} basins"
            )
        rng = np.random.default_rng([study["seed"], 0])
        picked = set(rng.choice(len(basins), size=chosen, replace=False).tolist())
        return [basin for index, basin in enumerate(basins) if index in picked]
    unknown = [basin for basin in chosen if basin not in basins]
    if unknown:
        raise LearningCurveError(
            f"{_key(name, 'evaluation_basins')}: {unknown} are not among the run's basins "
            "(config key 'basins')"
        )
    if len(set(chosen)) != len(chosen):
        raise LearningCurveError(f"{_key(name, 'evaluation_basins')}: a basin is listed twice")
    return [basin for basin in basins if basin in chosen]


def training_subsets(
    name: str, study: Mapping[str, Any], basins: Sequence[str]
) -> dict[tuple[int, int], list[str]]:
    """{(n_basins, draw): training basins in the run's order} of study ``name``."""
    evaluation = evaluation_basins(name, study, basins)
    others = [basin for basin in basins if basin not in evaluation]
    gauged = study["evaluation"] == GAUGED
    subsets: dict[tuple[int, int], list[str]] = {}
    for draw in range(study["draws"]):
        order = np.random.default_rng([study["seed"], 1, draw]).permutation(len(others))
        drawn = [others[index] for index in order]
        for size in study["n_basins"]:
            chosen = (
                set(evaluation) | set(drawn[: size - len(evaluation)])
                if gauged
                else set(drawn[:size])
            )
            subsets[(size, draw)] = [basin for basin in basins if basin in chosen]
    return subsets


def cells(study: Mapping[str, Any]) -> list[Cell]:
    return [
        Cell(size, years, draw)
        for years in study["train_years"]
        for size in study["n_basins"]
        for draw in range(study["draws"])
    ]


def _duplicates(values: Sequence[int]) -> list[int]:
    return sorted({value for value in values if list(values).count(value) > 1})


def check_study(
    name: str,
    study: Mapping[str, Any],
    experiments: Mapping[str, Mapping[str, Any]],
    basins: Sequence[str],
    periods: Mapping[str, Any],
) -> None:
    """Raise a LearningCurveError naming the key of study ``name`` that cannot be served."""
    if name in experiments or name in RESERVED_NAMES:
        raise LearningCurveError(
            f"config key 'learning_curves.{name}': the study name is taken (an experiment or one "
            f"of {list(RESERVED_NAMES)}): its results would share results/{name}/"
        )
    base = study["experiment"]
    lstm = {e: s for e, s in experiments.items() if not is_conceptual(s)}
    if base not in lstm or lstm[base]["scope"] != "regional":
        regional = [e for e, s in lstm.items() if s["scope"] == "regional"]
        raise LearningCurveError(
            f"{_key(name, 'experiment')}: {base!r} is not a regional experiment of the run "
            f"(regional experiments: {regional})"
        )
    if experiments[base].get("search_space"):
        raise LearningCurveError(
            f"{_key(name, 'experiment')}: {base!r} is tuned (search_space); a study trains fixed "
            "settings: give it an untuned experiment, or the chosen settings as overrides"
        )
    reference = study["per_basin_reference"]
    if reference is not None and (reference not in lstm or lstm[reference]["scope"] != "per_basin"):
        raise LearningCurveError(
            f"{_key(name, 'per_basin_reference')}: {reference!r} is not a per_basin LSTM experiment"
        )
    for key, used in (("experiment", base), ("per_basin_reference", reference)):
        if used is not None and hybrid_sources(lstm[used]["dynamic_inputs"]):
            raise LearningCurveError(
                f"{_key(name, key)}: {used!r} has conceptual-model inputs; learning curves "
                "train on basin subsets and year windows that its simulation store was not "
                "calibrated for: give a study an experiment with forcing inputs only"
            )
    for key in ("n_basins", "train_years"):
        repeated = _duplicates(study[key])
        if repeated:
            raise LearningCurveError(f"{_key(name, key)}: {repeated} given more than once")
    n_evaluation = len(evaluation_basins(name, study, basins))
    gauged = study["evaluation"] == GAUGED
    available = len(basins) if gauged else len(basins) - n_evaluation
    too_large = [size for size in study["n_basins"] if size > available]
    if too_large:
        where = "the run's basins" if gauged else "the run's basins outside the evaluation set"
        raise LearningCurveError(
            f"{_key(name, 'n_basins')}: {too_large} larger than the {available} basins available "
            f"({where})"
        )
    too_small = [size for size in study["n_basins"] if gauged and size < n_evaluation]
    if too_small:
        raise LearningCurveError(
            f"{_key(name, 'n_basins')}: {too_small} smaller than the {n_evaluation} evaluation "
            "basins that every subset must hold (evaluation: gauged)"
        )
    period = study_train_period(study, periods)
    longest = period_years(period)
    too_long = [years for years in study["train_years"] if years > longest]
    if too_long:
        source = "train_period" if study["train_period"] else "periods.train"
        raise LearningCurveError(
            f"{_key(name, 'train_years')}: {too_long} longer than the training period "
            f"{period['start']}..{period['end']} ({source}: {longest} whole years)"
        )


def cell_experiment(
    study: Mapping[str, Any], experiments: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """The experiment settings every cell of ``study`` trains with (overrides applied)."""
    return {**experiments[study["experiment"]], **study["overrides"]}


def reference_experiment(
    study: Mapping[str, Any], experiments: Mapping[str, Mapping[str, Any]]
) -> str | None:
    """The per-basin experiment of the reference lines (or None)."""
    if study["per_basin_reference"] is not None:
        return study["per_basin_reference"]
    per_basin = [
        e
        for e, s in experiments.items()
        if s["scope"] == "per_basin"
        and not is_conceptual(s)
        and not hybrid_sources(s["dynamic_inputs"])
    ]
    untuned = [e for e in per_basin if not experiments[e].get("search_space")]
    return untuned[0] if untuned else None
