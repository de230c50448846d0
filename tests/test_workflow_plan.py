"""The workflow package: result paths, the plan derived from the config, memory estimates."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from conftest import REPO_ROOT, SCHEMA_PATH

from camels_lstm.config import read_basin_list, validate_config
from camels_lstm.workflow import paths
from camels_lstm.workflow.plan import WorkflowPlan
from camels_lstm.workflow.resources import model_mem_mb

BASINS = ["01013500", "01022500"]


def _plan(**evaluation) -> WorkflowPlan:
    base = {
        "batch_size": 256,
        "seq_length": 90,
        "hidden_size": 20,
        "num_layers": 1,
        "dynamic_inputs": ["prcp", "tmax"],
    }
    config = {
        "camels": {"downloads": {"sample": {}}},
        "experiments": {
            "regional": {**base, "scope": "regional", "seeds": [0, 2]},
            "single_basin": {**base, "scope": "per_basin", "seeds": [0]},
            "single_ealstm": {**base, "scope": "per_basin", "seeds": [1]},
            "tuned": {
                **base,
                "scope": "per_basin",
                "seeds": [3, 4],
                "search_space": {
                    "method": "grid",
                    "n_draws": 4,
                    "seed": 0,
                    "parameters": {"hidden_size": [10, 256]},
                },
            },
        },
        "evaluation": {"min_observed_days": 365, "compare": None, **evaluation},
    }
    return WorkflowPlan(config, BASINS)


def _sample_plan() -> WorkflowPlan:
    config = yaml.safe_load((REPO_ROOT / "config" / "config.yaml").read_text())
    validate_config(config, SCHEMA_PATH, workdir=REPO_ROOT)
    return WorkflowPlan(config, read_basin_list(REPO_ROOT / config["basins"]))


def test_prediction_inputs_by_member_follow_the_model_layout() -> None:
    plan = _plan()
    assert plan.prediction_inputs("single_ealstm", "test") == {
        "seed1": [
            "results/single_ealstm/01013500/seed1/predictions_test.nc",
            "results/single_ealstm/01022500/seed1/predictions_test.nc",
        ]
    }
    assert plan.prediction_inputs("regional", "validation") == {
        "seed0": ["results/regional/seed0/predictions_validation.nc"],
        "seed2": ["results/regional/seed2/predictions_validation.nc"],
    }
    assert plan.members("regional") == ["seed0", "seed2"]
    # The model of each prediction file is the file the aggregation clears checkpoints of.
    assert plan.models_of("single_ealstm") == [
        "results/single_ealstm/01013500/seed1/model.pt",
        "results/single_ealstm/01022500/seed1/model.pt",
    ]


def test_experiment_patterns_split_the_experiments_by_scope_and_tuning() -> None:
    plan = _plan()
    assert plan.experiments_of("per_basin", tuned=False) == ["single_basin", "single_ealstm"]
    assert plan.experiments_of(tuned=True) == ["tuned"]
    assert re.fullmatch(plan.experiment_pattern("regional"), "regional")
    assert not re.fullmatch(plan.experiment_pattern("regional"), "single_basin")
    never = plan.experiment_pattern("regional", tuned=True)
    assert not any(re.fullmatch(never, name) for name in ("", "regional", "tuned"))


def test_tuned_training_inputs_declare_the_selection_and_candidate_models() -> None:
    plan = _plan()
    tuning_seed = SimpleNamespace(experiment="tuned", basin="01022500", seed="3")
    inputs = plan.training_inputs(tuning_seed)
    assert inputs["best"] == "results/tuned/tuning/01022500/best.json"
    # a per-basin search links its chosen model: that one file is the input
    assert inputs["candidate_models"] == ["results/tuned/tuning/01022500/chosen_model.pt"]
    tuning = plan.tuning("tuned", tuning_seed)
    assert tuning["chosen_model"] == "results/tuned/tuning/01022500/chosen_model.pt"
    # its candidates' files (written by the search job, not declared) are per basin and id
    files = plan.candidate_files(paths.CANDIDATE_MODEL, "tuned", "01022500")
    assert files["c01"] == "results/tuned/tuning/01022500/c01/model.pt"
    other_seed = plan.training_inputs(
        SimpleNamespace(experiment="tuned", basin="01022500", seed="4")
    )
    assert set(other_seed) == {"store", "attributes", "best"}
    plain = plan.training_inputs(SimpleNamespace(experiment="regional", seed="0"))
    assert plain == {"store": paths.STORE, "attributes": paths.STATIC_ATTRIBUTES}
    assert plan.tuning("regional", SimpleNamespace(seed="0")) is None


def test_memory_of_a_tuned_experiment_is_that_of_its_largest_candidate() -> None:
    plan = _plan()
    small = plan.model_mem_mb("tuned", "c00")
    large = plan.model_mem_mb("tuned", "c01")
    assert small < large == plan.model_mem_mb("tuned")
    mem_mb = plan.mem_mb()
    assert mem_mb(SimpleNamespace(experiment="tuned", candidate="c00"), 2) == 2 * small
    assert mem_mb(SimpleNamespace(experiment="single_basin"), 1) == plan.model_mem_mb(
        "single_basin"
    )
    # A regional model holds all basins' series.
    assert plan.model_mem_mb("regional") == plan.model_mem_mb("single_basin") + 2 * (
        len(BASINS) - 1
    )


def test_sample_memory_estimates_cover_the_measured_peaks() -> None:
    """Peak RSS measured on the sample: ~450 MB per-basin job, ~850 MB regional job."""
    plan = _sample_plan()
    assert plan.model_mem_mb("single_basin") >= 450
    assert plan.model_mem_mb("regional") >= 850
    settings = {"batch_size": 256, "seq_length": 365, "hidden_size": 256, "num_layers": 1}
    # The paper's regional LSTM on 531 basins: activations dominate, about 1.1 GB of them.
    assert 1900 < model_mem_mb(settings, 531) < 3000


def test_comparison_pair_default_override_and_absence() -> None:
    assert _plan().comparison_pair() == ("single_basin", "regional")
    chosen = _plan(compare=["single_ealstm", "regional"])
    assert chosen.comparison_pair() == ("single_ealstm", "regional")
    only_regional = WorkflowPlan(
        {
            "camels": {"downloads": {}},
            "experiments": {"regional": {"scope": "regional", "seeds": [0]}},
            "evaluation": {"compare": None},
        },
        BASINS,
    )
    assert only_regional.comparison_pair() is None
    assert "results/plots/nse_scatter.png" not in only_regional.evaluation_targets()


def test_targets_name_every_final_output() -> None:
    plan = _plan()
    targets = plan.all_targets()
    assert {paths.STORE, paths.STATIC_ATTRIBUTES, "results/summary.csv"} <= set(targets)
    assert "results/single_ealstm/metrics.csv" in targets
    for figure in ("nse_cdf", "nse_scatter", "nse_difference_map", "hydrographs_regional"):
        assert f"results/plots/{figure}.png" in targets
        assert f"results/plots/{figure}.pdf" in targets
    assert "results/tuned/tuning.csv" in targets
    assert "results/plots/tuning_validation_nse_tuned.pdf" in targets
    assert len([t for t in targets if t.endswith("model.pt")]) == 2 + 2 + 2 + 4
    assert not [t for t in targets if "{" in t]


def test_paths_fill_keeps_the_other_wildcards() -> None:
    assert paths.fill(paths.MODEL_PREDICTIONS["per_basin"], period="test") == (
        "results/{experiment}/{basin}/seed{seed}/predictions_test.nc"
    )
    assert paths.camels_root({"camels": {"dir": None}}) == paths.CAMELS_EXTRACTED
    assert paths.camels_root({"camels": {"dir": "/data/camels"}}) == "/data/camels"


@pytest.mark.parametrize("rule_file", sorted((REPO_ROOT / "rules").glob("*.smk")), ids=str)
def test_rules_write_no_result_path_of_their_own(rule_file: Path) -> None:
    """Results and resources are laid out in camels_lstm.workflow.paths only (logs aside)."""
    text = rule_file.read_text()
    assert not re.findall(r"""["'](?:results|resources)/""", text)
