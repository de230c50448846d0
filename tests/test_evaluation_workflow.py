"""Input functions and targets of the evaluate and plot rules."""

from __future__ import annotations

import pytest

from camels_lstm.evaluation_workflow import (
    comparison_pair,
    evaluation_targets,
    prediction_inputs,
    seed_members,
)


def _config(**evaluation) -> dict:
    return {
        "experiments": {
            "regional": {"scope": "regional", "seeds": [0, 2]},
            "single_basin": {"scope": "per_basin", "seeds": [0]},
            "single_ealstm": {"scope": "per_basin", "seeds": [1]},
        },
        "evaluation": {"min_observed_days": 365, **evaluation},
    }


def test_prediction_inputs_by_member() -> None:
    inputs = prediction_inputs(_config(), ["01013500", "01022500"], "single_ealstm", "test")
    assert inputs == {
        "seed1": [
            "results/single_ealstm/01013500/seed1/predictions_test.nc",
            "results/single_ealstm/01022500/seed1/predictions_test.nc",
        ]
    }
    assert seed_members(_config(), "regional") == ["seed0", "seed2"]


def test_comparison_pair_default_override_and_absence() -> None:
    assert comparison_pair(_config()) == ("single_basin", "regional")
    assert comparison_pair(_config(compare=["single_ealstm", "regional"])) == (
        "single_ealstm",
        "regional",
    )
    with pytest.raises(ValueError, match=r"evaluation\.compare"):
        comparison_pair(_config(compare=["single_basin", "nope"]))
    only_regional = {"experiments": {"regional": {"scope": "regional", "seeds": [0]}}}
    assert comparison_pair(only_regional) is None
    assert "results/plots/nse_scatter.png" not in evaluation_targets(only_regional)


def test_evaluation_targets() -> None:
    targets = evaluation_targets(_config())
    assert "results/summary.csv" in targets
    assert "results/single_ealstm/metrics.csv" in targets
    for figure in ("nse_cdf", "nse_scatter", "nse_difference_map", "hydrographs_regional"):
        assert f"results/plots/{figure}.png" in targets
        assert f"results/plots/{figure}.pdf" in targets
