"""Calibration of a conceptual model: a seeded global search with a fixed budget of model runs,
scored on the training period after a warm-up.

Objectives (:data:`OBJECTIVES`, higher is better) are the evaluation's own metrics. Per basin
the score is the basin's objective; regionally (one parameter set for all basins, the
"CONUS-wide" calibration of Kratzert et al., 2019) the median of the basins' objectives. A run
whose streamflow is not finite scores -inf. Algorithms (:data:`ALGORITHMS`) search the unit
cube of the parameters (log scale where a parameter is ``log``) and return the best point they
ran: ``sce_ua`` (Duan et al., 1992, from ``spotpy``) and ``differential_evolution`` (SciPy).
"""

from __future__ import annotations

import contextlib
import io
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from camels_lstm.conceptual.forcing import BasinForcing, ConceptualInputError
from camels_lstm.conceptual.models import ConceptualModel, ModelForcing, Parameter
from camels_lstm.conceptual.parallel_scoring import WindowScorer
from camels_lstm.evaluation import metrics

logger = logging.getLogger(__name__)
PROGRESS_STEPS = 10  # a progress line at every tenth of the budget of model runs

OBJECTIVES: Mapping[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "nse": metrics.nse,
    "kge": lambda obs, sim: metrics.kge_components(obs, sim)["kge"],
}


class CalibrationError(RuntimeError):
    """A calibration that found no parameter set with a finite score; names basin(s)."""


@dataclass(frozen=True)
class CalibrationWindow:
    """One basin's calibration data: forcing from the warm-up start to the training end, and
    the observed streamflow of the scored (training) days, NaN elsewhere."""

    basin: str
    forcing: ModelForcing
    scored_from: int  # first training day within the window
    observed_mm_per_day: np.ndarray  # the training days

    def score(self, model: ConceptualModel, values: np.ndarray, objective: str) -> float:
        simulated = model.streamflow(values, self.forcing)[self.scored_from :]
        if not np.isfinite(simulated).all():
            return -np.inf
        value = OBJECTIVES[objective](self.observed_mm_per_day, simulated)
        return float(value) if np.isfinite(value) else -np.inf


def calibration_window(
    basin: BasinForcing, train: Mapping[str, str], warm_up_days: int
) -> CalibrationWindow:
    """The training period of ``basin`` with ``warm_up_days`` of forcing before it (as far as
    the record reaches). Only training-period observations are kept: nothing of the
    validation or test period can enter the calibration."""
    start, end = basin.index_of(train["start"]), basin.index_of(train["end"]) + 1
    first = max(0, start - warm_up_days)
    observed = basin.observed_streamflow_mm_per_day[start:end]
    if np.isfinite(observed).sum() < 2:
        raise ConceptualInputError(
            f"basin {basin.basin}: fewer than 2 observed streamflow days in the training period "
            f"{train['start']}..{train['end']}: nothing to calibrate on"
        )
    return CalibrationWindow(
        basin=basin.basin,
        forcing=basin.forcing.days(first, end),
        scored_from=start - first,
        observed_mm_per_day=observed.copy(),
    )


def to_parameters(parameters: Sequence[Parameter], unit: np.ndarray) -> np.ndarray:
    """Parameter values of a point of the unit cube (log scale where ``log``)."""
    values = np.empty(len(parameters))
    for position, (parameter, fraction) in enumerate(zip(parameters, unit, strict=True)):
        fraction = min(max(float(fraction), 0.0), 1.0)
        if parameter.log:
            low, high = np.log(parameter.low), np.log(parameter.high)
            values[position] = np.exp(low + fraction * (high - low))
        else:
            values[position] = parameter.low + fraction * (parameter.high - parameter.low)
    return values


def to_unit(parameters: Sequence[Parameter], values: np.ndarray) -> np.ndarray:
    """Inverse of :func:`to_parameters`."""
    unit = np.empty(len(parameters))
    for position, (parameter, value) in enumerate(zip(parameters, values, strict=True)):
        if parameter.log:
            low, high = np.log(parameter.low), np.log(parameter.high)
            unit[position] = (np.log(value) - low) / (high - low)
        else:
            unit[position] = (value - parameter.low) / (parameter.high - parameter.low)
    return unit


@dataclass(frozen=True)
class SearchResult:
    best_unit: np.ndarray
    best_score: float
    runs: int


class _BudgetSpent(Exception):
    """Raised inside an optimiser's objective once the budget of model runs is spent."""


