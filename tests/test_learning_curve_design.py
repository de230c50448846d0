"""Learning-curve studies: nested seeded subsets, nested windows, the checks of the config keys
and the jobs of the sample study (issue 14)."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
from typing import Any

import pytest
import yaml
from conftest import REPO_ROOT, SCHEMA_PATH

from camels_lstm.config import ConfigError, read_basin_list, validate_config
from camels_lstm.learning_curves import design
from camels_lstm.workflow import paths
from camels_lstm.workflow.plan import WorkflowPlan

BASINS = [f"{number:08d}" for number in range(1013500, 1013500 + 40)]


def _study(**changes: Any) -> dict[str, Any]:
    study = {
        "experiment": "regional",
        "overrides": {},
        "n_basins": [5, 10, 20, 40],
        "train_years": [2, 5, 9],
        "draws": 3,
        "seed": 0,
        "evaluation_basins": 5,
        "evaluation": "gauged",
        "train_period": None,
        "per_basin_reference": None,
    }
    return {**study, **changes}


@pytest.mark.parametrize("evaluation", ["gauged", "ungauged"])
def test_subsets_are_nested_seeded_and_hold_the_evaluation_basins_or_none(evaluation) -> None:
    sizes = [5, 10, 20, 35] if evaluation == "ungauged" else [5, 10, 20, 40]
    study = _study(evaluation=evaluation, n_basins=sizes)
    subsets = design.training_subsets("s", study, BASINS)
    evaluation_basins = set(design.evaluation_basins("s", study, BASINS))
    assert len(evaluation_basins) == 5
    for draw in range(3):
        for small, large in itertools.pairwise(sizes):
            assert set(subsets[(small, draw)]) < set(subsets[(large, draw)])
        for size in sizes:
            chosen = set(subsets[(size, draw)])
            assert len(chosen) == size
            if evaluation == "gauged":
                assert evaluation_basins <= chosen
            else:
                assert not evaluation_basins & chosen
    assert subsets[(10, 0)] != subsets[(10, 1)]  # draws differ
    assert subsets == design.training_subsets("s", copy.deepcopy(study), BASINS)  # seeded
    assert subsets != design.training_subsets(
        "s", _study(evaluation=evaluation, n_basins=sizes, seed=1), BASINS
    )


def test_windows_are_nested_and_inside_the_period() -> None:
    period = {"start": "1999-10-01", "end": "2008-09-30"}
    assert design.period_years(period) == 9
    windows = [design.train_window(period, years) for years in (1, 3, 9)]
    assert windows[0] == {"start": "2007-10-01", "end": "2008-09-30"}
    assert windows[2] == period
    starts = [dt.date.fromisoformat(w["start"]) for w in windows]
    assert starts == sorted(starts, reverse=True)
    assert all(w["end"] == period["end"] for w in windows)


def _config(**study_changes: Any) -> dict[str, Any]:
    config = yaml.safe_load((REPO_ROOT / "config" / "config.yaml").read_text())
    study = config["learning_curves"]["learning_curve"]
    study.update(study_changes)
    return config


def _refused(match: str, **study_changes: Any) -> None:
    with pytest.raises(ConfigError, match=match):
        validate_config(_config(**study_changes), SCHEMA_PATH, workdir=REPO_ROOT)


def test_bad_studies_are_refused_naming_the_key() -> None:
    key = r"config key 'learning_curves\.learning_curve\."
    _refused(key + r"n_basins': \[14\] larger than the 13", n_basins=[4, 14])
    _refused(key + r"n_basins': \[2\] smaller than the 3 evaluation", n_basins=[2, 13])
    _refused(key + r"n_basins': \[11\] larger than the 10", n_basins=[4, 11], evaluation="ungauged")
    _refused(key + r"train_years': \[10\] longer than the training period", train_years=[3, 10])
    _refused(key + r"train_years': \[3\] given more than once", train_years=[3, 3])
    _refused(
        key + r"evaluation_basins': \['01013500'\] are not among", evaluation_basins=["01013500"]
    )
    _refused(key + r"experiment': 'single_basin' is not a regional", experiment="single_basin")
    _refused(
        key + r"overrides\.hidden_size': 'big' is not of type", overrides={"hidden_size": "big"}
    )
    _refused(
        key + r"train_period' .*overlap", train_period={"start": "1985-10-01", "end": "2008-09-30"}
    )


def test_a_longer_study_period_allows_more_years() -> None:
    config = _config(train_period={"start": "1999-10-01", "end": "2014-09-30"}, train_years=[3, 15])
    config["periods"]["validation"] = {"start": "1980-10-01", "end": "1989-09-30"}
    validate_config(config, SCHEMA_PATH, workdir=REPO_ROOT)


def _sample_plan() -> WorkflowPlan:
    config = validate_config(_config(), SCHEMA_PATH, workdir=REPO_ROOT)
    return WorkflowPlan(config, read_basin_list(REPO_ROOT / config["basins"]))


def test_sample_study_jobs_and_targets() -> None:
    plan = _sample_plan()
    curves = plan.learning_curves
    assert sorted(curves.cells["learning_curve"]) == [
        "n0004_y03_d0",
        "n0004_y09_d0",
        "n0013_y03_d0",
        "n0013_y09_d0",
    ]
    settings = curves.cell_settings("learning_curve", "n0004_y03_d0")
    assert len(settings["basins"]) == 4
    assert set(curves.evaluation_basins("learning_curve")) <= set(settings["basins"])
    assert settings["periods"]["train"] == {"start": "2005-10-01", "end": "2008-09-30"}
    assert "test" not in settings["periods"]  # a new test period retrains nothing
    assert settings["experiment"]["hidden_size"] == 32 and "seeds" not in settings["experiment"]
    reference = curves.reference_settings("learning_curve", "01022500", 9)
    assert reference["basins"] == ["01022500"] and reference["experiment"]["scope"] == "per_basin"
    assert len(curves.reference_predictions("learning_curve")) == 3 * 2
    targets = plan.all_targets()
    assert paths.LEARNING_CURVE_TABLE.format(study="learning_curve") in targets
    assert "results/learning_curve/learning_curve.csv" in targets
    assert "results/plots/learning_curve.png" in targets


def test_draws_differ_in_seed_also_where_their_subsets_coincide() -> None:
    config = validate_config(_config(draws=2), SCHEMA_PATH, workdir=REPO_ROOT)
    plan = WorkflowPlan(config, read_basin_list(REPO_ROOT / config["basins"]))
    curves = plan.learning_curves
    first_seed = config["experiments"]["regional"]["seeds"][0]
    all_basins = [curves.cell_settings("learning_curve", f"n0013_y09_d{d}") for d in (0, 1)]
    assert sorted(all_basins[0]["basins"]) == sorted(all_basins[1]["basins"])  # every basin
    assert [s["seed"] for s in all_basins] == [first_seed, first_seed + 1]
    small = [curves.cell_settings("learning_curve", f"n0004_y09_d{d}")["basins"] for d in (0, 1)]
    assert small[0] != small[1]


def test_study_cost_counts_basin_days_times_epochs() -> None:
    from camels_lstm.learning_curves.cost import study_cost

    config = validate_config(_config(), SCHEMA_PATH, workdir=REPO_ROOT)
    study = config["learning_curves"]["learning_curve"]
    cost = study_cost(study, config["experiments"], config["periods"])
    # windows: 2005-10-01..2008-09-30 (1096 days), 1999-10-01..2008-09-30 (3288 days)
    epochs = study["overrides"]["epochs"]
    assert cost.cells == 4
    assert cost.cell_sample_epochs == (4 + 13) * (1096 + 3288) * epochs
    assert cost.largest_epoch_samples == 13 * 3288
    reference_epochs = config["experiments"]["single_basin"]["epochs"]
    assert cost.references == 3 * 2
    assert cost.reference_sample_epochs == 3 * (1096 + 3288) * reference_epochs
