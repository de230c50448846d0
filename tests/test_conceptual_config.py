"""Conceptual and hybrid experiments in the config and the workflow plan: defaults, each bad
setting named, and the hybrid LSTM's dependency on the simulation store."""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any

import pytest
from test_config import check, load

from camels_lstm.config import ConfigError
from camels_lstm.workflow import paths
from camels_lstm.workflow.plan import WorkflowPlan


@pytest.fixture
def config() -> dict[str, Any]:
    return load("config.yaml")


def test_sample_config_has_the_three_experiments_of_the_poster(config) -> None:
    checked = check(config)
    experiments = checked["experiments"]
    assert experiments["conceptual_per_basin"]["scope"] == "per_basin"
    assert experiments["conceptual_regional"]["scope"] == "regional"
    assert "conceptual_per_basin.streamflow" in experiments["hybrid"]["dynamic_inputs"]
    assert "conceptual_per_basin.swe" in experiments["hybrid"]["dynamic_inputs"]


def test_conceptual_defaults_are_filled(config) -> None:
    config["experiments"]["conceptual_per_basin"] = {
        "scope": "per_basin",
        "model": "gr6j_cemaneige",
    }
    settings = check(config)["experiments"]["conceptual_per_basin"]
    assert settings["pet"] == "priestley_taylor"
    assert settings["calibration"] == {
        "algorithm": "sce_ua",
        "objective": "nse",
        "max_runs": 2000,
        "warm_up_days": 365,
        "seed": 0,
    }
    assert "hidden_size" not in settings  # no LSTM defaults in a conceptual experiment


def test_unknown_model_is_named_with_both_registries(config) -> None:
    config["experiments"]["conceptual_per_basin"]["model"] = "sacsma"
    with pytest.raises(
        ConfigError, match=r"experiments\.conceptual_per_basin\.model.*'sacsma'.*gr4j_cemaneige"
    ):
        check(config)


def test_lstm_key_in_a_conceptual_experiment_is_named(config) -> None:
    config["experiments"]["conceptual_regional"]["hidden_size"] = 20
    with pytest.raises(
        ConfigError, match=r"experiments\.conceptual_regional.*'hidden_size' was unexpected"
    ):
        check(config)


def test_hybrid_input_of_an_unconfigured_experiment_is_named(config) -> None:
    inputs = config["experiments"]["hybrid"]["dynamic_inputs"]
    inputs[inputs.index("conceptual_per_basin.swe")] = "gr4j_snow.swe"
    with pytest.raises(
        ConfigError,
        match=r"dynamic_inputs\[6\].*'gr4j_snow'.*not a configured conceptual experiment",
    ):
        check(config)


def test_hybrid_input_from_an_lstm_experiment_is_refused(config) -> None:
    config["experiments"]["hybrid"]["dynamic_inputs"].append("regional.streamflow")
    with pytest.raises(ConfigError, match=r"'regional'.*not a configured conceptual experiment"):
        check(config)


def test_unknown_conceptual_output_is_named(config) -> None:
    # soil_moisture is an output of Shyft's HBV stack, not of GR4J
    config["experiments"]["hybrid"]["dynamic_inputs"].append("conceptual_per_basin.soil_moisture")
    with pytest.raises(
        ConfigError,
        match=r"conceptual_per_basin \(gr4j_cemaneige\) has no output 'soil_moisture'; its "
        r"outputs: streamflow, swe",
    ):
        check(config)


def test_learning_curve_of_a_hybrid_experiment_is_refused(config) -> None:
    config["learning_curves"]["learning_curve"]["experiment"] = "hybrid"
    with pytest.raises(ConfigError, match=r"'hybrid' has conceptual-model inputs"):
        check(config)


@pytest.fixture
def plan(config) -> WorkflowPlan:
    checked = check(copy.deepcopy(config))
    return WorkflowPlan(checked, ["01022500", "02092500", "12040500"])


