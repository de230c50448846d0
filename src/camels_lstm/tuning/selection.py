"""Selection of the best tuning candidate: per basin by validation NSE, or for a regional search
by the median validation NSE over basins; ties go to the lowest id. Writes and reads best.json.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from camels_lstm.atomic_output import atomic_path
from camels_lstm.tuning.candidates import Candidate, candidate_experiment


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


def tuned_experiment(experiment: Mapping[str, Any], best_path: str | Path) -> dict[str, Any]:
    """``experiment`` with the settings chosen in ``best_path`` (a best.json) applied."""
    return candidate_experiment(experiment, read_json(best_path)["settings"])


def take_chosen_candidate(
    best_path: str | Path,
    candidate_models: Mapping[str, str | Path],
    model_path: str | Path,
    chosen_model: str | Path | None = None,
) -> str:
    """Copy the chosen candidate's model (``chosen_model``, the one a per-basin search linked,
    or from ``candidate_models``, model file by candidate id) to ``model_path``: it is the final
    model for the seed the candidates were trained with (the same settings, data and seed would
    train the same weights). Returns the candidate id."""
    chosen = read_json(best_path)["candidate"]
    if chosen_model is None and chosen not in candidate_models:
        raise ValueError(
            f"{best_path}: chosen candidate {chosen} is not among {sorted(candidate_models)}"
        )
    source = Path(chosen_model if chosen_model is not None else candidate_models[chosen])
    if not source.is_file():
        raise FileNotFoundError(f"{best_path}: chosen candidate's model {source} is missing")
    with atomic_path(model_path) as temporary:
        shutil.copyfile(source, temporary)
    return chosen
