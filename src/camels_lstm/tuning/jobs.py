"""Tuning jobs: a regional candidate's job trains one candidate on the training period, scores
it by NSE on the validation period and writes its score file; a per-basin search trains and
scores all candidates of one basin in one process (:func:`tune_basin`) and selects the best."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from camels_lstm.atomic_output import write_json
from camels_lstm.evaluation import metrics
from camels_lstm.training.job_settings import training_periods
from camels_lstm.tuning.candidates import Candidate, candidate_experiment
from camels_lstm.tuning.selection import median_nse

logger = logging.getLogger(__name__)


def write_score(path: str | Path, basin: str, candidate: Candidate, nse: float) -> None:
    """Score of one candidate of a per-basin search: its validation NSE."""
    write_json(
        {"basin": basin, "candidate": candidate.id, "settings": candidate.settings, "nse": nse},
        path,
    )


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
        periods=training_periods(periods),
        **training,
    )


def score_candidate(
    model_path: str | Path,
    store_path: str | Path,
    periods: Mapping[str, Mapping[str, str]],
    device: str,
) -> dict[str, float]:
    """Validation NSE per basin of a trained candidate (:func:`camels_lstm.evaluation.metrics.nse`,
    over the days on which both series are finite); only the validation period is read."""
    from camels_lstm.training.predict import predict

    validation = training_periods(periods)["validation"]
    predictions = predict(
        model_path, store_path, validation["start"], validation["end"], device=device
    )
    observed = predictions["streamflow_obs_mm_per_day"].transpose("basin", "date").values
    simulated = predictions["streamflow_sim_mm_per_day"].transpose("basin", "date").values
    basins = [str(basin) for basin in predictions["basin"].values.tolist()]
    return {
        basin: float(metrics.nse(observed[row], simulated[row])) for row, basin in enumerate(basins)
    }


def tune_basin(
    *,
    basin: str,
    experiment: Mapping[str, Any],
    candidates: Mapping[str, Candidate],
    candidate_models: Mapping[str, str | Path],
    candidate_scores: Mapping[str, str | Path],
    periods: Mapping[str, Mapping[str, str]],
    store_path: str | Path,
    best_path: str | Path,
    chosen_model_path: str | Path,
    device: str,
    **training: Any,
) -> dict[str, Any]:
    """Train and score every candidate of one basin in turn, write best.json and link the
    chosen candidate's model to ``chosen_model_path``; returns the best.json record.

    A candidate whose weights were trained earlier under the same settings and data is not
    trained again (:mod:`camels_lstm.training.finished_model`), so a rerun after a new or
    killed search trains only what is new. ``training``: the other keyword arguments of
    :func:`camels_lstm.training.train_experiment` (attributes, seed, threads, bf16, ...).
    """
    from camels_lstm.training.finished_model import link_or_copy
    from camels_lstm.tuning.selection import best_record

    for cid, candidate in candidates.items():
        logger.info("basin %s candidate %s: %s", basin, cid, candidate.settings)
        train_candidate(
            experiment=experiment,
            candidate=candidate,
            periods=periods,
            basins=[basin],
            store_path=store_path,
            model_path=candidate_models[cid],
            device=device,
            **training,
        )
        scores = score_candidate(candidate_models[cid], store_path, periods, device)
        logger.info("basin %s candidate %s: validation NSE %.3f", basin, cid, scores[basin])
        write_score(candidate_scores[cid], basin, candidate, scores[basin])
    record = best_record(basin, list(candidate_scores.values()), candidates)
    write_json(record, best_path)
    # the chosen model under a second name (a hard link, or a copy), written atomically
    link_or_copy(Path(candidate_models[record["candidate"]]), Path(chosen_model_path))
    return record
