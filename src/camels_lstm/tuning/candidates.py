"""Hyperparameter search of an experiment on the validation period.

An experiment's ``search_space`` (config) lists values per hyperparameter; the candidates are
enumerated deterministically (the full grid, or ``n_draws`` distinct grid points drawn with
``seed``) and named ``c00``, ``c01``, ... Each candidate is trained on the training period and
scored by NSE on the validation period. A per-basin experiment keeps the best candidate of each
basin; a regional experiment runs one search over all basins and keeps the candidate with the
highest median validation NSE. Ties go to the lowest id. The test period is never handed to any
of this: :func:`tuning_periods` drops it.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from camels_lstm.atomic_output import atomic_path, write_json
from camels_lstm.evaluation import metrics

TUNING_PERIODS = ("train", "validation")


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


def tuning_periods(periods: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """Only the training and validation periods: what candidate training and scoring may read."""
    return {name: dict(periods[name]) for name in TUNING_PERIODS}


def select_best(scores: Mapping[str, float]) -> str:
    """Id of the candidate with the highest finite NSE; ties go to the lowest id.

    If no candidate has a finite NSE (no observed validation days), the lowest id is chosen.
    """
    if not scores:
        raise ValueError("no candidate scores to select from")
    finite = {cid: score for cid, score in scores.items() if math.isfinite(score)}
    if not finite:
        return min(scores)
    best = max(finite.values())
    return min(cid for cid, score in finite.items() if score == best)


def take_chosen_candidate(best_path: str | Path, model_path: str | Path) -> str:
    """Copy the chosen candidate's model (``<candidate>/model.pt`` beside ``best_path``) to
    ``model_path``: it is the final model for the seed the candidates were trained with (the
    same settings, data and seed would train the same weights). Returns the candidate id."""
    import shutil

    chosen = read_json(best_path)["candidate"]
    source = Path(best_path).parent / chosen / "model.pt"
    if not source.is_file():
        raise FileNotFoundError(f"{best_path}: chosen candidate's model {source} is missing")
    with atomic_path(model_path) as temporary:
        shutil.copyfile(source, temporary)
    return chosen


def write_score(path: str | Path, basin: str, candidate: Candidate, nse: float) -> None:
    """Score of one candidate of a per-basin search: its validation NSE."""
    write_json(
        {"basin": basin, "candidate": candidate.id, "settings": candidate.settings, "nse": nse},
        path,
    )


def read_json(path: str | Path) -> dict[str, Any]:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: cannot read tuning file: {error}") from error


def _check_candidate(
    path: str | Path, record: Mapping[str, Any], expected: Mapping[str, Candidate] | None
) -> None:
    """A score must be of a candidate of the current search space, with the same settings: a
    file left from an earlier space (kept with ``--rerun-triggers mtime``) is refused."""
    if expected is None:
        return
    candidate = expected.get(record.get("candidate", ""))
    if candidate is None or dict(candidate.settings) != record.get("settings"):
        wanted = dict(candidate.settings) if candidate else "no such candidate"
        raise ValueError(
            f"{path}: candidate {record.get('candidate')} with settings {record.get('settings')} "
            f"is not in the configured search space ({wanted}); it is left from an earlier "
            "search: delete it and run again"
        )


def _selection(scores: Mapping[str, Mapping[str, Any]], **identity: str) -> dict[str, Any]:
    """A best.json record: ``identity`` keys, the chosen candidate, its settings and NSE, and
    every candidate's scores."""
    chosen = select_best({cid: float(entry["nse"]) for cid, entry in scores.items()})
    return {
        **identity,
        "candidate": chosen,
        "settings": scores[chosen]["settings"],
        "nse": scores[chosen]["nse"],
        "candidates": dict(sorted(scores.items())),
    }


def best_record(
    basin: str,
    score_files: Sequence[str | Path],
    expected: Mapping[str, Candidate] | None = None,
) -> dict[str, Any]:
    """The selection of one basin from its candidates' score files: all scores and the best.

    ``expected``: the configured candidates by id; a score of another candidate is refused.
    """
    scores: dict[str, dict[str, Any]] = {}
    for path in score_files:
        record = read_json(path)
        if record.get("basin") != basin:
            raise ValueError(f"{path}: score of basin {record.get('basin')}, expected {basin}")
        _check_candidate(path, record, expected)
        scores[record["candidate"]] = {"settings": record["settings"], "nse": record["nse"]}
    return _selection(scores, basin=basin)


def median_nse(basin_nse: Mapping[str, float]) -> float:
    """Median over the basins with a finite NSE (NaN if there is none)."""
    finite = [float(value) for value in basin_nse.values() if math.isfinite(float(value))]
    return float(np.median(finite)) if finite else math.nan


