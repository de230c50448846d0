"""One tuning candidate's job: train it on the training period, score it by NSE on the
validation period, write its score file."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from camels_lstm.atomic_output import write_json
from camels_lstm.evaluation import metrics
from camels_lstm.training.job_settings import training_periods
from camels_lstm.tuning.candidates import Candidate, candidate_experiment
from camels_lstm.tuning.selection import median_nse


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