def test_rules_of_each_family_match_only_their_experiments(plan) -> None:
    assert plan.experiments_of("regional") == [
        "regional",
        "hybrid",
        "regional_snow",
        "hybrid_shyft",
    ]
    assert plan.experiments_of("regional", family="conceptual") == [
        "conceptual_regional",
        "shyft_regional",
    ]
    assert plan.experiments_of(family="conceptual") == [
        "conceptual_per_basin",
        "conceptual_regional",
        "shyft_per_basin",
        "shyft_regional",
    ]
    assert plan.comparison_pair() == ("single_basin", "regional")  # LSTMs, not the GR model


def test_hybrid_training_reads_the_simulation_store(plan) -> None:
    wildcards = SimpleNamespace(experiment="hybrid", seed="0")
    inputs = plan.training_inputs(wildcards)
    assert inputs["conceptual"] == ["results/conceptual_per_basin/simulation.zarr"]
    assert plan.conceptual.stores_of("hybrid") == {
        "conceptual_per_basin": "results/conceptual_per_basin/simulation.zarr"
    }
    assert "conceptual" not in plan.training_inputs(
        SimpleNamespace(experiment="regional", seed="0")
    )
    # the notes' snow experiment reads Shyft's per-basin simulation
    inputs = plan.training_inputs(SimpleNamespace(experiment="regional_snow", seed="0"))
    assert inputs["conceptual"] == ["results/shyft_per_basin/simulation.zarr"]


def test_conceptual_files_and_members(plan) -> None:
    assert plan.models_of("conceptual_per_basin") == [
        paths.CONCEPTUAL_CALIBRATION["per_basin"].format(experiment="conceptual_per_basin", basin=b)
        for b in plan.basins
    ]
    assert plan.models_of("conceptual_regional") == ["results/conceptual_regional/calibration.json"]
    assert plan.prediction_inputs("conceptual_regional", "test") == {
        "seed0": ["results/conceptual_regional/simulation/predictions_test.nc"]
    }
    targets = plan.all_targets()
    assert "results/conceptual_per_basin/simulation.zarr" in targets
    assert "results/conceptual_regional/metrics.csv" in targets
    mem = plan.conceptual.mem_mb()
    per_basin = SimpleNamespace(experiment="conceptual_per_basin", basin="01022500")
    regional = SimpleNamespace(experiment="conceptual_regional")
    assert mem(per_basin, 1, 1) < mem(regional, 1, 1) < mem(regional, 2, 1)  # threads: workers
    assert mem(regional, 1, 2) == 2 * mem(regional, 1, 1)  # a retry asks for more
    assert plan.conceptual.regional_threads() == min(8, len(plan.basins))


def test_calibration_params_leave_out_the_description(plan) -> None:
    settings = plan.conceptual.calibration_settings("conceptual_per_basin")
    assert "description" not in settings and settings["model"] == "gr4j_cemaneige"


def test_calibration_params_carry_the_registry_bounds_so_new_bounds_rerun(
    plan, monkeypatch
) -> None:
    """Bounds live in the registry, not the config: as params of the jobs, a changed bound
    makes Snakemake rerun the calibrations made with the old ones."""
    from dataclasses import replace

    from camels_lstm.conceptual.models import CONCEPTUAL_MODELS

    model = CONCEPTUAL_MODELS["gr4j_cemaneige"]
    before = plan.conceptual.calibration_settings("conceptual_per_basin")["parameter_space"]
    assert [one["name"] for one in before] == list(model.parameter_names)
    assert before[0] == {
        "name": model.parameters[0].name,
        "low": model.parameters[0].low,
        "high": model.parameters[0].high,
        "log": model.parameters[0].log,
    }
    widened = replace(model.gr_parameters[0], high=model.gr_parameters[0].high * 2)
    monkeypatch.setitem(
        CONCEPTUAL_MODELS,
        "gr4j_cemaneige",
        replace(model, gr_parameters=(widened, *model.gr_parameters[1:])),
    )
    after = plan.conceptual.calibration_settings("conceptual_per_basin")["parameter_space"]
    assert after != before and after[0]["high"] == 2 * before[0]["high"]