def write_regional_score(
    path: str | Path, candidate: Candidate, basin_nse: Mapping[str, float]
) -> None:
    """Score of one candidate of a regional search: validation NSE per basin and its median."""
    write_json(
        {
            "candidate": candidate.id,
            "settings": candidate.settings,
            "nse": median_nse(basin_nse),
            "basin_nse": dict(sorted(basin_nse.items())),
        },
        path,
    )


def regional_best_record(
    score_files: Sequence[str | Path],
    basins: Sequence[str],
    expected: Mapping[str, Candidate] | None = None,
) -> dict[str, Any]:
    """The selection of a regional search: all candidates' scores, the best by median NSE."""
    scores: dict[str, dict[str, Any]] = {}
    for path in score_files:
        record = read_json(path)
        if "basin_nse" not in record:
            raise ValueError(f"{path}: not the score of a regional candidate (no basin_nse)")
        _check_candidate(path, record, expected)
        missing = sorted(set(basins) - set(record["basin_nse"]))
        if missing:
            raise ValueError(f"{path}: no validation NSE for basin(s) {', '.join(missing[:5])}")
        scores[record["candidate"]] = {
            "settings": record["settings"],
            "nse": record["nse"],
            "basin_nse": {basin: record["basin_nse"][basin] for basin in basins},
        }
    return _selection(scores, scope="regional", criterion="median validation NSE over basins")


def _table_row(basin: str, cid: str, entry: Mapping[str, Any], nse: float, chosen: bool) -> dict:
    return {
        "basin": basin,
        "candidate": cid,
        **entry["settings"],
        "validation_nse": nse,
        "chosen": chosen,
    }


def tuning_table(best_files: Mapping[str, str | Path]) -> Any:
    """Per-basin search: one row per (basin, candidate) with the candidate's settings, its
    validation NSE and whether it is the basin's chosen one."""
    import pandas as pd

    rows = []
    for basin, path in best_files.items():
        record = read_json(path)
        if record.get("basin") != basin:
            raise ValueError(f"{path}: selection of basin {record.get('basin')}, expected {basin}")
        for cid, entry in record["candidates"].items():
            rows.append(_table_row(basin, cid, entry, entry["nse"], cid == record["candidate"]))
    return pd.DataFrame(rows)


def regional_tuning_table(best_path: str | Path, basins: Sequence[str]) -> Any:
    """Regional search: one row per (basin, candidate) like :func:`tuning_table`; ``chosen``
    marks the one candidate chosen for all basins (by median validation NSE)."""
    import pandas as pd

    record = read_json(best_path)
    if record.get("scope") != "regional":
        raise ValueError(f"{best_path}: not the selection of a regional search")
    rows = []
    for basin in basins:
        for cid, entry in record["candidates"].items():
            if basin not in entry["basin_nse"]:
                raise ValueError(f"{best_path}: candidate {cid} has no score for basin {basin}")
            nse = entry["basin_nse"][basin]
            rows.append(_table_row(basin, cid, entry, nse, cid == record["candidate"]))
    return pd.DataFrame(rows)


def tuned_experiment(experiment: Mapping[str, Any], best_path: str | Path) -> dict[str, Any]:
    """``experiment`` with the settings chosen in ``best_path`` (a best.json) applied."""
    return candidate_experiment(experiment, read_json(best_path)["settings"])


def train_candidate(
    *,
    experiment: Mapping[str, Any],
    candidate: Candidate,
    periods: Mapping[str, Mapping[str, str]],
    **training: Any,
) -> None:
    """Train one candidate on the training period (validated on the validation period only);
    ``training``: the other keyword arguments of :func:`camels_lstm.training.train_experiment`."""
    from camels_lstm.training.run import train_experiment

    train_experiment(
        experiment=candidate_experiment(experiment, candidate.settings),
        periods=tuning_periods(periods),
        **training,
    )


def score_candidate(
    model_path: str | Path,
    store_path: str | Path,
    periods: Mapping[str, Mapping[str, str]],
    device: str = "cpu",
) -> dict[str, float]:
    """Validation NSE per basin of a trained candidate (:func:`camels_lstm.evaluation.metrics.nse`,
    over the days on which both series are finite); only the validation period is read."""
    from camels_lstm.training.predict import predict

    validation = tuning_periods(periods)["validation"]
    predictions = predict(
        model_path, store_path, validation["start"], validation["end"], device=device
    )
    observed = predictions["streamflow_obs_mm_per_day"].transpose("basin", "date").values
    simulated = predictions["streamflow_sim_mm_per_day"].transpose("basin", "date").values
    basins = [str(basin) for basin in predictions["basin"].values.tolist()]
    return {
        basin: float(metrics.nse(observed[row], simulated[row])) for row, basin in enumerate(basins)
    }
