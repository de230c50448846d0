"""Input functions and targets of the evaluate and plot rules (rules/evaluate.smk, plot.smk).

Kept here rather than in the .smk files so that the rule files hold rules only and these stay
testable. Each takes the validated workflow config.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from camels_lstm.evaluation import member_prediction_paths


def prediction_inputs(
    config: Mapping[str, Any], basins: Sequence[str], experiment: str, period: str
) -> dict[str, list[str]]:
    """Per-model prediction files of ``experiment``, named by member (seed0, seed1, ...)."""
    settings = config["experiments"][experiment]
    paths = member_prediction_paths(
        "results", experiment, settings["scope"], basins, settings["seeds"], period
    )
    return {member: [str(p) for p in member_paths] for member, member_paths in paths.items()}


def seed_members(config: Mapping[str, Any], experiment: str) -> list[str]:
    return [f"seed{seed}" for seed in config["experiments"][experiment]["seeds"]]


def comparison_pair(config: Mapping[str, Any]) -> tuple[str, str] | None:
    """(single-basin, regional) experiments of the scatter and map; None if not both exist.

    ``evaluation.compare`` (two experiment names) overrides the default: the first per_basin and
    the first regional experiment.
    """
    experiments = config["experiments"]
    chosen = config.get("evaluation", {}).get("compare")
    if chosen:
        unknown = [name for name in chosen if name not in experiments]
        if len(chosen) != 2 or unknown:
            raise ValueError(
                f"config key 'evaluation.compare': expected two experiment names, got {chosen}"
            )
        return chosen[0], chosen[1]
    per_basin = [name for name, e in experiments.items() if e["scope"] == "per_basin"]
    regional = [name for name, e in experiments.items() if e["scope"] == "regional"]
    return (per_basin[0], regional[0]) if per_basin and regional else None


def evaluation_targets(config: Mapping[str, Any]) -> list[str]:
    """Every final output of the evaluation and plot stages, for rule all."""
    experiments = list(config["experiments"])
    figures = ["nse_cdf", *(f"hydrographs_{name}" for name in experiments)]
    if comparison_pair(config):
        figures += ["nse_scatter", "nse_difference_map"]
    return [
        "results/summary.csv",
        *(f"results/{name}/metrics.csv" for name in experiments),
        *(f"results/plots/{figure}.{ext}" for figure in figures for ext in ("png", "pdf")),
    ]