def _sce_ua(score: Callable[[np.ndarray], float], dimension: int, runs: int, seed: int) -> None:
    import spotpy

    class Setup:
        def __init__(self) -> None:
            # Bounds, start and step given: spotpy otherwise takes them from 1000 unseeded
            # draws (bounds ~0.001..0.999 that differ between processes, so a run that reaches
            # a bound could take another path: the same seed, another calibration)
            bounds = {"minbound": 0.0, "maxbound": 1.0, "optguess": 0.5, "step": 0.1}
            self.params = [
                spotpy.parameter.Uniform(f"p{i}", 0.0, 1.0, **bounds) for i in range(dimension)
            ]

        def parameters(self):
            return spotpy.parameter.generate(self.params)

        def simulation(self, vector):
            return [score(np.asarray(vector, dtype=np.float64))]

        def evaluation(self):
            return [0.0]

        def objectivefunction(self, simulation, evaluation):
            value = simulation[0]
            return 1.0 - value if np.isfinite(value) else 1e12  # SCE-UA minimises

    sampler = spotpy.algorithms.sceua(
        Setup(), dbformat="ram", random_state=seed, save_sim=False, dbname="calibration"
    )
    with contextlib.redirect_stdout(io.StringIO()):  # spotpy prints every trial
        sampler.sample(2 * runs, ngs=max(2, dimension), kstop=100, peps=1e-6, pcento=1e-6)


def _differential_evolution(
    score: Callable[[np.ndarray], float], dimension: int, runs: int, seed: int
) -> None:
    from scipy.optimize import differential_evolution

    def loss(vector: np.ndarray) -> float:
        value = score(vector)
        return -value if np.isfinite(value) else 1e12

    differential_evolution(
        loss,
        [(0.0, 1.0)] * dimension,
        popsize=5,
        maxiter=10 * runs,  # the budget stops it
        seed=seed,
        polish=False,
        tol=0.0,
        init="latinhypercube",
    )


# Each runs until the budget of model runs stops it (or it converges first).
ALGORITHMS: Mapping[str, Callable[[Callable[[np.ndarray], float], int, int, int], None]] = {
    "sce_ua": _sce_ua,
    "differential_evolution": _differential_evolution,
}


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}"


def search(
    score: Callable[[np.ndarray], float],
    dimension: int,
    algorithm: str,
    runs: int,
    seed: int,
    label: str = "calibration",
) -> SearchResult:
    """Maximise ``score`` over the unit cube with ``algorithm``, stopping after ``runs``
    evaluations at most; the best point evaluated is the result. Logs the best score so far at
    every tenth of the budget (``label`` names what is calibrated), so a long regional
    calibration shows in its log how far it is."""
    best: dict[str, Any] = {"score": -np.inf, "unit": None, "runs": 0}
    started = time.perf_counter()
    milestones = {max(1, round(runs * step / PROGRESS_STEPS)) for step in range(1, PROGRESS_STEPS)}

    def counted(unit: np.ndarray) -> float:
        if best["runs"] >= runs:
            raise _BudgetSpent
        best["runs"] += 1
        unit = np.clip(np.asarray(unit, dtype=np.float64), 0.0, 1.0)
        value = score(unit)
        if value > best["score"]:
            best.update(score=value, unit=unit.copy())
        if best["runs"] in milestones:
            elapsed = time.perf_counter() - started
            logger.info(
                "%s: run %d of %d, best score so far %.4f, %s elapsed, about %s to go",
                label,
                best["runs"],
                runs,
                best["score"],
                _clock(elapsed),
                _clock(elapsed * (runs - best["runs"]) / best["runs"]),
            )
        return value

    with contextlib.suppress(_BudgetSpent):
        ALGORITHMS[algorithm](counted, dimension, runs, seed)
    unit = best["unit"] if best["unit"] is not None else np.full(dimension, np.nan)
    return SearchResult(best_unit=unit, best_score=float(best["score"]), runs=best["runs"])


def calibrate(
    model: ConceptualModel,
    windows: Sequence[CalibrationWindow],
    objective: str,
    algorithm: str,
    runs: int,
    seed: int,
    workers: int = 1,
) -> tuple[np.ndarray, float, int]:
    """Best parameter values, score and number of model runs (per window set) of a calibration
    of ``model`` on ``windows``: one basin, or several scored by their median objective. With
    ``workers`` > 1 the windows of each run are scored in that many processes (the same result:
    :mod:`camels_lstm.conceptual.parallel_scoring`)."""
    with WindowScorer(model, windows, objective, workers) as scorer:

        def score(unit: np.ndarray) -> float:
            scores = scorer(to_parameters(model.parameters, unit))
            return float(np.median(scores)) if len(scores) > 1 else scores[0]

        basins = windows[0].basin if len(windows) == 1 else f"{len(windows)} basins (median)"
        label = f"{model.name} on {basins}, {algorithm} {objective}"
        result = search(score, len(model.parameters), algorithm, runs, seed, label)
    if not np.isfinite(result.best_score):
        basins = ", ".join(window.basin for window in windows[:10])
        raise CalibrationError(
            f"calibration of {model.name} on basin(s) {basins} found no parameter set with a "
            f"finite {objective} in {result.runs} runs (all simulations failed or were not "
            "finite); check the forcing and streamflow of these basins"
        )
    return to_parameters(model.parameters, result.best_unit), result.best_score, result.runs
